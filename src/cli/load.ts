/**
 * `ricochet load [flags] <url>`: fortio-style load (`fortio load -h`), with fortio's flags spelled as
 * fortio users type them (`-c 1 -n 100 -qps 0 -t 10s -timeout 3s -p "50,90,99" -H 'Host: x'
 * -json -`), printing fortio's table (src/load/report.ts). Like fortio, it exits 0 when the run
 * completes whatever the status codes (even all -1: a refused port is a result, not a usage error),
 * and 2 on bad flags.
 */
import * as fs from 'node:fs';
import { Command, Option } from 'commander';
import { FORTIO_DEFAULTS, formatReport, runLoad, type LoadOptions, type LoadResult } from '../load';
import { parseGoDuration } from '../lib/duration';
import { formatG, goDuration } from '../load/goFormat';
import { progressWriter } from '../load/progress';
import { CliError } from './cliError';

interface LoadCliOptions {
  connections: string;
  calls: string;
  qps: string;
  duration: string;
  timeout: string;
  percentiles: string;
  header: string[];
  proxy?: string;
  method?: string;
  json?: boolean;
  jsonFile?: string;
}

/** Go-flag spellings (one dash, long name) that Commander would read as bundled short flags. */
const SINGLE_DASH_LONG = ['qps', 'timeout', 'proxy'];

/**
 * fortio's single-dash long flags → Commander's: `-qps 5` and `-qps=5` → `--qps`, `-timeout` →
 * `--timeout`; `-json <file|->` (a value, as fortio's) and `--json=<file|->` → `--json-file`,
 * while `--json` alone means `-json -`. Everything after `--` is left alone.
 */
export function normaliseLoadArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      out.push(...args.slice(i));
      break;
    }
    const m = /^-{1,2}([a-z-]+)(=.*)?$/.exec(a);
    const name = m?.[1];
    if (m && a.startsWith('-') && !a.startsWith('--') && name !== undefined && SINGLE_DASH_LONG.includes(name)) out.push(`--${name}${m[2] ?? ''}`);
    else if (m && name === 'json' && (!a.startsWith('--') || m[2] !== undefined)) out.push(`--json-file${m[2] ?? ''}`);
    else out.push(a);
  }
  return out;
}

export function registerLoad(program: Command): void {
  const cmd = program
    .command('load')
    .description('fortio-style load against a URL, printing fortio\'s table (Code 200 : 89 (89.0 %), the average, the percentiles)')
    .argument('<url>', 'http://host[:port]/path?query (its authority is sent as Host)')
    .option('-c, --connections <n>', 'connections, each sending its calls one after another over keep-alive', String(FORTIO_DEFAULTS.connections))
    .option('-n, --calls <n>', 'exactly this many calls in total, split across the connections (0 = run for -t)', '0')
    .option('--qps <rate>', 'total queries per second shared by the connections; 0 or -1 = as fast as possible (also -qps)', String(FORTIO_DEFAULTS.qps))
    .option('-t, --duration <duration>', 'how long to run when there is no -n, a Go duration (10s, 1m); 0 = until Ctrl-C', goDuration(FORTIO_DEFAULTS.durationMs))
    .option('--timeout <duration>', 'per-call timeout, a Go duration; a call that times out counts as code -1 (also -timeout)', goDuration(FORTIO_DEFAULTS.timeoutMs))
    .option('-p, --percentiles <list>', 'percentiles to report, comma separated', FORTIO_DEFAULTS.percentiles.map((p) => formatG(p)).join(','))
    .addOption(new Option('-H, --header <name: value>', 'extra request header, repeatable; a Host here replaces the URL\'s authority')
      .argParser((v: string, acc: string[]) => [...acc, v])
      .default([] as string[], 'none'))
    .option('-X, --method <method>', 'HTTP method instead of GET (fortio\'s -X), e.g. POST: a retry policy may retry only some methods')
    .option('--proxy <host:port>', 'connect here (a sidecar egress listener, a gateway) and send the URL\'s path with its authority as Host')
    .option('--json', 'print only the JSON result on stdout (= -json -)')
    .addOption(new Option('--json-file <file|->', 'write the JSON result to a file, - = stdout (fortio\'s -json <file|->)'))
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .action(async (url: string, opts: LoadCliOptions) => runCommand(url, opts));
  // Commander reads `-qps` as `-q -p -s`: rewrite fortio's spellings before it parses this command.
  const parseOptions = cmd.parseOptions.bind(cmd);
  cmd.parseOptions = (argv: string[]) => parseOptions(normaliseLoadArgs(argv));
}

async function runCommand(url: string, cli: LoadCliOptions): Promise<void> {
  const opts = loadOptions(url, cli);
  const jsonTo = cli.json ? '-' : cli.jsonFile;
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    // The first Ctrl-C ends the run and prints what was measured, as fortio does; a second one quits.
    if (++interrupts > 1) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = jsonTo === '-' ? undefined : progressWriter(process.stderr, { ...opts, connections: opts.connections });
  let result: LoadResult;
  try {
    result = await runLoad({ ...opts, signal: controller.signal, onProgress: progress ? (p) => progress.update(p) : undefined });
  } finally {
    progress?.finish();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const report = formatReport(result);
  if (jsonTo === '-') {
    // stdout is the JSON alone, for scripts; the table goes to stderr as fortio's does then.
    process.stderr.write(report);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  process.stdout.write(report);
  if (jsonTo !== undefined) {
    const text = `${JSON.stringify(result, null, 2)}\n`;
    try {
      fs.writeFileSync(jsonTo, text);
    } catch (err) {
      throw new CliError(`-json ${jsonTo}: cannot write it (${(err as Error).message})`);
    }
    process.stderr.write(`Successfully wrote ${Buffer.byteLength(text)} bytes of Json data to ${jsonTo}\n`);
  }
}

/** Validates every flag (exit 2 naming it) and builds runLoad's options. */
export function loadOptions(rawUrl: string, cli: LoadCliOptions): LoadOptions {
  const bad = (flag: string, value: string, want: string): never => {
    throw new CliError(`${flag} ${value}: ${want}`, 2);
  };
  const integer = (flag: string, value: string, min: number): number => {
    const n = Number(value);
    return value.trim() !== '' && Number.isInteger(n) && n >= min ? n : bad(flag, value, `an integer >= ${min}`);
  };
  const duration = (flag: string, value: string, allowZero: boolean): number => {
    const ms = parseGoDuration(value);
    if (ms === undefined || ms < 0 || (!allowZero && ms === 0)) return bad(flag, value, `a Go duration${allowZero ? ' (0 = until Ctrl-C)' : ' > 0'}, e.g. 500ms, 10s, 1m`);
    return ms;
  };
  const qps = Number(cli.qps);
  if (cli.qps.trim() === '' || !Number.isFinite(qps)) bad('-qps', cli.qps, 'a number of queries per second; 0 or -1 = as fast as possible');
  const percentiles = cli.percentiles.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => {
    const p = Number(s);
    return Number.isFinite(p) && p > 0 && p <= 100 ? p : bad('-p', cli.percentiles, `${JSON.stringify(s)} is not a percentile; write e.g. "50,90,99,99.9"`);
  });
  if (percentiles.length === 0) bad('-p', cli.percentiles, 'name at least one percentile, e.g. "50,90,99"');
  return {
    url: parseUrl(rawUrl),
    connections: integer('-c', cli.connections, 1),
    calls: integer('-n', cli.calls, 0),
    qps: Math.max(qps, 0),
    durationMs: duration('-t', cli.duration, true),
    timeoutMs: duration('-timeout', cli.timeout, false),
    percentiles,
    headers: cli.header.map(parseHeader),
    proxy: cli.proxy === undefined ? undefined : parseProxy(cli.proxy),
    method: cli.method === undefined ? undefined : parseMethod(cli.method),
  };
}

/** fortio accepts `host:port/path` and means http:// . */
function parseUrl(raw: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new CliError(`url ${raw}: not a URL; write http://host[:port]/path`, 2);
  }
  if (url.protocol !== 'http:') throw new CliError(`url ${raw}: only http:// is supported (sidecar and gateway listeners speak plain HTTP here)`, 2);
  return withScheme;
}

/** An HTTP token (RFC 9110 §9.1), upper-cased as methods are conventionally written. */
function parseMethod(m: string): string {
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(m)) throw new CliError(`-X ${m}: an HTTP method, e.g. GET, POST, DELETE`, 2);
  return m.toUpperCase();
}

function parseHeader(h: string): [string, string] {
  const i = h.indexOf(':');
  const name = h.slice(0, i).trim();
  if (i <= 0 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new CliError(`-H ${h}: write 'Name: value', e.g. -H 'Host: reviews'`, 2);
  return [name, h.slice(i + 1).trim()];
}

function parseProxy(p: string): { host: string; port: number } {
  const i = p.lastIndexOf(':');
  const host = p.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  const port = Number(p.slice(i + 1));
  if (i <= 0 || host === '' || !Number.isInteger(port) || port < 1 || port > 65535) throw new CliError(`--proxy ${p}: write host:port, e.g. 127.0.0.1:15001`, 2);
  return { host, port };
}
