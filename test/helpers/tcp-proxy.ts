import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

/**
 * A TCP proxy between faceflow and a shared server, so a test can cut connections without touching
 * the server (other suites use it): `cut()` destroys every connection and refuses new ones for `pauseMs`.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private refusing = false;
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => {
      if (!proxy || proxy.refusing) {
        client.destroy();
        return;
      }
      const upstream = tcpConnect(targetPort, targetHost);
      const all = proxy.sockets;
      all.add(client);
      all.add(upstream);
      const end = () => {
        client.destroy();
        upstream.destroy();
        all.delete(client);
        all.delete(upstream);
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('proxy did not bind');
    proxy = new TcpProxy(server, address.port);
    return proxy;
  }

  /** Destroys every proxied connection; new ones are refused for `pauseMs`. */
  async cut(pauseMs = 1000): Promise<void> {
    this.refusing = true;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await new Promise((r) => setTimeout(r, pauseMs));
    this.refusing = false;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
