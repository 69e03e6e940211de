#!/usr/bin/env node
'use strict';
// Makes sure a `docker-compose` is at hand for test/compose (issue 6 item 4: docker-compose.yml must
// parse with Debian's `docker-compose` package, 1.29.2 on bookworm) and records what was found in
// .cache/docker-compose.json: {bin, version, source} or {error: "<exact reason>"}. test/run.js runs
// it before every test run, next to scripts/install-envoy.js, so it is idempotent and fast once
// installed (one `docker-compose --version`).
//
// Order: DOCKER_COMPOSE_BIN if set and it answers `--version` (any version: Compose v2's standalone
// binary too; a version other than the pinned one is noted, not refused); else
// .cache/docker-compose/bin/docker-compose if it is 1.29.2; else `apt-get download` the package and
// the python3-* packages it needs that this machine's python3 does not already have, `dpkg-deb -x`
// them into .cache/docker-compose, and write a wrapper that runs the Debian script with
// /usr/bin/python3 (Debian's, whose dist-packages the extracted ones join through PYTHONPATH; a
// pyenv python3 on the PATH would not see them). Never `apt-get install`. `docker-compose config`
// needs no Docker engine, which is all the tests use it for.
// Plain Node, no dependencies, so it works before `npm ci` has finished or when the build is broken.
//
// Exit code 0 when docker-compose is available, 1 when not (the reason is in the JSON and on stdout).
const fs = require('node:fs');
const path = require('node:path');
const installer = require('./lib/installer');

const { run, lastLines } = installer;

const PINNED = '1.29.2';
const PACKAGE = 'docker-compose';
const SYSTEM_PYTHON = '/usr/bin/python3';
const repo = path.resolve(__dirname, '..');
const cacheDir = path.join(repo, '.cache');
const installDir = path.join(cacheDir, 'docker-compose');
const wrapperRel = path.join('bin', 'docker-compose');
const cachedBin = path.join(installDir, wrapperRel);
const resultFile = path.join(cacheDir, 'docker-compose.json');
const lockDir = path.join(cacheDir, 'docker-compose.lock');

/** `docker-compose --version` → {version} or {error}. 1.x prints "docker-compose version 1.29.2, build unknown"; v2 "Docker Compose version v2.29.1". */
function probe(bin) {
  const r = run(bin, ['--version'], 60_000);
  const m = /version\s+v?(\d+\.\d+\.\d+)/i.exec(r.out);
  if (r.ok && m) return { version: m[1] };
  return { error: `${bin} --version failed: ${lastLines(r.out, 3)}` };
}

function cachedReady() {
  if (!fs.existsSync(cachedBin)) return false;
  return probe(cachedBin).version === PINNED;
}

/** One package's dependency groups from `apt-cache show`: [[alternative names]], versions and `:any` dropped. */
function dependencyGroups(pkg) {
  let r = run('apt-cache', ['show', '--no-all-versions', pkg], 60_000);
  if (!r.ok && installer.isRoot()) {
    // Package lists never fetched on this machine: one `apt-get update`, as install-kubectl.js does.
    const update = run('apt-get', ['update', '-qq'], 5 * 60_000);
    if (!update.ok) return { error: `apt-cache show ${pkg} failed (${lastLines(r.out, 2)}) and apt-get update failed: ${lastLines(update.out, 2)}` };
    r = run('apt-cache', ['show', '--no-all-versions', pkg], 60_000);
  }
  if (!r.ok) return { error: `apt-cache show ${pkg} failed: ${lastLines(r.out, 3)}` };
  const fields = r.out.split('\n').filter((l) => /^(Pre-)?Depends:/.test(l)).map((l) => l.replace(/^[^:]+:/, ''));
  const groups = fields.join(',').split(',').map((g) => g.trim()).filter(Boolean)
    .map((g) => g.split('|').map((alt) => alt.trim().replace(/\s*\(.*\)$/, '').replace(/:any$/, '')));
  return { groups };
}

/**
 * The packages to download: docker-compose and, recursively, every python3-* package it depends on
 * that dpkg has not installed (an installed one is importable by the system python3 already). A
 * dependency group another alternative of which is installed (`python3-cached-property | python3 (>> 3.8)`)
 * is satisfied. Non-python dependencies (libc6, libyaml-0-2) are the system's: python3 itself needs
 * them, and PyYAML without libyaml falls back to pure Python.
 */
function packagesToDownload() {
  const wanted = [PACKAGE];
  for (let i = 0; i < wanted.length; i++) {
    const deps = dependencyGroups(wanted[i]);
    if (deps.error) return { error: deps.error };
    for (const alts of deps.groups) {
      if (alts.some((a) => wanted.includes(a) || installer.dpkgInstalled(a))) continue;
      const pick = alts.find((a) => a.startsWith('python3-'));
      if (pick) wanted.push(pick);
    }
  }
  return { packages: wanted };
}

/** The wrapper `bin`: Debian's script under the system python3, the extracted dist-packages first on its path. */
function wrapperScript() {
  return [
    '#!/bin/sh',
    '# Written by scripts/install-docker-compose.js: Debian\'s docker-compose, extracted here, run by the',
    '# system python3 with the extracted python3-* packages on its path (nothing installed system-wide).',
    'root=$(cd "$(dirname "$0")/.." && pwd)',
    `PYTHONPATH="$root/usr/lib/python3/dist-packages\${PYTHONPATH:+:$PYTHONPATH}" PYTHONNOUSERSITE=1 exec ${SYSTEM_PYTHON} "$root/usr/bin/docker-compose" "$@"`,
    '',
  ].join('\n');
}

function install() {
  return installer.withLock(lockDir, 10 * 60_000, () => {
    if (cachedReady()) return { bin: cachedBin, version: PINNED, source: 'cache (installed by a concurrent run)' };
    if (!fs.existsSync(SYSTEM_PYTHON)) return { error: `${SYSTEM_PYTHON} not found: Debian's docker-compose runs on the system python3` };
    const list = packagesToDownload();
    if (list.error) return { error: list.error };
    fs.mkdirSync(cacheDir, { recursive: true });
    const work = fs.mkdtempSync(path.join(cacheDir, 'docker-compose-download-'));
    try {
      const debsDir = path.join(work, 'debs');
      fs.mkdirSync(debsDir);
      const got = installer.aptDownload(list.packages, debsDir);
      if (got.error) return { error: got.error };
      // Extract beside the final place, then swap: a half-extracted tree is never at .cache/docker-compose.
      const staging = path.join(work, 'root');
      for (const deb of got.debs) {
        const x = run('dpkg-deb', ['-x', deb, staging], 5 * 60_000);
        if (!x.ok) return { error: `dpkg-deb -x ${path.basename(deb)} failed: ${lastLines(x.out, 3)}` };
      }
      if (!fs.existsSync(path.join(staging, 'usr', 'bin', 'docker-compose'))) return { error: `the ${PACKAGE} package has no usr/bin/docker-compose` };
      const wrapper = path.join(staging, wrapperRel);
      fs.mkdirSync(path.dirname(wrapper), { recursive: true });
      fs.writeFileSync(wrapper, wrapperScript(), { mode: 0o755 });
      const p = probe(wrapper);
      if (p.error) return { error: p.error };
      if (p.version !== PINNED) return { error: `the ${PACKAGE} package contains docker-compose ${p.version}, expected ${PINNED}` };
      fs.rmSync(installDir, { recursive: true, force: true });
      fs.renameSync(staging, installDir);
      return { bin: cachedBin, version: PINNED, source: `apt-get download ${list.packages.join(' ')} (installed now)` };
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
}

function main() {
  return installer.ensureTool({
    name: 'docker-compose',
    envVar: 'DOCKER_COMPOSE_BIN',
    pinned: PINNED,
    pinMismatch: `the tests were written against Debian's ${PINNED}; another version's \`config\` output may differ`,
    repo,
    resultFile,
    probe,
    cached: () => (cachedReady() ? { bin: cachedBin, version: PINNED, source: 'cache' } : undefined),
    install,
  });
}

process.exitCode = main();
