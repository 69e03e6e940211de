import Fastify, { type FastifyInstance } from 'fastify';
import { formatDiagnostic } from '../lib/errors';
import type { ControlPlane } from '../controlplane/controlPlane';
import type { ProxySyncStatus } from '../xds/server/ads';
import { configDumpFromSnapshot } from './configDump';

export interface AdminServerOptions {
  controlPlane: ControlPlane;
  /** Per-proxy xDS status, from the ADS server. */
  syncStatus: () => ProxySyncStatus[];
}

/**
 * Admin HTTP API. For now: health, readiness, and what was sent to a proxy. The Kubernetes-shaped
 * object API grows here (issue 5).
 */
export function buildAdminServer(opts: AdminServerOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  const cp = opts.controlPlane;

  app.get('/healthz', async () => 'ok');

  app.get('/readyz', async (_req, reply) => {
    if (!cp.state.builtAt) return reply.code(503).send('not ready: no configuration compiled yet');
    return 'ok';
  });

  app.get('/debug/diagnostics', async () => ({
    revision: cp.state.revision,
    diagnostics: cp.state.diagnostics.map((d) => ({ ...d, text: formatDiagnostic(d) })),
  }));

  app.get('/debug/syncz', async () => opts.syncStatus());

  app.get<{ Querystring: { proxy?: string } }>('/debug/config_dump', async (req, reply) => {
    const proxy = req.query.proxy;
    const statuses = opts.syncStatus();
    const status = proxy ? statuses.find((s) => s.nodeId === proxy) : undefined;
    if (proxy && !status) {
      return reply.code(404).send({ error: `no proxy with node id "${proxy}" is connected`, connected: statuses.map((s) => s.nodeId) });
    }
    const viewKey = status?.viewKey ?? 'sidecar';
    const snapshot = cp.cache.get(viewKey);
    if (!snapshot) return reply.code(503).send({ error: 'no configuration compiled yet' });
    return configDumpFromSnapshot(snapshot);
  });

  return app;
}
