import type { FastifyReply } from 'fastify';

/** A JPEG answer the browser may keep for an hour (private: it shows a face). */
export function sendJpeg(reply: FastifyReply, jpeg: Uint8Array): FastifyReply {
  return reply
    .type('image/jpeg')
    .header('cache-control', 'private, max-age=3600')
    .send(Buffer.from(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength));
}
