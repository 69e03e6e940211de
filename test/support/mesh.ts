import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { startEnvoy, renderBootstrap, type EnvoyProcess } from './envoy';
import { startDataplane } from './dataplane';
import { spawnProcess, freePort, waitForHttp, type ManagedProcess } from './processes';
import { get } from './http';
import { startUpstream, type Upstream } from '../../src/upstream';
import { repoPath } from './paths';

/**
 * A whole mesh on 127.0.0.1 as a user runs it: a flaky upstream, `ricochet serve --sources DIR`
 * and a stock Envoy started from envoy/bootstrap.yaml (with this run's ports).
 */
export interface MeshHarness {
  upstream: Upstream;
  ricochet: ManagedProcess;
  envoy: EnvoyProcess;
  ports: { xds: number; admin: number; egress: number; envoyAdmin: number };
  sourcesDir: string;
  /** Writes (or replaces) a source file in the watched folder. */
  writeSource(name: string, text: string): void;
  /** JSON from the control plane's admin API. */
  adminJson<T>(pathAndQuery: string): Promise<T>;
  /** Log messages of the control plane since `from` (an offset into its output). */
  logMessages(from?: number): string[];
  close(): Promise<void>;
}

export interface MeshHarnessOptions {
  /** Source files to start with, by file name; `{{UPSTREAM_PORT}}` and each `vars` key `{{NAME}}` are replaced. */
  sources: Record<string, string>;
  seed?: number;
  /** Extra template values for sources, e.g. a free port for a Gateway listener. */
  vars?: Record<string, string | number>;
  /** The proxy's node identity (replaces envoy/bootstrap.yaml's node id and metadata). */
  node?: { id?: string; metadata: Record<string, unknown> };
  /** Extra `ricochet serve` flags. */
  serveArgs?: string[];
  /** A real Envoy (default) or Ricochet's data plane, started from the same bootstrap. */
  proxy?: 'envoy' | 'dataplane';
}

export async function startMesh(opts: MeshHarnessOptions): Promise<MeshHarness> {
  const upstream = await startUpstream({ seed: opts.seed ?? 1 });
  const ports = { xds: await freePort(), admin: await freePort(), egress: await freePort(), envoyAdmin: await freePort() };
  const sourcesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ricochet-sources-'));
  const vars: Record<string, string | number> = { UPSTREAM_PORT: upstream.port, ...opts.vars };
  const writeSource = (name: string, text: string): void => {
    fs.writeFileSync(path.join(sourcesDir, name), text.replace(/\{\{([A-Z_0-9]+)\}\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m)));
  };
  for (const [name, text] of Object.entries(opts.sources)) writeSource(name, text);
  const ricochet = spawnProcess(process.execPath, [repoPath('bin', 'ricochet.js'), 'serve', '--sources', sourcesDir,
    '--xds-address', `127.0.0.1:${ports.xds}`, '--admin-address', `127.0.0.1:${ports.admin}`,
    '--egress-address', `127.0.0.1:${ports.egress}`, ...(opts.serveArgs ?? [])], { name: 'ricochet serve' });
  let proxy: EnvoyProcess;
  try {
    await waitForHttp(`http://127.0.0.1:${ports.admin}/readyz`, { timeoutMs: 15_000, process: ricochet });
    const config = renderBootstrap({ yaml: meshBootstrap(ports, opts.node) }, {});
    proxy = opts.proxy === 'dataplane'
      ? await startDataplane({ config, adminPort: ports.envoyAdmin })
      : await startEnvoy({ config, adminPort: ports.envoyAdmin });
  } catch (err) {
    await ricochet.kill();
    await upstream.close();
    fs.rmSync(sourcesDir, { recursive: true, force: true });
    throw err;
  }
  return {
    upstream, ricochet, envoy: proxy, ports, sourcesDir, writeSource,
    adminJson: async <T>(p: string) => JSON.parse((await get(`http://127.0.0.1:${ports.admin}${p}`)).body) as T,
    logMessages: (from = 0) => ricochet.output().slice(from).split('\n').filter((l) => l.startsWith('{'))
      .map((l) => (JSON.parse(l) as { msg?: string }).msg ?? ''),
    close: async () => {
      await proxy.stop();
      await ricochet.kill();
      await upstream.close();
      fs.rmSync(sourcesDir, { recursive: true, force: true });
    },
  };
}

/** envoy/bootstrap.yaml with this run's ports and, when given, another node identity. */
function meshBootstrap(ports: { xds: number; envoyAdmin: number }, node?: MeshHarnessOptions['node']): string {
  const text = fs.readFileSync(repoPath('envoy', 'bootstrap.yaml'), 'utf8')
    .replace('port_value: 18000', `port_value: ${ports.xds}`)
    .replace('port_value: 9901', `port_value: ${ports.envoyAdmin}`);
  if (!node) return text;
  const doc = YAML.parse(text) as { node: { id: string; metadata: unknown } };
  if (node.id) doc.node.id = node.id;
  doc.node.metadata = node.metadata;
  return YAML.stringify(doc);
}

/** Envoy's own /config_dump prints proto field names (snake_case); ours prints proto3 JSON names. */
export function camelizeKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camelizeKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.startsWith('@') ? k : k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()), camelizeKeys(x)]));
  }
  return v;
}

interface DumpRoute { name?: string; match?: unknown; route?: { retryPolicy?: { retryOn?: string } } }
interface DumpVirtualHost { name: string; routes: DumpRoute[] }

/**
 * A virtual host of the dynamic route configs in a config dump (Envoy's or ours), camelized;
 * undefined if absent. `T` names the fields a test reads (e.g. a virtual-host retryPolicy).
 */
export function virtualHostOf<T extends { name: string } = DumpVirtualHost>(dump: unknown, name: string): T | undefined {
  const configs = (camelizeKeys(dump) as { configs: Array<Record<string, unknown>> }).configs;
  const routes = configs.find((c) => String(c['@type']).endsWith('.RoutesConfigDump')) as
    { dynamicRouteConfigs?: Array<{ routeConfig: { virtualHosts: T[] } }> } | undefined;
  for (const rc of routes?.dynamicRouteConfigs ?? []) {
    const vh = rc.routeConfig.virtualHosts.find((v) => v.name === name);
    if (vh) return vh;
  }
  return undefined;
}

/** The routes of a virtual host, read from a config dump (Envoy's or ours); undefined if absent. */
export function routesOf(dump: unknown, virtualHost: string): DumpRoute[] | undefined {
  return virtualHostOf<DumpVirtualHost>(dump, virtualHost)?.routes;
}

/** The retry policy of a virtual host's first route: undefined if the host is absent, null if no policy. */
export function firstRouteRetryPolicy(dump: unknown, virtualHost: string): { retryOn?: string } | null | undefined {
  const routes = routesOf(dump, virtualHost);
  if (!routes) return undefined;
  return routes[0]?.route?.retryPolicy ?? null;
}
