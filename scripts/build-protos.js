#!/usr/bin/env node
'use strict';
// Build step: load the Envoy v3 protos we use from the pinned @grpc/grpc-js-xds package
// (never copied into the repo) and write one protobufjs JSON descriptor to dist/.
// The list of root files lives in src/lib/protos/roots.json so there is one place to extend it.
const path = require('node:path');
const fs = require('node:fs');
const protobuf = require('protobufjs');

const repo = path.resolve(__dirname, '..');
const deps = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
const includeDirs = ['envoy-api', 'xds', 'protoc-gen-validate', 'googleapis'].map((d) => path.join(deps, d));
const protobufjsDir = path.dirname(require.resolve('protobufjs/package.json'));
const roots = JSON.parse(fs.readFileSync(path.join(repo, 'src/lib/protos/roots.json'), 'utf8'));

const root = new protobuf.Root();
root.resolvePath = (_origin, target) => {
  if (target.startsWith('google/protobuf/')) return path.join(protobufjsDir, target);
  for (const dir of includeDirs) {
    const candidate = path.join(dir, target);
    if (fs.existsSync(candidate)) return candidate;
  }
  return target;
};
root.loadSync(roots, { keepCase: false });
root.resolveAll();
const out = path.join(repo, 'dist', 'envoy-protos.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify(root.toJSON()));
console.log(`protos: ${roots.length} roots -> ${path.relative(repo, out)} (${fs.statSync(out).size} bytes)`);
