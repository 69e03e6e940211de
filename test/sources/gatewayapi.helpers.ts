/**
 * Test helpers for the Gateway API and the FSM gateway RetryPolicy: small YAML builders and the
 * status condition of one object. Compile with compileYaml and gatewayProxy from ./pipeline.
 */
import * as assert from 'node:assert/strict';
import type { Condition } from '../../src/ir/model';
import type { Compiled } from './pipeline';
import { indent } from './yaml';

/** The one condition of `type` on `kind namespace/name` whose message contains `contains`. */
export function conditionOf(c: Compiled, kind: string, name: string, type: string, contains = ''): Condition {
  const hits = c.conditions.filter((o) => o.object.kind === kind && `${o.object.namespace}/${o.object.name}`.endsWith(name) && o.condition.type === type && o.condition.message.includes(contains));
  assert.equal(hits.length, 1, `expected one ${type} condition on ${kind} ${name}${contains ? ` mentioning ${contains}` : ''}, got ${JSON.stringify(c.conditions, null, 1)}`);
  return hits[0].condition;
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
