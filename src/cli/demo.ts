/**
 * `ricochet demo` (`npm run demo`): the seed walkthroughs with before/after tables, no Docker
 * (src/demo/). Exit 0 only if every walkthrough showed its promised effect, 1 if one did not,
 * 2 for bad flags, 130 on Ctrl-C (every child process stopped first).
 */
import { Command, Option } from 'commander';
import { CliError } from './cliError';

interface DemoCliOptions {
  only?: string;
  list: boolean;
  seed: string;
  proxy: 'envoy' | 'ricochet' | 'auto';
  json: boolean;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the seed walkthroughs (Istio, FSM, FSM gateway, Kuma) against a local control plane, proxy and flaky upstream, with before/after tables')
    .option('--only <ids>', 'run only these walkthroughs, comma-separated (see --list)')
    .option('--list', 'list the walkthroughs and exit', false)
    .option('--seed <n>', 'seed of the flaky upstream (the same seed gives the same first-try failures)')
    .addOption(new Option('--proxy <kind>', 'data plane: a real Envoy, Ricochet\'s own, or auto (Envoy when one is found)').choices(['envoy', 'ricochet', 'auto']).default('auto'))
    .option('--json', 'print the results as JSON on stdout (the text goes to stderr)', false)
    .action(async (opts: DemoCliOptions) => demo(opts));
}

async function demo(opts: DemoCliOptions): Promise<void> {
  const { DEFAULT_SEED, WALKTHROUGHS, isInterrupted, runDemo, selectWalkthroughs } = await import('../demo');
  if (opts.list) {
    for (const w of WALKTHROUGHS) process.stdout.write(`${w.id.padEnd(16)} ${w.title}\n`);
    return;
  }
  const seed = opts.seed === undefined ? DEFAULT_SEED : Number(opts.seed);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new CliError(`--seed ${opts.seed}: a whole number from 0 to 4294967295`, 2);
  const only = opts.only?.split(',').map((s) => s.trim()).filter((s) => s !== '');
  selectWalkthroughs(only); // bad ids fail before anything starts

  const write = opts.json ? (t: string) => process.stderr.write(`${t}\n`) : (t: string) => process.stdout.write(`${t}\n`);
  const abort = new AbortController();
  const onSignal = (): void => {
    if (abort.signal.aborted) return;
    process.stderr.write('\nInterrupted: stopping the proxy and the control plane…\n');
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    // On a terminal, a status line while a load runs (the FSM walkthroughs wait seconds for backoffs).
    const progress = process.stderr.isTTY ? (line: string | undefined) => process.stderr.write(`\r\x1b[K${line ?? ''}`) : undefined;
    const result = await runDemo({ only, seed, proxy: opts.proxy, signal: abort.signal, out: write, progress });
    if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    process.exitCode = result.ok ? 0 : 1;
  } catch (err) {
    if (isInterrupted(err) || abort.signal.aborted) {
      process.exitCode = 130;
      return;
    }
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
