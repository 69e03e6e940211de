#!/usr/bin/env node
'use strict';
// The one test entry point (`npm test` = build, then this). Plain JS so it runs even when the
// TypeScript build is half broken, and so CI and humans get the same behaviour:
//
//   node test/run.js [filter...] [--grep RE] [--invert] [--timeout MS] [--bail] [--reporter NAME]
//
// 1. scripts/install-envoy.js makes sure a real Envoy is available; a failure is recorded (Envoy
//    tests then skip loudly, or fail under CI=true), never fatal here. RICOCHET_ENVOY_UNAVAILABLE=<why>
//    set by the caller skips the installer and pretends there is no Envoy.
//    scripts/install-kubectl.js does the same for Debian's kubectl 1.20 (RICOCHET_KUBECTL_UNAVAILABLE),
//    scripts/install-docker-compose.js for Debian's docker-compose 1.29 (RICOCHET_DOCKER_COMPOSE_UNAVAILABLE).
// 2. mocha runs dist/test/**/*.test.js, sorted, optionally only paths containing a filter.
// 3. The last line printed is exactly `N passed, N failed[, N skipped]`, counted from mocha's
//    runner events (hook failures count as failures, pending tests as skipped). The exit code is
//    non-zero if anything failed or if no test ran at all (a filter that matches nothing, or every
//    test skipped, is not a pass).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const repo = path.resolve(__dirname, '..');
const distTest = path.join(repo, 'dist', 'test');

function usage(message) {
  console.error(`test/run.js: ${message}\nusage: node test/run.js [filter...] [--grep RE] [--invert] [--timeout MS] [--bail] [--reporter NAME]`);
  process.stdout.write('0 passed, 1 failed\n');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { filters: [], grep: undefined, invert: false, timeout: 20_000, bail: false, reporter: 'spec' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const [flag, inline] = arg.startsWith('--') && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    const value = () => (inline !== undefined ? inline : i + 1 < argv.length ? argv[++i] : usage(`${flag} needs a value`));
    if (flag === '--grep' || flag === '-g') opts.grep = value();
    else if (flag === '--invert' || flag === '-i') opts.invert = true;
    else if (flag === '--timeout' || flag === '-t') opts.timeout = Number(value());
    else if (flag === '--bail' || flag === '-b') opts.bail = true;
    else if (flag === '--reporter' || flag === '-R') opts.reporter = value();
    else if (arg.startsWith('-')) usage(`unknown option ${arg}`);
    else opts.filters.push(arg);
  }
  if (!Number.isFinite(opts.timeout) || opts.timeout < 0) usage('--timeout needs a number of milliseconds');
  return opts;
}

/**
 * Runs a tool's installer (scripts/install-<script>.js) and exports its verdict to the tests as
 * RICOCHET_<PREFIX>_BIN or RICOCHET_<PREFIX>_UNAVAILABLE (test/support/requireTool.ts reads them).
 * Set by hand, RICOCHET_<PREFIX>_UNAVAILABLE means "pretend there is none" (a quick run, or
 * checking the skip path), and the installer is not run.
 */
function ensureTool({ label, prefix, script, cacheFile }) {
  const binVar = `RICOCHET_${prefix}_BIN`;
  const unavailableVar = `RICOCHET_${prefix}_UNAVAILABLE`;
  if (process.env[unavailableVar]) {
    console.log(`${label}: UNAVAILABLE — ${unavailableVar}=${process.env[unavailableVar]} (set by the caller)`);
    delete process.env[binVar];
    return;
  }
  const r = spawnSync(process.execPath, [path.join(repo, 'scripts', script)], { cwd: repo, stdio: ['ignore', 'inherit', 'inherit'] });
  let result;
  try {
    result = JSON.parse(fs.readFileSync(path.join(repo, '.cache', cacheFile), 'utf8'));
  } catch {
    result = { error: `scripts/${script} exited ${r.status ?? r.signal ?? r.error} without writing .cache/${cacheFile}` };
  }
  if (typeof result.bin === 'string' && !result.error) {
    process.env[binVar] = result.bin;
    delete process.env[unavailableVar];
  } else {
    delete process.env[binVar];
    process.env[unavailableVar] = String(result.error || 'unknown reason');
  }
}

/** The real tools the tests drive: Envoy 1.40, Debian's kubectl 1.20 and docker-compose 1.29. */
const TOOLS = [
  { label: 'envoy', prefix: 'ENVOY', script: 'install-envoy.js', cacheFile: 'envoy.json' },
  { label: 'kubectl', prefix: 'KUBECTL', script: 'install-kubectl.js', cacheFile: 'kubectl.json' },
  { label: 'docker-compose', prefix: 'DOCKER_COMPOSE', script: 'install-docker-compose.js', cacheFile: 'docker-compose.json' },
];

/** dist/test/**\/*.test.js, sorted, keeping only files whose TypeScript source still exists:
 *  tsc never deletes outputs, so a renamed or deleted test would otherwise keep running. */
function testFiles(filters) {
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.test.js')) found.push(full);
    }
  };
  if (fs.existsSync(distTest)) walk(distTest);
  return found
    .filter((f) => fs.existsSync(path.join(repo, path.relative(path.join(repo, 'dist'), f)).replace(/\.js$/, '.ts')))
    .map((f) => path.relative(repo, f).split(path.sep).join('/'))
    .filter((rel) => filters.length === 0 || filters.some((flt) => rel.includes(flt)))
    .sort()
    .map((rel) => path.join(repo, rel));
}

let finished = false;
/** Prints the summary line last and exits (mocha --exit semantics: leftover handles do not hang us). */
function finish(passed, failed, skipped, code) {
  if (finished) return;
  finished = true;
  const line = `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
  const exitCode = code ?? (failed > 0 || passed + failed === 0 ? 1 : 0);
  setTimeout(() => process.exit(exitCode), 2000).unref(); // in case stdout never drains
  process.stdout.write(`\n${line}\n`, () => process.exit(exitCode));
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  for (const tool of TOOLS) ensureTool(tool);
  const files = testFiles(opts.filters);
  if (files.length === 0) {
    console.error(`no test files under dist/test${opts.filters.length ? ` matching ${opts.filters.join(' or ')}` : ''} (did the build run?)`);
    return finish(0, 0, 0, 1);
  }

  const Mocha = require('mocha');
  const mocha = new Mocha({ reporter: opts.reporter, timeout: opts.timeout, bail: opts.bail });
  if (opts.grep !== undefined) mocha.grep(opts.grep);
  if (opts.invert) mocha.invert();
  for (const f of files) mocha.addFile(f);

  let passed = 0;
  let failed = 0;
  let skipped = 0;
  let runner;
  process.off('uncaughtException', crashed); // mocha owns uncaught errors during the run
  try {
    runner = mocha.run(() => finish(passed, failed, skipped));
  } catch (err) {
    // A test file that throws while loading (syntax error, bad import) stops mocha before any test.
    console.error(`test/run.js: mocha could not load the tests:\n${(err && err.stack) || err}`);
    return finish(passed, failed + 1, skipped);
  }
  runner.on('pass', () => passed++);
  runner.on('fail', () => failed++);
  runner.on('pending', () => skipped++);
}

function crashed(err) {
  console.error(`test/run.js crashed: ${(err && err.stack) || err}`);
  finish(0, 1, 0);
}
process.on('uncaughtException', crashed);

main();
