import Fastify, { type FastifyInstance } from 'fastify';
import { formatDiagnostic } from '../lib/errors';
import type { ControlPlane } from '../controlplane/controlPlane';
import type { ProxyDelivery, ProxySyncStatus } from '../xds/server/ads';
import { configDumpFromDelivery, configDumpFromSnapshot } from './configDump';
import { synczRows } from './syncz';
import { registerKubernetesApi } from './k8s';
import { VERSION } from '../version';
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

/** A Kubernetes-Status-shaped 404 that names the proxies that are connected (sorted). */
function proxyNotFound(proxy: string, connected: string[]): object {
  const ids = [...new Set(connected)].sort();
  return {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    message: `no proxy with node id "${proxy}" is connected; connected: ${ids.length > 0 ? ids.join(', ') : '(none)'}`,
    reason: 'NotFound',
    code: 404,
    details: { name: proxy, kind: 'proxy', causes: ids.map((id) => ({ reason: 'Connected', message: id, field: 'proxy' })) },
    connected: ids,
  };
}

export interface AdminServerOptions {
  controlPlane: ControlPlane;
  /** Per-proxy xDS status, from the ADS server. */
  syncStatus: () => ProxySyncStatus[];
  /** What each connected proxy was sent, resource by resource (for /debug/config_dump?proxy=). */
  deliveries?: () => ProxyDelivery[];
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

  // The shape of the Kubernetes API server's /version (kubectl version reads it), for Ricochet.
  app.get('/version', async () => {
    const [major = '0', minor = '0'] = VERSION.split('.');
    return { major, minor, gitVersion: `v${VERSION}`, platform: `${process.platform}/${process.arch}`, goVersion: '', compiler: 'ricochet', nodeVersion: process.version };
  });

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

  // Per proxy and xDS type: SYNCED / STALE / NOT SENT / NACKED, and how long ago (syncz.ts).
  app.get('/debug/syncz', async () => synczRows(opts.syncStatus()));

  // With ?proxy=<node id>: what was SENT to that proxy (configDumpFromDelivery); without: the
  // default sidecar view's current snapshot.
  app.get<{ Querystring: { proxy?: string } }>('/debug/config_dump', async (req, reply) => {
    const proxy = req.query.proxy;
    if (proxy !== undefined && opts.deliveries) {
      // The newest stream wins when a proxy reconnects before its old stream is gone.
      const delivery = opts.deliveries().filter((d) => d.status.nodeId === proxy).pop();
      if (delivery) return configDumpFromDelivery(delivery);
    }
    const statuses = opts.syncStatus();
    const status = proxy !== undefined ? statuses.find((s) => s.nodeId === proxy) : undefined;
    if (proxy !== undefined && !status) return reply.code(404).send(proxyNotFound(proxy, statuses.map((s) => s.nodeId)));
    const snapshot = cp.cache.get(status?.viewKey ?? 'sidecar');
    if (!snapshot) {
      return reply.code(503).send({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'no configuration compiled yet', reason: 'ServiceUnavailable', code: 503 });
    }
    return configDumpFromSnapshot(snapshot);
  });

  return app;
}
