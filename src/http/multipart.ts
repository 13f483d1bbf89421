import type { FastifyMultipartBaseOptions } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.ts';

export interface UploadedFile {
  file: string;
  /** The bytes, or the error that made this file unreadable (too large). */
  bytes: Uint8Array | null;
  error: AppError | null;
}

/** A file name as sent, without control characters (it is stored and shown; PostgreSQL cannot store a NUL). */
function printable(name: string): string {
  return [...name].filter((c) => c > '\u001f' && c !== '\u007f').join('');
}

/** The plugin reads this per call; its typing of `parts()` leaves it out. */
const KEEP_GOING_PAST_LARGE_FILES: FastifyMultipartBaseOptions = { throwFileSizeLimit: false };

/**
 * The file parts of a multipart request, one at a time (only one file is held in memory while the
 * caller handles it); a file over the size limit comes as an error, not thrown.
 */
export async function* uploadedFiles(
  request: FastifyRequest,
  maxUploadBytes: number,
): AsyncGenerator<UploadedFile> {
  // A file over the limit arrives truncated instead of failing the whole request: with the plugin's
  // default, the iteration would end in a 413 after the files before it had been stored.
  for await (const part of request.parts(KEEP_GOING_PAST_LARGE_FILES)) {
    if (part.type !== 'file') continue;
    const file = printable(part.filename || part.fieldname || '') || 'upload';
    const buffer = await part.toBuffer();
    if (part.file.truncated)
      yield {
        file,
        bytes: null,
        error: new AppError(
          'payload_too_large',
          `the file is larger than MAX_UPLOAD_BYTES (${maxUploadBytes} bytes)`,
        ),
      };
    else
      yield { file, bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), error: null };
  }
}

/** The single file of a multipart request (enroll, identify). */
export async function readSingleFile(request: FastifyRequest, maxUploadBytes: number): Promise<Uint8Array> {
  const files: UploadedFile[] = [];
  for await (const file of uploadedFiles(request, maxUploadBytes)) files.push(file);
  if (files.length !== 1)
    throw new AppError('invalid_input', `expected exactly one file, got ${files.length}`);
  const [only] = files as [UploadedFile];
  if (only.error) throw only.error;
  return only.bytes as Uint8Array;
}
