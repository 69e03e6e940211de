/**
 * A differential-suite upstream that answers every request with one fixed status, whatever the
 * request's `x-script` says: the "bad host" of a cluster whose other endpoints follow the script
 * (outlier detection), or a plain 200 server whose TCP connections are counted (connection
 * limits). Each request is recorded in the group's ScriptBook like a scripted attempt (its step
 * reads `<status>`), so attempt counts and `server` checks work the same for every endpoint.
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parseScript, type ScriptBook } from '../../../src/upstream';

export interface FixedUpstream {
  readonly port: number;
  /** TCP connections accepted since start. */
  readonly connections: number;
  close(): Promise<void>;
}

export async function startFixedUpstream(status: number, book: ScriptBook): Promise<FixedUpstream> {
  const step = parseScript(String(status))[0];
  let connections = 0;
  const sockets = new Set<Socket>();
  let serverName = '';
  const server = http.createServer((req, res) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const attempt = book.begin({
      scenarioId: headers['x-scenario-id'] ?? 'anonymous',
      at: performance.timeOrigin + performance.now(),
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      server: serverName,
      protocol: 'HTTP/1.1',
      headers,
      body: '',
      bodyBytes: 0,
      step,
      result: 'pending',
    });
    req.on('data', (c: Buffer) => (attempt.bodyBytes += c.length));
    req.on('end', () => {
      attempt.requestEndedAt = performance.timeOrigin + performance.now();
      const body = `fixed ${status} from ${serverName}\n`;
      res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), 'x-upstream-attempt': String(attempt.attempt) });
      res.end(body, () => {
        attempt.result = 'responded';
        attempt.endedAt = performance.timeOrigin + performance.now();
      });
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (s: Socket) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  serverName = `127.0.0.1:${port}`;
  return {
    port,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
