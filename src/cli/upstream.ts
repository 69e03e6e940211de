import { Command } from 'commander';
import { Codes, RicochetError } from '../lib/errors';
import { parseGoDuration } from '../lib/duration';
import { goDuration } from '../load/goFormat';
import { DEFAULT_MAX_DELAY_MS, startUpstream, type Upstream } from '../upstream';

interface UpstreamCliOptions {
  address: string;
  seed?: string;
  maxDelay: string;
}

/**
 * `ricochet upstream`: the flaky test service the examples point at, answering fortio's echo
 * syntax (`/echo?status=503:10,500:5`, `delay=50ms:10`, `close=5`) and httpbin's `/status/<code>`,
 * seeded so that the same requests in the same order get the same answers. On SIGINT/SIGTERM it
 * prints what it served, by status, so a run can be compared with the client's table.
 */
export function registerUpstream(program: Command): void {
  program
    .command('upstream')
    .description('run the flaky test upstream (fortio echo syntax, httpbin /status/<code>) that the examples point at')
    .option('--address <host:port>', 'listen address', '127.0.0.1:8080')
    .option('--seed <n>', 'random seed, to replay a run')
    .option('--max-delay <duration>', 'cap on ?delay= (fortio\'s -maxdelay), a Go duration', goDuration(DEFAULT_MAX_DELAY_MS))
    .action(async (opts: UpstreamCliOptions) => {
      const i = opts.address.lastIndexOf(':');
      const host = opts.address.slice(0, i);
      const port = Number(opts.address.slice(i + 1));
      if (i <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new RicochetError(Codes.InvalidFlag, `--address ${opts.address}: write host:port, e.g. 127.0.0.1:8080`);
      const seed = opts.seed === undefined ? undefined : Number(opts.seed);
      if (seed !== undefined && !Number.isInteger(seed)) throw new RicochetError(Codes.InvalidFlag, `--seed ${opts.seed}: an integer`);
      const maxDelayMs = parseGoDuration(opts.maxDelay);
      if (maxDelayMs === undefined || maxDelayMs < 0) throw new RicochetError(Codes.InvalidFlag, `--max-delay ${opts.maxDelay}: a Go duration, e.g. 1.5s or 500ms`);
      const upstream = await startUpstream({ host, port, seed, maxDelayMs });
      console.log(`upstream listening on http://${host}:${upstream.port} (seed ${upstream.seed}); try /echo?status=503:25 or /status/503`);
      const stop = (): void => {
        process.stdout.write(servedSummary(upstream));
        void upstream.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}

/** `served 100 requests (seed 7)` then `Code 200 : 89 (89.0 %)` lines and the connections dropped on purpose. */
export function servedSummary(u: Upstream): string {
  const lines = [`served ${u.requests} requests (seed ${u.seed})`];
  const codes = [...u.countsByStatus.entries()].sort(([a], [b]) => a - b);
  for (const [code, n] of codes) lines.push(`Code ${code} : ${n} (${((100 * n) / Math.max(u.requests, 1)).toFixed(1)} %)`);
  if (u.closes > 0) lines.push(`Closed without a response : ${u.closes} (${((100 * u.closes) / Math.max(u.requests, 1)).toFixed(1)} %)`);
  return `${lines.join('\n')}\n`;
}
