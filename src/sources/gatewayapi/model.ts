/** The Gateway API objects of one compile, read once: what attachment and routing work on. */
import type { SourceObject } from '../object';
import type { GatewayClassSpec } from './gatewayClass';
import type { GatewaySpec } from './gateway';
import type { HttpRouteSpec } from './httpRoute';
import type { ReadGrant } from './referenceGrant';

export interface Read<T> {
  object: SourceObject;
  spec: T;
}

export interface GatewayApiObjects {
  classes: Map<string, Read<GatewayClassSpec>>;
  /** By `namespace/name`. */
  gateways: Map<string, Read<GatewaySpec>>;
  /** In route precedence order: oldest creationTimestamp first, then namespace/name. */
  routes: Array<Read<HttpRouteSpec>>;
  grants: ReadGrant[];
}

export function gatewayKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
