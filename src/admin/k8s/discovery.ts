/** Discovery (`/api`, `/apis`, `/api/v1`, `/apis/<g>/<v>`) and `/openapi/v2` (spec/kubectl-1.20.md §2, §3). */
import type { FastifyInstance } from 'fastify';
import type { KubernetesApiDeps } from './index';

export function registerDiscovery(_app: FastifyInstance, _deps: KubernetesApiDeps): void {
  // Filled in by the discovery work of issue 5.
}
