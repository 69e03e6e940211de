import type { Mesh, Provenance, RetryPolicy, Service, VirtualHost } from '../../src/ir/model';
import { DEFAULT_TRANSLATE_OPTIONS, type TranslateOptions } from '../../src/xds/translate';

/**
 * A synthetic mesh of N ServiceEntry-like hosts, each with one HTTP port, two STATIC endpoints
 * (so an EDS cluster + ClusterLoadAssignment) and one route carrying an Istio-like retry policy.
 *
 * The state of the mesh is a revision per service plus a revision of the egress listener. A
 * service's revision changes its cluster (protocol HTTP ↔ HTTP2, i.e. upstream options), its
 * endpoints (port) and its route (per-try timeout), so bumping one service touches exactly one
 * Cluster, one ClusterLoadAssignment and the shared RouteConfiguration; bumping every service and
 * the listener touches every resource of all four types.
 *
 * Endpoint addresses are loopback (127.x) so nothing in the config points off the machine; no
 * traffic is ever sent to them.
 */
export interface MeshState {
  revs: number[];
  listenerRev: number;
}

export function initialState(services: number): MeshState {
  return { revs: new Array<number>(services).fill(0), listenerRev: 0 };
}

/** Every service and the listener change: new content for every resource of every type. */
export function fullChange(state: MeshState): MeshState {
  return { revs: state.revs.map((r) => r + 1), listenerRev: state.listenerRev + 1 };
}

/** One service changes: its Cluster, its ClusterLoadAssignment and the RouteConfiguration. */
export function oneServiceChange(state: MeshState, index: number): MeshState {
  const revs = [...state.revs];
  revs[index % revs.length] += 1;
  return { revs, listenerRev: state.listenerRev };
}

const SOURCE_NS = 'bench';

function provenance(kind: string, i: number): Provenance {
  return { kind, apiVersion: 'networking.istio.io/v1', namespace: SOURCE_NS, name: `svc-${i}` };
}

export function hostOf(i: number): string {
  return `svc-${i}.${SOURCE_NS}.svc.cluster.local`;
}

function service(i: number, rev: number): Service {
  const octet = (n: number): number => n & 255;
  return {
    host: hostOf(i),
    namespace: SOURCE_NS,
    addresses: [],
    ports: [{ number: 8080, name: 'http', protocol: rev % 2 === 0 ? 'HTTP' : 'HTTP2' }],
    resolution: 'STATIC',
    endpoints: [1, 2].map((e) => ({
      address: `127.${octet(i >> 8) + 1}.${octet(i)}.${e}`,
      ports: { http: 9000 + (rev % 1000) },
      labels: { app: `svc-${i}`, version: 'v1' },
    })),
    external: false,
    source: provenance('ServiceEntry', i),
  };
}

function retryPolicy(rev: number): RetryPolicy {
  return {
    retryOn: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
    numRetries: 3,
    retriableStatusCodes: [503],
    perTryTimeoutMs: 1000 + rev,
    previousHostsPredicate: true,
    hostSelectionRetryMaxAttempts: 5,
    backoff: { baseIntervalMs: 25, maxIntervalMs: 250 },
  };
}

function virtualHost(i: number, rev: number): VirtualHost {
  const source = provenance('VirtualService', i);
  return {
    host: hostOf(i),
    port: 8080,
    routes: [{
      match: { headers: [] },
      destinations: [{ host: hostOf(i), port: 8080, weight: 100 }],
      timeoutMs: 0,
      retry: { policy: retryPolicy(rev), from: source, reason: `VirtualService ${SOURCE_NS}/svc-${i}`, level: 'route' },
      source,
    }],
  };
}

export function meshOf(state: MeshState): Mesh {
  return {
    services: state.revs.map((rev, i) => service(i, rev)),
    virtualHosts: state.revs.map((rev, i) => virtualHost(i, rev)),
  };
}

/** The listener's bind address alternates, so a full change also gives LDS a new version. */
export function translateOptionsOf(state: MeshState): TranslateOptions {
  const address = state.listenerRev % 2 === 0 ? '127.0.0.1' : '127.0.0.2';
  return { ...DEFAULT_TRANSLATE_OPTIONS, egress: { ...DEFAULT_TRANSLATE_OPTIONS.egress, address } };
}
