/**
 * The kinds Ricochet reads, grouped by source system. Adding a system means adding a folder that
 * exports one `SourceSystem` and listing it in `SYSTEMS`; nothing else in `sources/` knows a
 * system's kinds or quirks.
 *
 * A compile has two stages (sources/index.ts): first every system's `registry` declares services
 * (Istio ServiceEntry hosts, Kubernetes Services), independent of any proxy; then every system's
 * `compile` runs for one proxy identity against that shared registry and returns what it decides
 * for that proxy: routes it owns, retry policies it attaches to destinations, cluster settings,
 * a gateway's listeners. Cross-system precedence is applied after, once (ir/precedence.ts).
 */
import type { Diagnostic } from '../lib/errors';
import type {
  ClusterPolicy, GatewayConfig, ObjectCondition, Provenance, ProxyIdentity, ProxySelector, RetryDecision, Service, Subset, VirtualHost,
} from '../ir/model';
import type { SourceObject } from './object';
import type { ServiceRegistry } from './serviceRegistry';
import { istioSystem } from './istio';
import { kubernetesSystem } from './kubernetes';
import { fsmSystem } from './fsm';
import { gatewayApiSystem } from './gatewayapi';
import { kumaSystem } from './kuma';

/** One kind of one API group: which versions are served and how an object of it is validated. */
export interface KindEntry {
  group: string;
  kind: string;
  /** Served versions, preferred first. */
  versions: readonly string[];
  /** `Cluster` kinds have no namespace (GatewayClass, Kuma's legacy `Retry` on Kubernetes). */
  scope?: 'Namespaced' | 'Cluster';
  /** Per-object validation with the system's own rules; any Error rejects the object. */
  validate(object: SourceObject): Diagnostic[];
}

export interface CompileOptions {
  /** What a plain Kubernetes Service no policy touches gets: nothing, or Istio's default (DESIGN.md). */
  defaultRetryPolicy: 'none' | 'istio';
}

export const DEFAULT_COMPILE_OPTIONS: CompileOptions = { defaultRetryPolicy: 'none' };

export interface CompileContext {
  /** Every service of every system; the first declaration of a host wins. */
  registry: ServiceRegistry;
  /** The proxy being compiled for. A system may only depend on it through its `selectors`. */
  proxy: ProxyIdentity;
  options: CompileOptions;
}

export interface RegistryOutput {
  services: Service[];
  diagnostics: Diagnostic[];
}

/**
 * A retry decision a system attaches to every route of this proxy that sends traffic to a
 * registry host (and port, when set), e.g. an FSM `Retry` whose source is this proxy's
 * ServiceAccount. The system has already applied its own selection rules: at most one
 * attachment per system per (host, port) for a proxy.
 */
export interface RetryAttachment {
  host: string;
  port?: number;
  /** `level` is 'destination' (or 'default' for a system-wide default object). */
  decision: RetryDecision;
  /** Routes of which proxies it attaches to: a sidecar's egress routes or a gateway's routes. */
  role: 'sidecar' | 'gateway';
}

/** A TCP service port's connect attempts (Kuma `tcp.maxConnectAttempts`) for this proxy. */
export interface TcpAttachment {
  host: string;
  port?: number;
  maxConnectAttempts: number;
  from: Provenance;
}

/** Cluster settings a system declares for a registry host (an Istio DestinationRule). */
export interface DestinationSettings {
  host: string;
  subsets: Subset[];
  policies: ClusterPolicy[];
  source: Provenance;
}

/** What one system decides for one proxy. Every list may be empty. */
export interface SystemOutput {
  /** Routes this system owns for registry hosts (Istio VirtualService), by host and port. */
  virtualHosts: VirtualHost[];
  retryAttachments?: RetryAttachment[];
  tcpAttachments?: TcpAttachment[];
  destinationSettings?: DestinationSettings[];
  /** A gateway proxy's Gateway, from the system that owns Gateways. */
  gateway?: GatewayConfig;
  /** Status conditions per object (Gateway API vocabulary: Accepted, ResolvedRefs, ...). */
  conditions?: ObjectCondition[];
  diagnostics: Diagnostic[];
}

export interface SourceSystem {
  name: string;
  kinds: readonly KindEntry[];
  /** Services this system declares (registry stage); proxy-independent. */
  registry?(objects: SourceObject[], options: CompileOptions): RegistryOutput;
  /** Proxy selectors this system's objects use, so proxies matching the same ones share a view. */
  selectors?(objects: SourceObject[]): ProxySelector[];
  /** Compiles this system's (already valid) objects for one proxy; cross-object findings are warnings. */
  compile(objects: SourceObject[], ctx: CompileContext): SystemOutput;
  /** Kinds of this system's groups that exist upstream but Ricochet does not read yet. */
  knownUnsupportedKinds?: readonly string[];
}

/** Registry order matters only for ties between systems declaring the same host: first wins. */
export const SYSTEMS: readonly SourceSystem[] = [kubernetesSystem, istioSystem, fsmSystem, gatewayApiSystem, kumaSystem];

export interface KindLookup {
  system?: SourceSystem;
  entry?: KindEntry;
}

/** Finds the system and kind entry for a group and kind, whatever the version. */
export function lookupKind(group: string, kind: string): KindLookup {
  for (const system of SYSTEMS) {
    const entry = system.kinds.find((k) => k.group === group && k.kind === kind);
    if (entry) return { system, entry };
  }
  const system = SYSTEMS.find((s) => s.kinds.some((k) => k.group === group));
  return { system };
}
