import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { Duplex } from 'node:stream';

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n');

/** A duplex over `socket` that first yields `first` (bytes already read from it). */
function replay(socket: net.Socket, first: Buffer): Duplex {
  const duplex = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk, encoding, done) {
      socket.write(chunk, encoding, done);
    },
    final(done) {
      socket.end(done);
    },
    destroy(error, done) {
      socket.destroy(error ?? undefined);
      done(error);
    },
  });
  duplex.push(first);
  socket.on('data', (chunk: Buffer) => {
    if (!duplex.push(chunk)) socket.pause();
  });
  socket.on('end', () => duplex.push(null));
  socket.on('close', () => duplex.destroy());
  return duplex;
}

export interface DualServer {
  port: number;
  /** Stops accepting; calls in flight get up to `drainMs` to finish, then connections are cut. */
  close(drainMs?: number): Promise<void>;
}

/**
 * One plain-text port for HTTP/2 (gRPC, and Connect/gRPC-Web clients that speak h2c) and HTTP/1.1
 * (Connect JSON, gRPC-Web from browsers, curl): the first bytes of each connection pick the server.
 */
export async function listenDual(
  handler: (
    req: http.IncomingMessage | http2.Http2ServerRequest,
    res: http.ServerResponse | http2.Http2ServerResponse,
  ) => void,
  port: number,
  host: string,
): Promise<DualServer> {
  const h1 = http.createServer(handler as http.RequestListener);
  const h2 = http2.createServer(
    {},
    handler as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
  );
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', (first: Buffer) => {
      const n = Math.min(first.length, H2_PREFACE.length);
      if (first.subarray(0, n).equals(H2_PREFACE.subarray(0, n))) {
        // http2 reads a net.Socket's native handle, past any unshifted bytes: hand it a stream instead.
        h2.emit('connection', replay(socket, first));
      } else {
        socket.pause();
        socket.unshift(first);
        h1.emit('connection', socket);
        socket.resume();
      }
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      done();
    });
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    async close(drainMs = 5000) {
      const closed = new Promise<void>((done) => server.close(() => done()));
      for (const session of sessions) session.close();
      const deadline = Date.now() + drainMs;
      while (sockets.size > 0 && Date.now() < deadline) {
        h1.closeIdleConnections();
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
