/**
 * Which application protocol a Service port speaks, as Istio decides it for a Kubernetes Service
 * (istio pkg/config/kube ConvertProtocol): `protocol: UDP` first, then `appProtocol` (with the
 * Kubernetes-defined `kubernetes.io/h2c`, `kubernetes.io/ws`, `kubernetes.io/wss`), else the port
 * name's prefix (`http`, `http-*`, `grpc-web-*`, ...). What Istio would sniff, Ricochet treats as
 * HTTP: its sidecar egress listener is an HTTP listener (docs/sources/kubernetes.md).
 */
import type { Protocol } from '../../ir/model';

/** Istio's protocol.Parse names (case-insensitive) → IR protocol. */
const NAMES: Readonly<Record<string, Protocol>> = {
  http: 'HTTP', http2: 'HTTP2', https: 'HTTPS', grpc: 'GRPC', 'grpc-web': 'GRPC-WEB', tls: 'TLS',
  tcp: 'TCP', udp: 'UDP', mongo: 'MONGO', redis: 'REDIS', mysql: 'MYSQL',
  // HTTP_PROXY is an HTTP protocol to Istio; the IR has no separate name for it.
  http_proxy: 'HTTP',
};

/** Kubernetes' own appProtocol values (ServicePort.appProtocol doc), handled before the name rules. */
const KUBERNETES_APP_PROTOCOLS: Readonly<Record<string, Protocol>> = {
  'kubernetes.io/h2c': 'HTTP2',
  'kubernetes.io/ws': 'HTTP',
  'kubernetes.io/wss': 'HTTPS',
};

/** Ports Istio never sniffs: SMTP, DNS, MySQL, MongoDB are TCP when nothing names a protocol. */
const WELL_KNOWN_TCP_PORTS: ReadonlySet<number> = new Set([25, 53, 3306, 27017]);

export interface ProtocolChoice {
  protocol: Protocol;
  /** Where it came from, for docs and Info diagnostics. */
  by: 'udp' | 'appProtocol' | 'name' | 'well-known port' | 'default';
}

/** The protocol of one Service port (`l4` is its `protocol`, TCP when unset). */
export function portProtocol(port: number, name: string, l4: string, appProtocol: string | undefined): ProtocolChoice {
  if (l4 === 'UDP') return { protocol: 'UDP', by: 'udp' };
  const source = appProtocol ?? name;
  const by = appProtocol !== undefined ? 'appProtocol' : 'name';
  const known = KUBERNETES_APP_PROTOCOLS[source];
  if (appProtocol !== undefined && known) return { protocol: known, by };
  // `grpc-web` contains the separator, so it is checked before the prefix is cut at the first '-'.
  if (source.toLowerCase().startsWith('grpc-web')) return { protocol: 'GRPC-WEB', by };
  const dash = source.indexOf('-');
  const parsed = NAMES[(dash >= 0 ? source.slice(0, dash) : source).toLowerCase()];
  if (parsed) return { protocol: parsed, by };
  if (WELL_KNOWN_TCP_PORTS.has(port)) return { protocol: 'TCP', by: 'well-known port' };
  return { protocol: 'HTTP', by: 'default' };
}
