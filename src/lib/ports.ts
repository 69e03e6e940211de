/**
 * Free ports on 127.0.0.1 (the demo's listeners, the tests' servers): never the fixed defaults (18000, 18001,
 * 15001, 9901, 8000, 8080), which a user's `npm start` or Envoy may be holding. The kernel picks;
 * a port is never handed out twice in one run, so two listeners cannot collide before they bind.
 */
import * as net from 'node:net';

const handedOut = new Set<number>();

export async function freePort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.unref();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const { port: p } = srv.address() as net.AddressInfo;
        srv.close(() => resolve(p));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no new free port on 127.0.0.1 after 20 tries');
}
