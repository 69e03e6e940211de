/**
 * The Kubernetes-shaped admin API (issue 5): discovery and OpenAPI (./discovery.ts,
 * ./openapi.ts) and the object routes (./objects.ts: list, get, create, replace, patch, delete,
 * watch, Ricochet's POST /apply). kubectl 1.20 drives it unmodified (spec/kubectl-1.20.md).
 */
import type { FastifyInstance } from 'fastify';
import type { ControlPlane } from '../../controlplane/controlPlane';
import type { ObjectStore } from '../../store/types';
import { registerDiscovery } from './discovery';
import { registerObjectRoutes } from './objects';

export interface KubernetesApiDeps {
  controlPlane: ControlPlane;
  /** Where API writes go; without one the object routes answer 503 (read-only server). */
  store?: ObjectStore;
}

export function registerKubernetesApi(app: FastifyInstance, deps: KubernetesApiDeps): void {
  registerDiscovery(app, deps);
  registerObjectRoutes(app, deps);
}
