/**
 * An HTTP connection manager compiled for the runtime: everything a request needs, resolved once
 * per snapshot (route table with clusters, stats, access loggers, internal address ranges, host
 * port stripping). Requests capture the HcmConfig they started with, so a snapshot change never
 * affects one in flight.
 */
import type { Logger } from 'pino';
import type { AccessLogger, AccessLogSinks } from '../accessLog/sink';
import type { DpFaultConfig, DpHttpConnectionManager, DpListener, DpRouteConfig } from '../config/model';
import type { StatsStore } from '../stats/store';
import type { Cluster } from '../upstream/cluster';
import { CidrSet } from './headers';
import { RouteTable } from './routeTable';
import { HcmStats } from './stats';

export interface HcmConfig {
  listenerName: string;
  listenerPort: number;
  statPrefix: string;
  stats: HcmStats;
  /** undefined while an RDS route configuration has not arrived: every request gets 404 NR. */
  routeTable: RouteTable | undefined;
  allowAbsoluteUrl: boolean;
  useRemoteAddress: boolean;
  /** internal_address_config (the config layer fills Envoy's implicit set when none is given). */
  internalCidrs: CidrSet;
  accessLoggers: AccessLogger[];
  bufferLimitBytes: number;
  stripAnyHostPort: boolean;
  stripMatchingHostPort: boolean;
  stripTrailingHostDot: boolean;
  /** The router's `strict_check_headers` (envoy-retry.md §1.1), when the config layer provides them. */
  strictCheckHeaders: string[];
  logger: Logger | undefined;
}

export interface CompileHcmInput {
  listener: DpListener;
  hcm: DpHttpConnectionManager;
  routeConfigs: ReadonlyMap<string, DpRouteConfig>;
  lookupCluster(name: string): Cluster | undefined;
  stats: StatsStore;
  sinks: AccessLogSinks;
  logger: Logger | undefined;
}

export function compileHcm(input: CompileHcmInput): HcmConfig {
  const { listener, hcm } = input;
  const routeConfig = hcm.routeConfig ?? (hcm.rdsName !== undefined ? input.routeConfigs.get(hcm.rdsName) : undefined);
  const faultFilter = hcm.httpFilters.find((f) => f.kind === 'fault') as { kind: 'fault'; config: DpFaultConfig } | undefined;
  const routeTable = routeConfig
    ? new RouteTable(routeConfig, {
        lookupCluster: input.lookupCluster,
        faultFilter: faultFilter?.config,
        hasFaultFilter: faultFilter !== undefined,
        hcmBufferLimitBytes: hcm.bufferLimitBytes,
        stats: input.stats,
      })
    : undefined;
  return {
    listenerName: listener.name,
    listenerPort: listener.port,
    statPrefix: hcm.statPrefix,
    stats: new HcmStats(input.stats, hcm.statPrefix),
    routeTable,
    allowAbsoluteUrl: hcm.allowAbsoluteUrl,
    useRemoteAddress: hcm.useRemoteAddress,
    internalCidrs: new CidrSet(hcm.internalCidrs),
    accessLoggers: hcm.accessLogs.map((a) => input.sinks.create(a)),
    bufferLimitBytes: hcm.bufferLimitBytes,
    stripAnyHostPort: hcm.stripHostPort === 'any',
    stripMatchingHostPort: hcm.stripHostPort === 'matching',
    stripTrailingHostDot: hcm.stripTrailingHostDot === true,
    strictCheckHeaders: routerStrictHeaders(hcm),
    logger: input.logger,
  };
}

function routerStrictHeaders(hcm: DpHttpConnectionManager): string[] {
  const router = hcm.httpFilters.find((f) => f.kind === 'router') as { strictCheckHeaders?: string[] } | undefined;
  return (router?.strictCheckHeaders ?? []).map((h) => h.toLowerCase());
}

