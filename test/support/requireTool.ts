/**
 * Finding a tool binary the install scripts recorded (scripts/install-envoy.js,
 * scripts/install-kubectl.js) and requiring it in a test: shared by test/support/envoy.ts and
 * test/support/kubectl.ts.
 */
import * as fs from 'node:fs';
import { repoPath } from './paths';

export type ToolBinary = { bin: string; version?: string } | { unavailable: string };

export interface ToolSpec {
  /** How messages name it, e.g. 'Envoy', 'kubectl'. */
  name: string;
  /** Env vars test/run.js passes: `${envPrefix}_BIN` / `${envPrefix}_UNAVAILABLE`, e.g. RICOCHET_ENVOY. */
  envPrefix: string;
  /** The status file in .cache, e.g. 'envoy.json'. */
  cacheFile: string;
  /** The script that writes it, e.g. 'install-envoy.js'. */
  script: string;
}

/** Where the tool is, or why there is none: test/run.js's env vars first, else the status file in .cache. */
export function locateTool(spec: ToolSpec): ToolBinary {
  const binVar = `${spec.envPrefix}_BIN`;
  const fromEnv = process.env[binVar];
  if (fromEnv) return executable(fromEnv) ? { bin: fromEnv } : { unavailable: `${binVar}=${fromEnv} is not an executable file` };
  const unavailable = process.env[`${spec.envPrefix}_UNAVAILABLE`];
  if (unavailable) return { unavailable };
  const file = repoPath('.cache', spec.cacheFile);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return { unavailable: `${file} missing or unreadable: run node scripts/${spec.script} (test/run.js does it for you)` };
  }
  const rec = (parsed ?? {}) as { bin?: unknown; version?: unknown; error?: unknown };
  if (typeof rec.bin === 'string' && executable(rec.bin)) return { bin: rec.bin, version: typeof rec.version === 'string' ? rec.version : undefined };
  if (typeof rec.error === 'string') return { unavailable: rec.error };
  return { unavailable: `${file} names no usable ${spec.name} binary` };
}

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export interface RequireOptions {
  /**
   * What is missing is a capability of the machine (e.g. creating network namespaces needs root),
   * not something CI installs: skip loudly under CI=true too, since no install can fix it there.
   */
  capability?: boolean;
}

/**
 * The binary, or: skip loudly (a green run must never silently mean "these tests did not run"), and
 * under CI=true fail, because CI installs the tool and a skip there would hide a broken install.
 * `label` heads the message, e.g. 'ENVOY'.
 */
export function requireTool(ctx: Mocha.Context, label: string, found: ToolBinary, opts: RequireOptions = {}): string {
  if ('bin' in found) return found.bin;
  const title = describeCaller(ctx);
  if (process.env.CI === 'true' && !opts.capability) throw new Error(`${label} UNAVAILABLE under CI=true: ${found.unavailable} (${title})`);
  process.stderr.write(`\n${label} UNAVAILABLE: ${found.unavailable} — this test did NOT run (${title})\n`);
  return ctx.skip(); // throws mocha's Pending
}

/** The test, or for a `before all` hook (which skips the whole suite) the suite, that asked. */
function describeCaller(ctx: Mocha.Context): string {
  const runnable = ctx.test as (Mocha.Runnable & { type?: string }) | undefined;
  if (!runnable) return 'unknown test';
  if (runnable.type === 'test') return runnable.fullTitle();
  if (/"(before|after) each"/.test(runnable.title) && ctx.currentTest) return ctx.currentTest.fullTitle();
  return runnable.parent?.fullTitle() ?? runnable.fullTitle();
}
