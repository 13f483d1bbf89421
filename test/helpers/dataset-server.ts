import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Server as NetServer } from 'node:net';

/** What a test server saw of one request. */
export interface SeenRequest {
  path: string;
  range: string | null;
  ifRange: string | null;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, index: number) => void | Promise<void>;

/** A real HTTP server on 127.0.0.1 and a random port, whose answers the test scripts. */
export interface DatasetServer {
  port: number;
  /** Every request, in order. */
  seen: SeenRequest[];
  url(path: string): string;
  close(): Promise<void>;
}

export async function startDatasetServer(handler: Handler): Promise<DatasetServer> {
  const seen: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    const index = seen.length;
    seen.push({
      path: req.url ?? '',
      range: (req.headers.range as string | undefined) ?? null,
      ifRange: (req.headers['if-range'] as string | undefined) ?? null,
    });
    Promise.resolve(handler(req, res, index)).catch(() => res.socket?.destroy());
  });
  return listenOnLoopback(server, seen, () => server.closeAllConnections());
}

/** Listens on 127.0.0.1 and a random port. */
async function listenOnLoopback(
  server: NetServer,
  seen: SeenRequest[],
  beforeClose: () => void = () => undefined,
): Promise<DatasetServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    seen,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise((resolve) => {
        beforeClose();
        server.close(() => resolve());
      }),
  };
}

export interface ServeOptions {
  etag?: string | null;
  /** Answer `Range` with 206 (default); false: always the whole file with 200. */
  ranges?: boolean;
  /** Close the connection after this many body bytes of this answer. */
  dropAfter?: number;
  /** Send the body in pieces of this size… */
  pieceBytes?: number;
  /** …with this pause between them. */
  pieceDelayMs?: number;
  /** The Content-Length (or Content-Range total) to announce, whatever the body really is. */
  declaredLength?: number;
  /** Hold the body at this offset of the file until `gate` resolves. */
  holdAt?: number;
  gate?: Promise<void>;
  /** Send no Content-Length (chunked). */
  chunked?: boolean;
  contentType?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function writePiece(res: ServerResponse, piece: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => res.write(piece, (error) => (error ? reject(error) : resolve())));
}

/** Serves `body` as a file: ranges, ETag, pauses, drops and lies as the options say. */
export async function serveFile(
  req: IncomingMessage,
  res: ServerResponse,
  body: Uint8Array,
  options: ServeOptions = {},
): Promise<void> {
  const etag = options.etag === undefined ? '"v1"' : options.etag;
  const total = options.declaredLength ?? body.length;
  let start = 0;
  const range = /^bytes=(\d+)-$/.exec((req.headers.range as string | undefined) ?? '');
  const ifRange = req.headers['if-range'] as string | undefined;
  const headers: Record<string, string> = {
    'content-type': options.contentType ?? 'application/octet-stream',
  };
  if (etag) headers.etag = etag;
  if ((options.ranges ?? true) && range && (!ifRange || ifRange === etag)) {
    start = Number(range[1]);
    if (start >= total) {
      res.writeHead(416, { 'content-range': `bytes */${total}` });
      res.end();
      return;
    }
    res.writeHead(206, {
      ...headers,
      'content-range': `bytes ${start}-${total - 1}/${total}`,
      ...(options.chunked ? {} : { 'content-length': String(total - start) }),
    });
  } else {
    res.writeHead(200, { ...headers, ...(options.chunked ? {} : { 'content-length': String(total) }) });
  }
  const piece = options.pieceBytes ?? 64 * 1024;
  let sent = 0;
  for (let offset = start; offset < body.length; ) {
    if (options.holdAt !== undefined && offset >= options.holdAt && options.gate) {
      await options.gate;
      options.gate = undefined;
    }
    let end = Math.min(body.length, offset + piece);
    if (options.holdAt !== undefined && options.gate && offset < options.holdAt)
      end = Math.min(end, options.holdAt);
    if (options.dropAfter !== undefined) end = Math.min(end, start + options.dropAfter);
    if (end > offset) {
      await writePiece(res, body.subarray(offset, end));
      sent += end - offset;
      offset = end;
    }
    if (options.dropAfter !== undefined && sent >= options.dropAfter) {
      // Time for the client to read what it was sent before the drop, even on a loaded machine (a drop
      // it sees first is retried from the start, and then no range request would be asked for).
      await sleep(300);
      res.socket?.destroy();
      return;
    }
    if (options.pieceDelayMs) await sleep(options.pieceDelayMs);
  }
  res.end();
}

/**
 * A raw TCP server that answers each request with exactly the bytes `answer` gives (status line,
 * headers and body written by hand: Node's HTTP server would not send a body that contradicts its
 * Content-Length), then closes the connection.
 */
export async function startRawServer(
  answer: (request: string, index: number) => Uint8Array,
): Promise<DatasetServer> {
  const seen: SeenRequest[] = [];
  const server = createTcpServer((socket) => {
    let text = '';
    socket.on('data', (data) => {
      text += data.toString('latin1');
      if (!text.includes('\r\n\r\n')) return;
      const index = seen.length;
      const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'im').exec(text)?.[1]?.trim() ?? null;
      seen.push({ path: text.split(' ')[1] ?? '', range: header('range'), ifRange: header('if-range') });
      socket.end(answer(text, index));
    });
    socket.on('error', () => undefined);
  });
  return listenOnLoopback(server, seen);
}

/** An HTTP/1.1 answer written by hand. */
export function rawAnswer(status: string, headers: Record<string, string>, body: Uint8Array): Uint8Array {
  const head = `HTTP/1.1 ${status}\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}connection: close\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}
