/**
 * The admin object API as `ricochet serve` wires it, in process: a `--sources` directory (copies
 * of examples/ files) and a FileObjectStore in a temporary data directory, merged by the
 * CompositeProvider (files first) into one ControlPlane, served by buildAdminServer. Tests drive
 * it with `app.inject` or, for watches, over a real socket.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { registerAdminAuth } from '../../src/admin/k8s/auth';
import { buildAdminServer } from '../../src/admin/server';
import { ControlPlane } from '../../src/controlplane/controlPlane';
import { silentLogger } from '../../src/lib/log';
import { CompositeProvider } from '../../src/providers/composite';
import { DirectoryProvider } from '../../src/providers/directory';
import { StoreProvider } from '../../src/providers/store';
import { FileObjectStore, type FileObjectStoreOptions } from '../../src/store';
import { DEFAULT_TRANSLATE_OPTIONS } from '../../src/xds/translate';
import { repoPath } from '../support/paths';

export interface ApiHarness {
  app: FastifyInstance;
  cp: ControlPlane;
  store: FileObjectStore;
  sourcesDir: string;
  dataDir: string;
  /** Resolves once the control plane serves every stored object at its stored resourceVersion (and nothing deleted). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Files copied into --sources: `examples/<dir>/<file>` paths relative to the repo. */
  sources?: string[];
  /** More --sources files: name → content. */
  files?: Record<string, string>;
  store?: FileObjectStoreOptions;
  /** Require this bearer token, as `serve --admin-token-file` does. */
  token?: string;
}

export async function startApi(opts: HarnessOptions = {}): Promise<ApiHarness> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ricochet-api-'));
  const sourcesDir = path.join(root, 'sources');
  const dataDir = path.join(root, 'data');
  fs.mkdirSync(sourcesDir);
  for (const rel of opts.sources ?? []) fs.copyFileSync(repoPath(rel), path.join(sourcesDir, rel.replace(/[\\/]/g, '_')));
  for (const [name, text] of Object.entries(opts.files ?? {})) fs.writeFileSync(path.join(sourcesDir, name), text);
  const store = await FileObjectStore.open(dataDir, opts.store ?? {});
  const cp = new ControlPlane({
    provider: new CompositeProvider([new DirectoryProvider({ dir: sourcesDir, watch: false }), new StoreProvider(store)], { debounceMs: 1 }),
    translate: DEFAULT_TRANSLATE_OPTIONS,
    logger: silentLogger(),
  });
  await cp.start();
  const app = buildAdminServer({ controlPlane: cp, syncStatus: () => [], store });
  registerAdminAuth(app, opts.token);
  await app.ready();
  const settle = async (): Promise<void> => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const served = cp.acceptedObjects;
      const pending = store.all().filter((s) => {
        const o = [...served.values()].find((a) => a.document.file.startsWith('api:') && a.group === s.key.group && a.kind === s.key.kind && a.namespace === s.key.namespace && a.name === s.key.name);
        return !o || (o.raw.metadata as Record<string, unknown>).resourceVersion !== s.object.metadata.resourceVersion;
      });
      const gone = [...served.values()].filter((a) => a.document.file.startsWith('api:') && !store.get({ group: a.group, kind: a.kind, namespace: a.namespace, name: a.name }));
      if (pending.length === 0 && gone.length === 0) return;
      if (Date.now() > deadline) throw new Error(`control plane did not catch up with the store: ${pending.length} pending, ${gone.length} gone`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return {
    app, cp, store, sourcesDir, dataDir, settle,
    close: async () => {
      await app.close();
      await cp.close();
      await store.close();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

export interface StatusBody {
  kind: string;
  apiVersion: string;
  status: string;
  message: string;
  reason: string;
  code: number;
  details?: { name?: string; group?: string; kind?: string; causes?: Array<{ reason: string; message: string; field?: string }> };
}

/** Asserts a Kubernetes Status failure (spec/kubectl-1.20.md §9: kind, apiVersion v1, status Failure, reason, code). */
export function assertStatus(res: LightMyRequestResponse, code: number, reason: string): StatusBody {
  assert.equal(res.statusCode, code, `HTTP ${res.statusCode}: ${res.body}`);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const body = res.json<StatusBody>();
  assert.equal(body.kind, 'Status');
  assert.equal(body.apiVersion, 'v1');
  assert.equal(body.status, 'Failure');
  assert.equal(body.reason, reason, body.message);
  assert.equal(body.code, code);
  assert.ok(body.message.length > 0);
  return body;
}

export const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

export function warnings(res: LightMyRequestResponse): string[] {
  const h = res.headers.warning;
  return h === undefined ? [] : Array.isArray(h) ? h : [h];
}
