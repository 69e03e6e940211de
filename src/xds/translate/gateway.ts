/** A gateway proxy's listeners and route configurations, from the IR's GatewayConfig. */
import type { JsonObject } from '../../lib/protos/protoJson';
import type { GatewayConfig } from '../../ir/model';

export function gatewayResources(_gateway: GatewayConfig, _address: string): { listeners: JsonObject[]; routes: JsonObject[] } {
  return { listeners: [], routes: [] };
}
