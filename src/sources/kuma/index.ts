/**
 * Kuma as a source system (spec/sources-kuma-fsm.md §1): the legacy `Retry` (legacy*.ts) and
 * `MeshRetry` (meshRetry*.ts), in the Kubernetes and universal dialects (dialect.ts), compiled
 * per proxy by compile.ts; which registry service a `kuma.io/service` names is services.ts,
 * its Kuma protocol protocol.ts. docs/sources/kuma.md describes the behaviour.
 */
import type { ProxySelector } from '../../ir/model';
import { FieldReader } from '../fields';
import type { SourceObject } from '../object';
import type { SourceSystem } from '../registry';
import { compileKuma } from './compile';
import { meshOf } from './dialect';
import { KUMA_GROUP, KUMA_VERSIONS } from './kinds';
import { readLegacyRetry, validateLegacyRetry } from './legacyRetry';
import { readMeshRetry, validateMeshRetry } from './meshRetry';
import { meshSelectors, topSelection } from './proxySelection';

/** The selectors Kuma objects use: sources of legacy Retries, MeshRetry top-level targetRefs, meshes. */
export function kumaSelectors(objects: SourceObject[]): ProxySelector[] {
  if (objects.length === 0) return [];
  const out: ProxySelector[] = meshSelectors(objects.map(meshOf));
  for (const object of objects) {
    if (object.kind === 'Retry') {
      for (const match of readLegacyRetry(new FieldReader(object)).sources) out.push({ kind: 'labels', match });
    } else if (object.kind === 'MeshRetry') {
      const selection = topSelection(readMeshRetry(new FieldReader(object)).targetRef);
      if (selection.kind === 'selector') out.push(selection.selector);
    }
  }
  return out;
}

export const kumaSystem: SourceSystem = {
  name: 'kuma',
  kinds: [
    // On Kubernetes the legacy Retry is cluster-scoped (its mesh is a top-level field).
    { group: KUMA_GROUP, kind: 'Retry', versions: KUMA_VERSIONS, scope: 'Cluster', validate: validateLegacyRetry },
    { group: KUMA_GROUP, kind: 'MeshRetry', versions: KUMA_VERSIONS, scope: 'Namespaced', validate: validateMeshRetry },
  ],
  selectors: kumaSelectors,
  compile: compileKuma,
  knownUnsupportedKinds: [
    'Mesh', 'Dataplane', 'MeshTimeout', 'MeshCircuitBreaker', 'MeshHTTPRoute', 'MeshTCPRoute', 'MeshHealthCheck', 'MeshFaultInjection',
    'MeshRateLimit', 'MeshLoadBalancingStrategy', 'MeshService', 'MeshExternalService', 'MeshMultiZoneService', 'MeshGateway',
    'Timeout', 'CircuitBreaker', 'TrafficRoute', 'FaultInjection', 'HealthCheck', 'RateLimit',
  ],
};
