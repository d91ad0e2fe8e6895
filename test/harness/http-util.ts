/** Small helpers shared by the loopback servers that stand in for remote APIs. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Starts a node:http server on 127.0.0.1 with a free port; returns its base URL and a stopper. */
export async function listen(handler: Handler): Promise<{ server: Server; baseUrl: string; stop: () => Promise<void> }> {
  const server = createServer((req, res) => {
    try {
      handler(req, res);
    } catch (err) {
      res.statusCode = 500;
      res.end(String(err));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    baseUrl: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** How a server misbehaves while sending a body: it sends `afterBytes` bytes, then hangs up. */
export interface DropPlan {
  readonly afterBytes: number;
  /** How many responses are cut this way before the server behaves (Infinity: always). */
  times: number;
}

/**
 * Sends `body` with its full Content-Length, or, while `drop.times` lasts, only its first
 * `drop.afterBytes` bytes before destroying the connection (a server that vanishes mid-download).
 */
export function sendBytes(res: ServerResponse, body: Buffer, contentType: string, drop?: DropPlan): void {
  res.writeHead(200, { 'content-type': contentType, 'content-length': body.length });
  if (drop && drop.times > 0 && body.length > drop.afterBytes) {
    drop.times -= 1;
    res.write(body.subarray(0, drop.afterBytes), () => {
      // Give the bytes a moment to leave before the connection goes.
      setTimeout(() => res.socket?.destroy(), 20);
    });
    return;
  }
  res.end(body);
}
