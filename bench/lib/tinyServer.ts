/**
 * The most trivial node:http server: 200 "ok\n" to anything, keep-alive never timed out. A load
 * target for bench/load.ts when nginx is not at hand (or asked for with --targets node):
 *
 *   node dist/bench/lib/tinyServer.js --port P
 */
import * as http from 'node:http';

const i = process.argv.indexOf('--port');
const port = Number(process.argv[i + 1]);
const body = Buffer.from('ok\n');
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
});
// A load generator's idle connection must not be closed under it between two runs.
server.keepAliveTimeout = 0;
server.listen(port, '127.0.0.1', () => process.stdout.write(`tiny server on 127.0.0.1:${port}\n`));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
