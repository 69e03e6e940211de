import * as path from 'node:path';
import { Command, Option } from 'commander';
import { parseHostPort } from '../lib/address';
import { createLogger, type Logger } from '../lib/log';
import { DirectoryProvider } from '../providers/directory';
import { CompositeProvider } from '../providers/composite';
import { StoreProvider } from '../providers/store';
import { FileObjectStore, StoreOpenError } from '../store';
import { ControlPlane } from '../controlplane/controlPlane';
import { AdsServer } from '../xds/server/ads';
import { registerCsds } from '../xds/server/csds';
import { buildAdminServer } from '../admin/server';
import { listenProblem, readTokenFile, registerAdminAuth } from '../admin/k8s/auth';
import type { OutboundTrafficPolicy } from '../xds/translate';
import { snapshotsFromCache, startDataplane, type RunningDataplane } from '../dataplane';

interface ServeOptions {
  sources: string;
  xdsAddress: string;
  adminAddress: string;
  egressAddress: string;
  outboundTrafficPolicy: OutboundTrafficPolicy;
  logLevel: string;
  dataplane: boolean;
  dataplaneAdminAddress: string;
  gatewayAddress: string;
  defaultRetryPolicy: 'none' | 'istio';
  adminTokenFile?: string;
  data: string;
  dataRepair: boolean;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the control plane: watch sources, serve Envoy over ADS')
    .option('--sources <dir>', 'directory of source YAML/JSON (watched)', 'examples')
    .option('--xds-address <host:port>', 'ADS gRPC listen address', '127.0.0.1:18000')
    .option('--admin-address <host:port>', 'admin HTTP listen address', '127.0.0.1:18001')
    .option('--admin-token-file <file>', 'require "Authorization: Bearer <token>" on every admin request (the token is the file\'s first line); needed to listen off loopback')
    .option('--egress-address <host:port>', 'egress listener every sidecar gets', '127.0.0.1:15001')
    .option('--gateway-address <host>', 'address gateway proxies (ROLE: gateway) bind their Gateway listeners on', '127.0.0.1')
    .addOption(new Option('--default-retry-policy <policy>', 'retry policy of a Kubernetes Service no policy touches').choices(['none', 'istio']).default('none'))
    .addOption(new Option('--outbound-traffic-policy <mode>', 'hosts nobody declared').choices(['ALLOW_ANY', 'REGISTRY_ONLY']).default('ALLOW_ANY'))
    .option('--log-level <level>', 'trace|debug|info|warn|error', process.env.RICOCHET_LOG_LEVEL ?? 'info')
    .option('--data <dir>', 'where objects written through the admin API are kept (created on demand)', '.ricochet')
    .option('--data-repair', 'open a damaged --data directory anyway: damaged records are set aside (kept in files next to the log, reported) and every readable write is kept', false)
    .option('--dataplane', 'also run Ricochet\'s data plane in this process, fed the config a sidecar gets (no Envoy needed)', false)
    .option('--dataplane-admin-address <host:port>', 'the in-process data plane\'s Envoy-style admin endpoint', '127.0.0.1:9901')
    .action(async (opts: ServeOptions) => serve(opts));
}

async function serve(opts: ServeOptions): Promise<void> {
  const logger = createLogger(opts.logLevel);
  const xds = parseHostPort(opts.xdsAddress, '--xds-address');
  const admin = parseHostPort(opts.adminAddress, '--admin-address');
  const adminToken = adminTokenOrExit(opts, admin.host, logger);
  const egress = parseHostPort(opts.egressAddress, '--egress-address');
  const dataplaneAdmin = opts.dataplane ? parseHostPort(opts.dataplaneAdminAddress, '--dataplane-admin-address') : undefined;
  const sourcesDir = path.resolve(opts.sources);

  // The store opens before the control plane so the first compiled revision already has its objects.
  const store = await openStore(opts, logger);
  const controlPlane = new ControlPlane({
    // Files first: an object defined both in a file and in the store is served from the file.
    provider: new CompositeProvider([new DirectoryProvider({ dir: sourcesDir }), new StoreProvider(store, `store ${store.dir}`)]),
    translate: { egress: { address: egress.host, port: egress.port }, outboundTrafficPolicy: opts.outboundTrafficPolicy, gatewayAddress: opts.gatewayAddress },
    compile: { defaultRetryPolicy: opts.defaultRetryPolicy },
    logger,
  });
  await controlPlane.start();

  const ads = new AdsServer({ cache: controlPlane.cache, viewFor: (node) => controlPlane.viewFor(node), logger });
  ads.onViewWatched = (viewKey) => controlPlane.ensureView(viewKey);
  registerCsds(ads); // Envoy's CSDS on the ADS port, before it listens
  const xdsPort = await ads.listen(`${xds.host}:${xds.port}`);

  const adminServer = buildAdminServer({ controlPlane, syncStatus: () => ads.syncStatus(), deliveries: () => ads.deliveries(), store });
  registerAdminAuth(adminServer, adminToken);
  await adminServer.listen({ host: admin.host, port: admin.port });
  const adminPort = (adminServer.server.address() as { port: number }).port;

  let dataplane: RunningDataplane | undefined;
  if (dataplaneAdmin) {
    // The same proxy as `ricochet dataplane`, fed the sidecar view's snapshot directly (no ADS hop).
    dataplane = await startDataplane({
      snapshotSource: snapshotsFromCache(controlPlane.cache, { viewKey: 'sidecar', logger }),
      admin: { address: dataplaneAdmin.host, port: dataplaneAdmin.port },
      logger,
    });
  }

  printBanner({
    sourcesDir,
    data: `${displayPath(store.dir)} (${store.all().length} objects stored through the admin API)`,
    xds: `${xds.host}:${xdsPort}`,
    admin: `${admin.host}:${adminPort}`,
    egress: `${egress.host}:${egress.port}`,
    ...(dataplane?.admin ? { dataplaneAdmin: `${dataplane.admin.address}:${dataplane.admin.port}` } : {}),
  });

  const shutdown = async (signal: string): Promise<void> => {
    logger.info({ signal }, 'shutting down');
    await Promise.allSettled([adminServer.close(), ads.close(), controlPlane.close(), dataplane?.close()]);
    // Last: the admin server no longer takes writes, and closing waits for any commit in flight.
    await store.close().catch((err: unknown) => logger.error({ err }, 'closing the store failed'));
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

function displayPath(dir: string): string {
  const rel = path.relative(process.cwd(), dir);
  return rel === '' ? '.' : rel.startsWith('..') ? dir : rel;
}

/** Opens --data; what recovery found is logged as errors with file and offset, a refusal ends the process. */
async function openStore(opts: ServeOptions, logger: Logger): Promise<FileObjectStore> {
  const report = (p: { file: string; offset?: number; message: string; preservedAs?: string }): void => {
    logger.error({ file: p.file, offset: p.offset, preservedAs: p.preservedAs }, `${p.file}${p.offset !== undefined ? ` at byte ${p.offset}` : ''}: ${p.message}${p.preservedAs ? ` (the bytes are kept in ${p.preservedAs})` : ''}`);
  };
  try {
    const store = await FileObjectStore.open(opts.data, { repair: opts.dataRepair, logger });
    for (const p of store.problems) report(p);
    logger.info({ dir: store.dir, objects: store.all().length, resourceVersion: store.resourceVersion }, 'object store opened');
    return store;
  } catch (err) {
    if (err instanceof StoreOpenError) {
      for (const p of err.problems) report(p);
      logger.error(`refusing to start: --data ${opts.data} is damaged; nothing was changed. Start with --data-repair to set the damaged records aside and keep everything readable`);
    } else {
      logger.error({ err }, `cannot open --data ${opts.data}: ${(err as Error).message}`);
    }
    process.exit(1);
  }
}

/** The admin token, if any; refuses to start (exit 1, with the reason) on an unreadable file or off loopback without one. */
function adminTokenOrExit(opts: ServeOptions, host: string, logger: { error(msg: string): void }): string | undefined {
  try {
    const token = opts.adminTokenFile !== undefined ? readTokenFile(opts.adminTokenFile) : undefined;
    const problem = listenProblem(host, token);
    if (problem) throw new Error(`refusing to start: ${problem}`);
    return token;
  } catch (err) {
    logger.error((err as Error).message);
    process.exit(1);
  }
}

function printBanner(a: { sourcesDir: string; data: string; xds: string; admin: string; egress: string; dataplaneAdmin?: string }): void {
  const lines = [
    `ricochet: serving ${path.relative(process.cwd(), a.sourcesDir) || '.'} (watched; edits apply within a second)`,
    `  stored       ${a.data}`,
    `  ADS (gRPC)   ${a.xds}`,
    `  admin HTTP   http://${a.admin}  (/healthz /readyz /debug/config_dump /debug/syncz /debug/diagnostics)`,
    ...(a.dataplaneAdmin
      ? [`  data plane   in process: egress ${a.egress}, Envoy-style admin http://${a.dataplaneAdmin}  (/stats /clusters /config_dump /ready)`]
      : []),
    '',
    'Next:',
    ...(a.dataplaneAdmin
      ? []
      : ['  envoy -c envoy/bootstrap.yaml            # a stock Envoy (or: ricochet dataplane -c envoy/bootstrap.yaml)']),
    `  curl -x http://${a.egress} http://httpstat.us/200   # or send Host: <declared host> to ${a.egress}`,
    `  curl -s ${a.dataplaneAdmin ?? '127.0.0.1:9901'}/stats | grep upstream_rq_retry`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
