/**
 * Namespaces are not stored: they are the ones objects use, plus `default` (spec/kubectl-1.20.md
 * §5.6: kubectl probes `GET /api/v1/namespaces/<ns>` on a 404 and on create, and prints honest
 * messages only if the namespaces that exist are served). Read-only.
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../../store/types';
import type { ServedObject } from './catalog';

/** When this process started: the namespaces it serves have existed since. */
const STARTED = new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export function namespaceObject(name: string): KubeObject {
  const h = createHash('sha256').update(`namespace/${name}`).digest('hex');
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      uid: `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`,
      creationTimestamp: STARTED,
      labels: { 'kubernetes.io/metadata.name': name },
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

export function namespaceServed(name: string): ServedObject {
  return { key: { group: '', kind: 'Namespace', namespace: '', name }, object: namespaceObject(name), origin: 'api' };
}
