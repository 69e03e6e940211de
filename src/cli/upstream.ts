import { Command } from 'commander';
import { Codes, RicochetError } from '../lib/errors';
import { startUpstream } from '../upstream';

interface UpstreamCliOptions {
  address: string;
  seed?: string;
}

/**
 * `ricochet upstream`: the flaky test service the examples and the tests use, answering fortio's
 * echo syntax (`/echo?status=503:25`, `delay=50ms:10`) and httpbin's `/status/<code>`.
 */
export function registerUpstream(program: Command): void {
  program
    .command('upstream')
    .description('run the flaky test upstream (fortio echo syntax, httpbin /status/<code>) that the examples point at')
    .option('--address <host:port>', 'listen address', '127.0.0.1:8080')
    .option('--seed <n>', 'random seed, to replay a run')
    .action(async (opts: UpstreamCliOptions) => {
      const i = opts.address.lastIndexOf(':');
      const host = opts.address.slice(0, i);
      const port = Number(opts.address.slice(i + 1));
      if (i <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new RicochetError(Codes.InvalidFlag, `--address ${opts.address}: write host:port, e.g. 127.0.0.1:8080`);
      const seed = opts.seed === undefined ? undefined : Number(opts.seed);
      if (seed !== undefined && !Number.isInteger(seed)) throw new RicochetError(Codes.InvalidFlag, `--seed ${opts.seed}: an integer`);
      const upstream = await startUpstream({ host, port, seed });
      console.log(`upstream listening on http://${host}:${upstream.port} (seed ${upstream.seed}); try /echo?status=503:25 or /status/503`);
      const stop = (): void => void upstream.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
