/**
 * A loopback TCP proxy in front of a real server (the S3 test server) that can cut connections
 * after a number of response bytes: a data lake that vanishes mid-download, without faking the
 * server itself. Each client connection gets its own upstream connection.
 */
import * as net from 'node:net';

export interface DroppingProxyOptions {
  /** host:port of the real server. */
  readonly upstreamPort: number;
  /** Cut a connection once this many bytes went from the server to the client on it. */
  readonly cutAfterBytes: number;
  /** How many connections are cut before the proxy behaves (Infinity: always). Small exchanges never count. */
  times: number;
}

export interface DroppingProxy {
  readonly endpoint: string;
  /** Connections cut so far. */
  readonly cuts: () => number;
  stop(): Promise<void>;
}

export async function startDroppingProxy(options: DroppingProxyOptions): Promise<DroppingProxy> {
  let cuts = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(options.upstreamPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let sent = 0;
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => {
      // The cut budget is spent only by connections that actually carry that much.
      if (options.times > 0 && sent + chunk.length > options.cutAfterBytes) {
        options.times -= 1;
        client.write(chunk.subarray(0, Math.max(0, options.cutAfterBytes - sent)), () => {
          cuts += 1;
          close();
        });
        sent = options.cutAfterBytes;
        return;
      }
      sent += chunk.length;
      client.write(chunk);
    });
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    cuts: () => cuts,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
