/**
 * Gateway: its class and listeners, validated with the CRD's rules (apis/v1/gateway_types.go).
 * Only `HTTP` listeners are served; others are accepted by the schema and reported as not
 * programmed (a listener with an unsupported protocol, as the spec asks for).
 */
import type { Diagnostic } from '../../lib/errors';
import { FieldReader } from '../fields';
import type { SourceObject } from '../object';
import {
  GATEWAY_API_GROUP, readBoundedList, readEnum, readGroup, readHostname, readKind, readObjectName, readPortNumber, readSectionName,
} from './fields';
import { checkLabelSelectorFields, readLabelSelector, type LabelSelector } from './labelSelector';

export type FromNamespaces = 'Same' | 'All' | 'Selector';

export interface RouteGroupKind {
  group: string;
  kind: string;
}

export interface ListenerSpec {
  index: number;
  name: string;
  port: number;
  /** As written; core values are case-insensitive (`http` is HTTP). */
  protocol: string;
  hostname?: string;
  from: FromNamespaces;
  selector?: LabelSelector;
  /** Empty: the kinds the protocol implies (HTTPRoute for HTTP). */
  kinds: RouteGroupKind[];
}

export interface GatewaySpec {
  gatewayClassName?: string;
  listeners: ListenerSpec[];
}

const SPEC_FIELDS = {
  supported: ['gatewayClassName', 'listeners'],
  notYet: {
    addresses: 'the proxy binds the address it is started with (serve --gateway-address)',
    infrastructure: 'ignored',
    tls: 'Gateway-level TLS is ignored',
    allowedListeners: 'ListenerSets are not read',
    defaultScope: 'routes attach only through parentRefs',
  },
} as const;

const LISTENER_FIELDS = {
  supported: ['name', 'hostname', 'port', 'protocol', 'tls', 'allowedRoutes'],
} as const;

const PROTOCOL = /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9]+$/;

/** Whether a protocol is one of the core values, case-insensitively. */
export function protocolIs(listener: Pick<ListenerSpec, 'protocol'>, core: string): boolean {
  return listener.protocol.toUpperCase() === core;
}

export function readGateway(r: FieldReader): GatewaySpec {
  if (r.mapping(['spec'], { required: true }) === undefined) return { listeners: [] };
  r.checkFields(['spec'], SPEC_FIELDS);
  const gatewayClassName = readObjectName(r, ['spec', 'gatewayClassName'], true);
  const listeners: ListenerSpec[] = [];
  readBoundedList(r, ['spec', 'listeners'], { min: 1, max: 64, required: true }).forEach((_, i) => {
    const l = readListener(r, i);
    if (l) listeners.push(l);
  });
  checkDistinct(r, listeners);
  return { gatewayClassName, listeners };
}

function readListener(r: FieldReader, i: number): ListenerSpec | undefined {
  const at = ['spec', 'listeners', i];
  if (r.mapping(at, { required: true }) === undefined) return undefined;
  r.checkFields(at, LISTENER_FIELDS);
  const name = readSectionName(r, [...at, 'name'], true);
  const port = readPortNumber(r, [...at, 'port'], true);
  const protocol = r.string([...at, 'protocol'], { required: true });
  if (protocol !== undefined && (protocol.length > 255 || !PROTOCOL.test(protocol))) {
    r.error([...at, 'protocol'], `invalid protocol ${JSON.stringify(protocol)}: use HTTP, HTTPS, TLS, TCP, UDP or a domain-prefixed name like example.com/proto`);
  }
  const hostname = r.has([...at, 'hostname']) ? readHostname(r, [...at, 'hostname']) : undefined;
  const upper = protocol?.toUpperCase();
  if (r.has([...at, 'tls']) && (upper === 'HTTP' || upper === 'TCP' || upper === 'UDP')) {
    r.error([...at, 'tls'], "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']");
  }
  if (hostname !== undefined && (upper === 'TCP' || upper === 'UDP')) {
    r.error([...at, 'hostname'], "hostname must not be specified for protocols ['TCP', 'UDP']");
  }
  if (protocol !== undefined && upper !== 'HTTP') {
    r.warn([...at, 'protocol'], `protocol ${protocol} is not served by Ricochet yet (only HTTP); listener ${name ?? `#${i}`} is not programmed and routes do not attach to it`);
  }
  const allowed = readAllowedRoutes(r, [...at, 'allowedRoutes']);
  if (name === undefined || port === undefined || protocol === undefined) return undefined;
  const out: ListenerSpec = { index: i, name, port, protocol, from: allowed.from, kinds: allowed.kinds };
  if (hostname !== undefined) out.hostname = hostname;
  if (allowed.selector) out.selector = allowed.selector;
  return out;
}

function readAllowedRoutes(r: FieldReader, at: Array<string | number>): { from: FromNamespaces; selector?: LabelSelector; kinds: RouteGroupKind[] } {
  r.checkFields(at, { supported: ['namespaces', 'kinds'] });
  r.checkFields([...at, 'namespaces'], { supported: ['from', 'selector'] });
  const from = readEnum<FromNamespaces>(r, [...at, 'namespaces', 'from'], ['All', 'Selector', 'Same'], 'Same') ?? 'Same';
  checkLabelSelectorFields(r, [...at, 'namespaces', 'selector']);
  let selector: LabelSelector | undefined;
  if (from === 'Selector') {
    if (r.mapping([...at, 'namespaces', 'selector']) === undefined) {
      r.error([...at, 'namespaces', 'selector'], 'selector must be specified when from is Selector');
    } else {
      selector = readLabelSelector(r, [...at, 'namespaces', 'selector']);
    }
  }
  const kinds: RouteGroupKind[] = [];
  readBoundedList(r, [...at, 'kinds'], { max: 8 }).forEach((_, k) => {
    r.checkFields([...at, 'kinds', k], { supported: ['group', 'kind'] });
    const group = r.has([...at, 'kinds', k, 'group']) ? readGroup(r, [...at, 'kinds', k, 'group']) : GATEWAY_API_GROUP;
    const kind = readKind(r, [...at, 'kinds', k, 'kind'], true);
    if (group !== undefined && kind !== undefined) kinds.push({ group, kind });
  });
  return selector ? { from, selector, kinds } : { from, kinds };
}

/** The CEL rules on `listeners`: unique names, unique (port, protocol, hostname). */
function checkDistinct(r: FieldReader, listeners: ListenerSpec[]): void {
  listeners.forEach((l, n) => {
    const earlier = listeners.slice(0, n);
    if (earlier.some((e) => e.name === l.name)) {
      r.error(['spec', 'listeners', l.index, 'name'], `Listener name must be unique within the Gateway: ${JSON.stringify(l.name)} is used twice`);
    } else if (earlier.some((e) => e.port === l.port && e.protocol === l.protocol && e.hostname === l.hostname)) {
      r.error(['spec', 'listeners', l.index], `Combination of port, protocol and hostname must be unique for each listener: ${l.port}/${l.protocol}/${l.hostname ?? '(no hostname)'} is used twice`);
    }
  });
}

export function validateGateway(object: SourceObject): Diagnostic[] {
  const r = new FieldReader(object);
  readGateway(r);
  return r.diagnostics;
}
