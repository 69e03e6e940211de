/** Object routes: list, get, create, replace, merge/strategic patch, delete, watch, POST /apply. */
import type { FastifyInstance } from 'fastify';
import type { KubernetesApiDeps } from './index';

export function registerObjectRoutes(_app: FastifyInstance, _deps: KubernetesApiDeps): void {
  // Filled in by the object API work of issue 5.
}
