/**
 * Table columns per kind (spec/kubectl-1.20.md §5.2): for custom resources the upstream CRDs'
 * `additionalPrinterColumns` (Istio, Gateway API, Kuma), for core kinds the columns of kubectl's
 * built-in printers, so `kubectl get` against Ricochet looks like it does against a cluster.
 * Kinds whose CRD declares no columns (FSM's) get NAME and AGE only.
 */

type Obj = Readonly<Record<string, unknown>>;

/** One Table column after NAME; `priority` > 0 shows only with `-o wide`. */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  description: string;
  priority?: number;
  /**
   * The cell. `null` prints empty. For 'date' columns the RFC 3339 timestamp, which the table
   * renderer turns into an age ("5m") as the apiserver does.
   */
  cell(object: Obj): string | number | boolean | null;
}

/** The value at a path of plain object keys, or undefined. */
export function at(object: unknown, ...path: string[]): unknown {
  let cur = object;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** A JSONPath result as the apiserver prints it for a CRD column: scalars as is, lists and maps as JSON. */
function jsonCell(value: unknown): string | number | boolean | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function field(name: string, description: string, ...path: string[]): PrinterColumn {
  return { name, type: 'string', description, cell: (o) => jsonCell(at(o, ...path)) };
}

/** `.status.conditions[?(@.type=="<type>")].status`. */
function condition(type: string, description: string): PrinterColumn {
  return {
    name: type,
    type: 'string',
    description,
    cell: (o) => {
      const found = list(at(o, 'status', 'conditions')).find((c) => at(c, 'type') === type);
      return jsonCell(at(found, 'status'));
    },
  };
}

export const AGE: PrinterColumn = {
  name: 'Age',
  type: 'date',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
  cell: (o) => jsonCell(at(o, 'metadata', 'creationTimestamp')),
};

// ---- core kinds: kubectl's built-in printers -------------------------------------------------

function servicePorts(o: Obj): string {
  const ports = list(at(o, 'spec', 'ports')).map((p) => {
    const protocol = typeof at(p, 'protocol') === 'string' ? String(at(p, 'protocol')) : 'TCP';
    const nodePort = at(p, 'nodePort');
    return `${String(at(p, 'port'))}${typeof nodePort === 'number' ? `:${nodePort}` : ''}/${protocol}`;
  });
  return ports.length > 0 ? ports.join(',') : '<none>';
}

function serviceExternalIp(o: Obj): string {
  const type = at(o, 'spec', 'type') ?? 'ClusterIP';
  const external = list(at(o, 'spec', 'externalIPs')).map(String);
  if (type === 'ExternalName') return String(at(o, 'spec', 'externalName') ?? '<none>');
  if (type === 'LoadBalancer') {
    const ingress = list(at(o, 'status', 'loadBalancer', 'ingress')).map((i) => String(at(i, 'ip') ?? at(i, 'hostname') ?? ''));
    const all = [...ingress, ...external].filter(Boolean);
    return all.length > 0 ? all.join(',') : '<pending>';
  }
  return external.length > 0 ? external.join(',') : '<none>';
}

function selector(o: Obj): string {
  const sel = at(o, 'spec', 'selector');
  if (!sel || typeof sel !== 'object') return '<none>';
  const pairs = Object.entries(sel as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`).sort();
  return pairs.length > 0 ? pairs.join(',') : '<none>';
}

/** kubectl's ENDPOINTS cell: the first three ip:port pairs, then ` + N more...`. */
function endpointsCell(o: Obj): string {
  const pairs: string[] = [];
  for (const subset of list(at(o, 'subsets'))) {
    const ports = list(at(subset, 'ports')).map((p) => at(p, 'port'));
    for (const address of list(at(subset, 'addresses'))) {
      const ip = String(at(address, 'ip'));
      if (ports.length === 0) pairs.push(ip);
      for (const port of ports) pairs.push(`${ip}:${String(port)}`);
    }
  }
  if (pairs.length === 0) return '<none>';
  return pairs.length > 3 ? `${pairs.slice(0, 3).join(',')} + ${pairs.length - 3} more...` : pairs.join(',');
}

function sliceEndpoints(o: Obj): string {
  const addresses = list(at(o, 'endpoints')).flatMap((e) => list(at(e, 'addresses')).map(String));
  if (addresses.length === 0) return '<unset>';
  return addresses.length > 3 ? `${addresses.slice(0, 3).join(',')} + ${addresses.length - 3} more...` : addresses.join(',');
}

function slicePorts(o: Obj): string {
  const ports = list(at(o, 'ports')).map((p) => String(at(p, 'port')));
  return ports.length > 0 ? ports.join(',') : '<unset>';
}

const CORE: Record<string, PrinterColumn[]> = {
  Service: [
    { name: 'Type', type: 'string', description: 'The type of the service.', cell: (o) => String(at(o, 'spec', 'type') ?? 'ClusterIP') },
    { name: 'Cluster-IP', type: 'string', description: 'The cluster IP of the service.', cell: (o) => String(at(o, 'spec', 'clusterIP') ?? '<none>') },
    { name: 'External-IP', type: 'string', description: 'The external IPs of the service.', cell: serviceExternalIp },
    { name: 'Port(s)', type: 'string', description: 'The ports of the service.', cell: servicePorts },
    AGE,
    { name: 'Selector', type: 'string', description: 'The label selector of the service.', priority: 1, cell: selector },
  ],
  Endpoints: [
    { name: 'Endpoints', type: 'string', description: 'Endpoints of the service.', cell: endpointsCell },
    AGE,
  ],
  Pod: [
    { name: 'Status', type: 'string', description: 'The phase of the pod.', cell: (o) => String(at(o, 'status', 'phase') ?? '<none>') },
    AGE,
    { name: 'IP', type: 'string', description: 'The IP address of the pod.', priority: 1, cell: (o) => String(at(o, 'status', 'podIP') ?? '<none>') },
  ],
  Namespace: [
    { name: 'Status', type: 'string', description: 'The status of the namespace.', cell: () => 'Active' },
    AGE,
  ],
};

const DISCOVERY: Record<string, PrinterColumn[]> = {
  EndpointSlice: [
    { name: 'AddressType', type: 'string', description: 'The type of the addresses.', cell: (o) => jsonCell(at(o, 'addressType')) },
    { name: 'Ports', type: 'string', description: 'The ports of the slice.', cell: slicePorts },
    { name: 'Endpoints', type: 'string', description: 'The addresses of the slice.', cell: sliceEndpoints },
    AGE,
  ],
};

// ---- custom resources: the upstream CRDs' additionalPrinterColumns -------------------------

const ISTIO: Record<string, PrinterColumn[]> = {
  VirtualService: [
    field('Gateways', 'The names of gateways and sidecars that should apply these routes', 'spec', 'gateways'),
    field('Hosts', 'The destination hosts to which traffic is being sent', 'spec', 'hosts'),
    AGE,
  ],
  ServiceEntry: [
    field('Hosts', 'The hosts associated with the ServiceEntry', 'spec', 'hosts'),
    field('Location', 'Whether the service is external to the mesh or part of the mesh (MESH_EXTERNAL or MESH_INTERNAL)', 'spec', 'location'),
    field('Resolution', 'Service resolution mode for the hosts (NONE, STATIC, or DNS)', 'spec', 'resolution'),
    AGE,
  ],
  DestinationRule: [
    field('Host', 'The name of a service from the service registry', 'spec', 'host'),
    AGE,
  ],
};

const GATEWAY_API: Record<string, PrinterColumn[]> = {
  GatewayClass: [
    field('Controller', 'The controller that manages Gateways of this class', 'spec', 'controllerName'),
    condition('Accepted', 'Whether the controller accepted the class'),
    AGE,
    { ...field('Description', 'The description of the class', 'spec', 'description'), priority: 1 },
  ],
  Gateway: [
    field('Class', 'The class of the Gateway', 'spec', 'gatewayClassName'),
    {
      name: 'Address',
      type: 'string',
      description: 'The addresses of the Gateway',
      cell: (o) => {
        const values = list(at(o, 'status', 'addresses')).map((a) => at(a, 'value'));
        return values.length === 0 ? null : values.map(String).join(' ');
      },
    },
    condition('Programmed', 'Whether the Gateway is programmed'),
    AGE,
  ],
  HTTPRoute: [field('Hostnames', 'The hostnames the route matches', 'spec', 'hostnames'), AGE],
  ReferenceGrant: [AGE],
};

const KUMA: Record<string, PrinterColumn[]> = {
  // The legacy policies carry their mesh at the top level; it is what tells two of them apart.
  Retry: [field('Mesh', 'The mesh the policy belongs to', 'mesh'), AGE],
  MeshRetry: [
    field('TargetRef Kind', 'The kind of the policy target', 'spec', 'targetRef', 'kind'),
    field('TargetRef Name', 'The name of the policy target', 'spec', 'targetRef', 'name'),
    AGE,
  ],
};

const BY_GROUP: Record<string, Record<string, PrinterColumn[]>> = {
  '': CORE,
  'discovery.k8s.io': DISCOVERY,
  'networking.istio.io': ISTIO,
  'gateway.networking.k8s.io': GATEWAY_API,
  'kuma.io': KUMA,
};

/** The columns after NAME for a kind; AGE alone when neither its CRD nor kubectl declares any. */
export function columnsFor(group: string, kind: string): PrinterColumn[] {
  return BY_GROUP[group]?.[kind] ?? [AGE];
}
