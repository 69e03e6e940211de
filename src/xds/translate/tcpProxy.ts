/** Outbound TCP listeners (tcp_proxy) for a sidecar's TCP service ports. */
import type { JsonObject } from '../../lib/protos/protoJson';
import type { TcpRoute } from '../../ir/model';

export function tcpEgressListeners(_routes: readonly TcpRoute[], _address: string): JsonObject[] {
  return [];
}
