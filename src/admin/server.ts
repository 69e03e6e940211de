import Fastify, { type FastifyInstance } from 'fastify';
import { formatDiagnostic } from '../lib/errors';
import type { ControlPlane } from '../controlplane/controlPlane';
import type { ProxySyncStatus } from '../xds/server/ads';
import { configDumpFromSnapshot } from './configDump';
import { registerKubernetesApi } from './k8s';
import type { ObjectStore } from '../store/types';
import type { Condition, ObjectCondition, ObjectKeyRef } from '../ir/model';

function groupConditions(list: readonly ObjectCondition[]): Array<ObjectKeyRef & { conditions: Condition[] }> {
  const out = new Map<string, ObjectKeyRef & { conditions: Condition[] }>();
  for (const { object, condition } of list) {
    const key = `${object.group}/${object.kind}/${object.namespace}/${object.name}`;
    const entry = out.get(key) ?? { ...object, conditions: [] };
    entry.conditions.push(condition);
    out.set(key, entry);
  }
  return [...out.keys()].sort().map((k) => out.get(k) as ObjectKeyRef & { conditions: Condition[] });
}

export interface AdminServerOptions {
  controlPlane: ControlPlane;
  /** Per-proxy xDS status, from the ADS server. */
  syncStatus: () => ProxySyncStatus[];
  /** The durable store API writes go to (serve --data). */
  store?: ObjectStore;
}

/**
 * Admin HTTP API. For now: health, readiness, and what was sent to a proxy. The Kubernetes-shaped
 * object API grows here (issue 5).
 */
export function buildAdminServer(opts: AdminServerOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  const cp = opts.controlPlane;

  registerKubernetesApi(app, { controlPlane: cp, store: opts.store });

  app.get('/healthz', async () => 'ok');

  app.get('/readyz', async (_req, reply) => {
    if (!cp.state.builtAt) return reply.code(503).send('not ready: no configuration compiled yet');
    return 'ok';
  });

  app.get('/debug/diagnostics', async () => ({
    revision: cp.state.revision,
    diagnostics: cp.state.diagnostics.map((d) => ({ ...d, text: formatDiagnostic(d) })),
  }));

  // Status conditions per object (Gateway API vocabulary), grouped by object; the object API of
  // issue 5 will carry them in each object's `status`.
  app.get('/debug/status', async () => ({
    revision: cp.state.revision,
    objects: groupConditions(cp.state.conditions),
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
