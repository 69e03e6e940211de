/**
 * The Kuma protocol of a destination port, which decides which section of a retry policy applies
 * (spec/sources-kuma-fsm.md §1.1.2, §1.2.3). For a Kubernetes Service Kuma reads the port's
 * `appProtocol` when it is a protocol Kuma knows, else the `<port>.service.kuma.io/protocol`
 * annotation, else `tcp`, lower-cased (ProtocolTagFor, kumahq/kuma v2.14.3
 * pkg/plugins/runtime/k8s/controllers/inbound_converter.go; kuma.io docs "Protocol support").
 * Other registry services (Istio ServiceEntry hosts) use their declared protocol.
 */
import type { Protocol, Service, ServicePort } from '../../ir/model';

/** core_mesh.ParseProtocol's known values. */
const KUMA_PROTOCOLS: ReadonlySet<string> = new Set(['http', 'http2', 'grpc', 'tcp', 'kafka', 'tls']);

const FROM_IR: Partial<Record<Protocol, string>> = { HTTP: 'http', HTTP2: 'http2', GRPC: 'grpc', 'GRPC-WEB': 'http', HTTPS: 'tls', TLS: 'tls' };

export function kumaProtocol(service: Service, port: ServicePort): string {
  if (service.source.kind !== 'Service') return FROM_IR[port.protocol] ?? 'tcp';
  let value = port.appProtocol !== undefined && KUMA_PROTOCOLS.has(port.appProtocol.toLowerCase()) ? port.appProtocol : '';
  const annotation = service.annotations?.[`${port.number}.service.kuma.io/protocol`];
  if (value === '' && annotation !== undefined) value = annotation;
  return (value === '' ? 'tcp' : value).toLowerCase();
}

/** Which section of a Kuma retry policy a destination gets. */
export type RetrySection = 'http' | 'grpc' | 'tcp';

/**
 * `http` and `grpc` get their sections; every other protocol (tcp, kafka, tls, unknown) gets
 * `tcp`'s connect attempts, as Kuma does. `http2` gets the `http` section: Kuma's switch only
 * names "http" and "grpc", so an http2 service silently gets no retries there, which reads as an
 * oversight (MeshTimeout handles http2); docs/sources/kuma.md lists this deviation.
 */
export function retrySectionFor(protocol: string): RetrySection {
  if (protocol === 'http' || protocol === 'http2') return 'http';
  if (protocol === 'grpc') return 'grpc';
  return 'tcp';
}
