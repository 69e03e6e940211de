'use strict';
// Plumbing shared by scripts/install-envoy.js, install-kubectl.js and install-docker-compose.js: running a command
// without throwing, the atomic status file (.cache/<tool>.json: {bin, version, source} or
// {error: "<exact reason>"}), the directory lock that keeps concurrent test runs from installing
// into one place at once, and the env-var → cache → install order with the reason on failure.
// Plain Node, no dependencies, so it works before `npm ci` has finished or when the build is broken.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

/** Runs a command, never throws: {ok, out} where out is stdout+stderr (or the spawn error). */
function run(cmd, args, timeoutMs, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) return { ok: false, out: r.error.code === 'ENOENT' ? `${cmd}: not found` : `${cmd}: ${r.error.message}` };
  const out = `${r.stdout || ''}${r.stderr || ''}`.trim();
  return { ok: r.status === 0, out: r.status === 0 ? out : `${out}\n(exit ${r.status ?? r.signal})`.trim() };
}

function lastLines(text, n) {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).slice(-n).join(' | ') || '(no output)';
}

/** Writes the status file; atomic replace, so concurrent runs read whole files. */
function writeResult(resultFile, result) {
  fs.mkdirSync(path.dirname(resultFile), { recursive: true });
  const tmp = `${resultFile}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(result, null, 2)}\n`);
  fs.renameSync(tmp, resultFile);
}

function sleepMs(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** A directory lock: concurrent test runs in one checkout must not install into one place at once. */
function withLock(lockDir, timeoutMs, fn) {
  fs.mkdirSync(path.dirname(lockDir), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      if (lockIsStale(lockDir)) {
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

function lockIsStale(lockDir) {
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

/**
 * The common order: `envVar` if set and it runs; else `cached()` (a result or undefined); else
 * `install()`. Records the outcome in `resultFile`, prints one line, returns the exit code (0 when
 * the tool is available, 1 when not). `pinMismatch` is the note printed when `envVar` names another version.
 */
function ensureTool({ name, envVar, pinned, pinMismatch, repo, resultFile, probe, cached, install }) {
  const notes = [];
  const fromEnv = process.env[envVar];
  if (fromEnv) {
    const p = probe(fromEnv);
    if (p.version) {
      writeResult(resultFile, { bin: fromEnv, version: p.version, source: envVar });
      console.log(`${name}: ${p.version} from ${envVar}=${fromEnv}${p.version === pinned ? '' : ` (${pinMismatch})`}`);
      return 0;
    }
    notes.push(`${envVar}=${fromEnv} does not run (${p.error})`);
  }
  let result = cached();
  if (!result) {
    try {
      result = install();
    } catch (err) {
      result = { error: `install failed: ${err.message}` };
    }
  }
  if (result.error && notes.length) result.error = `${notes.join('; ')}; ${result.error}`;
  writeResult(resultFile, result);
  if (result.error) {
    console.log(`${name}: UNAVAILABLE — ${result.error}`);
    return 1;
  }
  console.log(`${name}: ${result.version} at ${path.relative(repo, result.bin)} [${result.source}]${notes.length ? ` — ${notes.join('; ')}` : ''}`);
  return 0;
}

/**
 * `apt-get download <packages>` into `dir` (no root needed, nothing installed). A machine whose
 * package lists were never fetched gets one `apt-get update` first when we are root.
 * → {debs: [paths]} or {error}.
 */
function aptDownload(packages, dir, timeoutMs = 5 * 60_000) {
  const what = packages.join(' ');
  let r = run('apt-get', ['download', ...packages], timeoutMs, { cwd: dir });
  if (!r.ok && /Unable to locate package|has no installation candidate/.test(r.out) && isRoot()) {
    const update = run('apt-get', ['update', '-qq'], timeoutMs);
    if (!update.ok) return { error: `apt-get download ${what} failed (${lastLines(r.out, 2)}) and apt-get update failed: ${lastLines(update.out, 2)}` };
    r = run('apt-get', ['download', ...packages], timeoutMs, { cwd: dir });
  }
  if (!r.ok) return { error: `apt-get download ${what} failed: ${lastLines(r.out, 3)}` };
  const debs = fs.readdirSync(dir).filter((f) => f.endsWith('.deb'));
  const missing = packages.filter((p) => !debs.some((f) => f.startsWith(`${p}_`)));
  if (missing.length) return { error: `apt-get download succeeded but left no .deb for ${missing.join(', ')} in ${dir}` };
  return { debs: debs.map((f) => path.join(dir, f)) };
}

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Whether dpkg has `pkg` installed (its files are on this machine, e.g. importable by the system python3). */
function dpkgInstalled(pkg) {
  const r = run('dpkg-query', ['-W', '-f=${Status}', pkg], 30_000);
  return r.ok && /install ok installed/.test(r.out);
}

module.exports = { run, lastLines, writeResult, withLock, ensureTool, aptDownload, dpkgInstalled, isRoot };
