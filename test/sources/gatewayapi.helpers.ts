/**
 * Test helpers for the Gateway API and the FSM gateway RetryPolicy: the whole sources stage for
 * one proxy (with status conditions), gateway proxy identities, Envoy JSON, and small YAML builders.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { formatDiagnostic, type Diagnostic } from '../../src/lib/errors';
import { proxyIdentityOf } from '../../src/controlplane/views';
import { DEFAULT_PROXY, type Condition, type Mesh, type ObjectCondition, type ProxyIdentity } from '../../src/ir/model';
import { parseDocuments } from '../../src/sources/document';
import { compileMesh, readObjects, validateObject } from '../../src/sources';
import type { SourceObject } from '../../src/sources/object';
import { translateMesh, DEFAULT_TRANSLATE_OPTIONS } from '../../src/xds/translate';
import { resourcesAsJson } from '../../src/admin/configDump';
import type { JsonObject } from '../../src/lib/protos/protoJson';

export interface Compiled {
  mesh: Mesh;
  /** Parse, read, validate and compile diagnostics, in that order. */
  diagnostics: Diagnostic[];
  conditions: ObjectCondition[];
  accepted: SourceObject[];
}

/** Parse, read, validate (rejecting objects with Errors) and compile `text` for `proxy`. */
export function compileFor(text: string, proxy: ProxyIdentity = DEFAULT_PROXY): Compiled {
  const parsed = parseDocuments('input.yaml', text);
  const read = readObjects(parsed.documents);
  const diagnostics = [...parsed.diagnostics, ...read.diagnostics];
  const accepted: SourceObject[] = [];
  for (const object of read.objects) {
    const found = validateObject(object);
    diagnostics.push(...found);
    if (!found.some((d) => d.severity === 'Error')) accepted.push(object);
  }
  const compiled = compileMesh(accepted, proxy);
  return { mesh: compiled.mesh, diagnostics: [...diagnostics, ...compiled.diagnostics], conditions: compiled.conditions, accepted };
}

/** The proxy of Gateway `namespace/name`. */
export function gatewayProxy(namespace: string, name: string): ProxyIdentity {
  return { role: 'gateway', namespace, serviceAccount: 'default', labels: {}, gateway: { namespace, name } };
}

export function envoyJson(mesh: Mesh): JsonObject {
  return resourcesAsJson(translateMesh(mesh, DEFAULT_TRANSLATE_OPTIONS));
}

/** The one condition of `type` on `kind namespace/name` whose message contains `contains`. */
export function conditionOf(c: Compiled, kind: string, name: string, type: string, contains = ''): Condition {
  const hits = c.conditions.filter((o) => o.object.kind === kind && `${o.object.namespace}/${o.object.name}`.endsWith(name) && o.condition.type === type && o.condition.message.includes(contains));
  assert.equal(hits.length, 1, `expected one ${type} condition on ${kind} ${name}${contains ? ` mentioning ${contains}` : ''}, got ${JSON.stringify(c.conditions, null, 1)}`);
  return hits[0].condition;
}

export function indent(block: string, n: number): string {
  const pad = ' '.repeat(n);
  return block.trim().split('\n').map((l) => pad + l).join('\n');
}

/** A document of `kind` whose `spec` is the given YAML block. */
export function doc(apiVersion: string, kind: string, name: string, spec: string, namespace?: string, extraMetadata = ''): string {
  const ns = namespace === undefined ? '' : `\n  namespace: ${namespace}`;
  const extra = extraMetadata ? `\n${indent(extraMetadata, 2)}` : '';
  return `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: ${name}${ns}${extra}\nspec:\n${indent(spec, 2)}\n`;
}

export const GW = 'gateway.networking.k8s.io/v1';

export function gatewayClass(name = 'cls'): string {
  return doc(GW, 'GatewayClass', name, 'controllerName: example.com/gateway-controller');
}

/** A Gateway of class `cls` in `default` with the given listeners block. */
export function gateway(listeners: string, name = 'gw', namespace = 'default'): string {
  return doc(GW, 'Gateway', name, `gatewayClassName: cls\nlisteners:\n${listeners.trim()}`, namespace);
}

export function httpRoute(spec: string, name = 'route', namespace = 'default', created?: string): string {
  return doc(GW, 'HTTPRoute', name, spec, namespace, created ? `creationTimestamp: "${created}"` : '');
}

/** A Service with one port and an endpoint on 127.0.0.1. */
export function service(name: string, port = 8080, namespace = 'default'): string {
  return `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
  ports:
  - name: http
    port: ${port}
---
apiVersion: v1
kind: Endpoints
metadata:
  name: ${name}
  namespace: ${namespace}
subsets:
- addresses:
  - ip: 127.0.0.1
  ports:
  - name: http
    port: ${port}
`;
}

export function join(...docs: string[]): string {
  return docs.map((d) => d.trimEnd()).join('\n---\n') + '\n';
}

/**
 * Golden cases: `<root>/<case>/input.yaml`, compiled for the proxy described by `node.yaml` (an
 * Envoy node object, read as `serve` reads it; absent: the default sidecar) → mesh.json (IR),
 * envoy.json (Envoy resources), conditions.json and diagnostics.txt. `UPDATE_GOLDEN=1` rewrites
 * the expected files; read the diff against the spec before committing it.
 */
export function describeGoldenCases(title: string, root: string, prefix = ''): void {
  const update = process.env.UPDATE_GOLDEN === '1';
  const check = (file: string, actual: string): void => {
    if (update) fs.writeFileSync(file, actual);
    assert.ok(fs.existsSync(file), `${file} is missing; run with UPDATE_GOLDEN=1 to create it`);
    assert.equal(actual, fs.readFileSync(file, 'utf8'), `${path.relative(root, file)} differs (UPDATE_GOLDEN=1 rewrites it)`);
  };
  describe(title, () => {
    const cases = fs.existsSync(root) ? fs.readdirSync(root).filter((d) => d.startsWith(prefix) && fs.existsSync(path.join(root, d, 'input.yaml'))).sort() : [];
    it('has cases', () => assert.ok(cases.length > 0));
    for (const name of cases) {
      it(name, () => {
        const dir = path.join(root, name);
        const nodeFile = path.join(dir, 'node.yaml');
        const proxy = fs.existsSync(nodeFile) ? proxyIdentityOf(parse(fs.readFileSync(nodeFile, 'utf8')) as { metadata: JsonObject }) : DEFAULT_PROXY;
        const c = compileFor(fs.readFileSync(path.join(dir, 'input.yaml'), 'utf8'), proxy);
        check(path.join(dir, 'mesh.json'), `${JSON.stringify(c.mesh, null, 2)}\n`);
        check(path.join(dir, 'envoy.json'), `${JSON.stringify(envoyJson(c.mesh), null, 2)}\n`);
        check(path.join(dir, 'conditions.json'), `${JSON.stringify(c.conditions, null, 2)}\n`);
        check(path.join(dir, 'diagnostics.txt'), c.diagnostics.map((d) => `${formatDiagnostic(d)}\n`).join(''));
      });
    }
  });
}
