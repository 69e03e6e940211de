import { Command } from 'commander';
import { RicochetError } from '../lib/errors';
import { VERSION } from '../version';
import type { GlobalOptions } from './client';

type Register = (program: Command, globals: () => GlobalOptions) => void;

/**
 * Every command and how to load it. Only the module of the command being run is loaded: `serve`
 * pulls in the whole control plane (about 0.8 s of module loading), which `version`, `get` or
 * `proxy-status` must not pay for. `--help` and unknown commands load them all.
 */
const COMMANDS: ReadonlyArray<{ names: string[]; load: () => Promise<Register> }> = [
  { names: ['serve'], load: async () => (await import('./serve')).registerServe },
  { names: ['translate'], load: async () => (await import('./translate')).registerTranslate },
  { names: ['dataplane'], load: async () => (await import('./dataplane')).registerDataplane },
  { names: ['upstream'], load: async () => (await import('./upstream')).registerUpstream },
  { names: ['load'], load: async () => (await import('./load')).registerLoad },
  { names: ['apply'], load: async () => (await import('./apply')).registerApply },
  { names: ['get'], load: async () => (await import('./get')).registerGet },
  { names: ['delete'], load: async () => (await import('./delete')).registerDelete },
  { names: ['analyze'], load: async () => (await import('./analyze')).registerAnalyze },
  { names: ['proxy-status', 'ps'], load: async () => (await import('./proxyStatus')).registerProxyStatus },
  { names: ['proxy-config', 'pc'], load: async () => (await import('./proxyConfig')).registerProxyConfig },
  { names: ['bootstrap'], load: async () => (await import('./bootstrap')).registerBootstrap },
  { names: ['version'], load: async () => (await import('./version')).registerVersion },
  { names: ['demo'], load: async () => (await import('./demo')).registerDemo },
];

/** Global options that take a value, so the command name can be found after them. */
const GLOBAL_VALUE_FLAGS = new Set(['--server', '--token-file']);

/** The command named on the command line (after global options), or undefined (help, typo, none). */
export function commandName(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (GLOBAL_VALUE_FLAGS.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    return a === 'help' ? args[i + 1] : a;
  }
  return undefined;
}

/** `ricochet`: named after the istioctl / kubectl commands our users know. */
export function main(argv: string[]): void {
  run(argv).catch(fail);
}

async function run(argv: string[]): Promise<void> {
  const program = new Command('ricochet')
    .description('Envoy xDS control plane for the retry policies you already write (Istio, FSM, Kuma, Gateway API)')
    .version(VERSION, '--version', 'print the version')
    .option('--server <url>', 'Ricochet\'s admin API for client commands (env RICOCHET_SERVER; default http://127.0.0.1:18001)')
    .option('--token-file <file>', 'file holding a bearer token for the admin API (needed when it listens beyond loopback)')
    .showHelpAfterError();
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  const name = commandName(argv.slice(2));
  const chosen = COMMANDS.filter((c) => name !== undefined && c.names.includes(name));
  for (const c of chosen.length > 0 ? chosen : COMMANDS) (await c.load())(program, globals);
  await program.parseAsync(argv);
}

/** Exit statuses: 1 for a failure the command reports (kubectl's), 2 for invalid input to Ricochet itself. */
async function fail(err: unknown): Promise<void> {
  const { CliError } = await import('./cliError');
  const { ApiError, formatServerError } = await import('./client');
  if (err instanceof CliError) {
    console.error(`error: ${err.message}`);
    process.exit(err.exitCode);
  }
  if (err instanceof ApiError) {
    console.error(formatServerError(err));
    process.exit(1);
  }
  if (err instanceof RicochetError) {
    console.error(`error [${err.code}]: ${err.message}`);
    process.exit(2);
  }
  console.error(err);
  process.exit(2);
}
