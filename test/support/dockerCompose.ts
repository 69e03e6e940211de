/**
 * Debian's docker-compose (1.29.2, the `docker-compose` package; issue 6 item 4) for tests. The
 * binary comes from scripts/install-docker-compose.js (.cache/docker-compose, or
 * DOCKER_COMPOSE_BIN), passed in by test/run.js as RICOCHET_DOCKER_COMPOSE_BIN, or read from
 * .cache/docker-compose.json when mocha is run by hand. Only `config` is used: it needs no engine.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { parse } from 'yaml';
import { locateTool, requireTool, type ToolBinary } from './requireTool';

let cached: ToolBinary | undefined;

/** Where docker-compose is, or why there is none. */
export function dockerComposeBinary(): ToolBinary {
  cached ??= locateTool({ name: 'docker-compose', envPrefix: 'RICOCHET_DOCKER_COMPOSE', cacheFile: 'docker-compose.json', script: 'install-docker-compose.js' });
  return cached;
}

/** Call first in a test or `before` hook that needs docker-compose: skips loudly without it, fails under CI=true. */
export function requireDockerCompose(ctx: Mocha.Context): string {
  return requireTool(ctx, 'DOCKER-COMPOSE', dockerComposeBinary());
}

/** `docker-compose config` refused the file: its exit status and what it said. */
export class ComposeConfigError extends Error {
  constructor(readonly file: string, readonly code: number | null, readonly output: string) {
    super(`docker-compose -f ${file} config exited ${String(code)}: ${output.trim() || '(no output)'}`);
    this.name = 'ComposeConfigError';
  }
}

/**
 * `docker-compose -f <file> --project-directory <dir> config`: the canonical config docker-compose derives (extension fields
 * and anchors resolved, relative paths made absolute against the file's directory), parsed.
 * Rejects with a ComposeConfigError carrying docker-compose's message when it refuses the file.
 */
export function composeConfig(file: string, opts: { projectDir?: string; timeoutMs?: number } = {}): Promise<{ text: string; config: unknown }> {
  const found = dockerComposeBinary();
  if (!('bin' in found)) return Promise.reject(new Error(`DOCKER-COMPOSE UNAVAILABLE: ${found.unavailable}`));
  // Relative paths (build: ., ./envoy) resolve against the project directory: the file's own by default.
  const args = ['-f', file, '--project-directory', opts.projectDir ?? path.dirname(file), 'config'];
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    // No DOCKER_HOST or COMPOSE_* from the caller's shell: they could change the project's config.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DOCKER_|COMPOSE_)/.test(k)));
    const child = spawn(found.bin, args, { cwd: path.dirname(file), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new ComposeConfigError(file, code, `${stderr}${stdout}`));
      try {
        resolve({ text: stdout, config: parse(stdout) as unknown });
      } catch (err) {
        reject(new Error(`docker-compose config printed YAML that does not parse (${(err as Error).message}):\n${stdout}`));
      }
    });
  });
}
