#!/usr/bin/env node
'use strict';
// Makes sure the kubectl the admin API is specified against (Debian bookworm's `kubernetes-client`,
// kubectl v1.20.2; spec/kubectl-1.20.md §0) is at hand for the tests, and records what was found in
// .cache/kubectl.json: {bin, version, source} or {error: "<exact reason>"}. test/run.js runs it
// before every test run, next to scripts/install-envoy.js, so it is idempotent and fast once
// installed (one `kubectl version --client`).
//
// Order: KUBECTL_BIN if set and it runs; else .cache/kubectl/usr/bin/kubectl if it is v1.20.2; else
// `apt-get download kubernetes-client` into a temp dir and `dpkg-deb -x` it into .cache/kubectl.
// Never `apt-get install`: the package conflicts with any other kubectl already installed, and the
// kubectl on the PATH (often a recent one) behaves differently (§11 pitfall 1), so it is never used.
// Plain Node, no dependencies, so it works before `npm ci` has finished or when the build is broken.
//
// Exit code 0 when kubectl is available, 1 when not (the reason is in the JSON and on stdout).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const installer = require('./lib/installer');

const PINNED = '1.20.2';
const PACKAGE = 'kubernetes-client';
const repo = path.resolve(__dirname, '..');
const cacheDir = path.join(repo, '.cache');
const installDir = path.join(cacheDir, 'kubectl');
const cachedKubectl = path.join(installDir, 'usr', 'bin', 'kubectl');
const resultFile = path.join(cacheDir, 'kubectl.json');
const lockDir = path.join(cacheDir, 'kubectl.lock');

/** installer.run with no kubeconfig and a scratch HOME: `kubectl version --client` must not read or write the user's. */
function run(cmd, args, timeoutMs, cwd) {
  const env = { ...process.env, KUBECONFIG: '/dev/null', HOME: os.tmpdir() };
  return installer.run(cmd, args, timeoutMs, { cwd, env });
}

/**
 * `kubectl version --client` → {version} or {error}. 1.20 prints
 * `Client Version: version.Info{Major:"1", Minor:"20", GitVersion:"v1.20.2", ...}`; newer ones
 * print `Client Version: v1.32.4`.
 */
function probe(bin) {
  const r = run(bin, ['version', '--client'], 60_000);
  const m = /GitVersion:"v(\d+\.\d+\.\d+)/.exec(r.out) || /Client Version:\s*v(\d+\.\d+\.\d+)/.exec(r.out);
  if (r.ok && m) return { version: m[1] };
  return { error: `${bin} version --client failed: ${lastLines(r.out, 3)}` };
}

const { lastLines } = installer;

function cachedReady() {
  if (!fs.existsSync(cachedKubectl)) return false;
  return probe(cachedKubectl).version === PINNED;
}

/** `apt-get download` into `dir`; a machine whose package lists were never fetched gets one `apt-get update` (root only). */
function download(dir) {
  let r = run('apt-get', ['download', PACKAGE], 5 * 60_000, dir);
  if (!r.ok && /Unable to locate package|has no installation candidate/.test(r.out) && process.getuid && process.getuid() === 0) {
    const update = run('apt-get', ['update', '-qq'], 5 * 60_000);
    if (!update.ok) return { error: `apt-get download ${PACKAGE} failed (${lastLines(r.out, 2)}) and apt-get update failed: ${lastLines(update.out, 2)}` };
    r = run('apt-get', ['download', PACKAGE], 5 * 60_000, dir);
  }
  if (!r.ok) return { error: `apt-get download ${PACKAGE} failed: ${lastLines(r.out, 3)}` };
  const deb = fs.readdirSync(dir).find((f) => f.startsWith(`${PACKAGE}_`) && f.endsWith('.deb'));
  if (!deb) return { error: `apt-get download ${PACKAGE} succeeded but left no .deb in ${dir}` };
  return { deb: path.join(dir, deb) };
}

function install() {
  return installer.withLock(lockDir, 10 * 60_000, () => {
    if (cachedReady()) return { bin: cachedKubectl, version: PINNED, source: 'cache (installed by a concurrent run)' };
    fs.mkdirSync(cacheDir, { recursive: true });
    const work = fs.mkdtempSync(path.join(cacheDir, 'kubectl-download-'));
    try {
      const got = download(work);
      if (got.error) return { error: got.error };
      // Extract beside the final place, then swap: a half-extracted tree is never at .cache/kubectl.
      const staging = path.join(work, 'root');
      const x = run('dpkg-deb', ['-x', got.deb, staging], 5 * 60_000);
      if (!x.ok) return { error: `dpkg-deb -x ${path.basename(got.deb)} failed: ${lastLines(x.out, 3)}` };
      const bin = path.join(staging, 'usr', 'bin', 'kubectl');
      if (!fs.existsSync(bin)) return { error: `${path.basename(got.deb)} has no usr/bin/kubectl` };
      const p = probe(bin);
      if (p.error) return { error: p.error };
      if (p.version !== PINNED) return { error: `${path.basename(got.deb)} contains kubectl ${p.version}, expected ${PINNED}` };
      fs.rmSync(installDir, { recursive: true, force: true });
      fs.renameSync(staging, installDir);
      return { bin: cachedKubectl, version: PINNED, source: `${path.basename(got.deb)} (installed now)` };
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
}

function main() {
  return installer.ensureTool({
    name: 'kubectl',
    envVar: 'KUBECTL_BIN',
    pinned: PINNED,
    pinMismatch: `the tests expect ${PINNED}; expect differences`,
    repo,
    resultFile,
    probe,
    cached: () => (cachedReady() ? { bin: cachedKubectl, version: PINNED, source: 'cache' } : undefined),
    install,
  });
}

process.exitCode = main();
