/**
 * `kubectl get` Tables (spec/kubectl-1.20.md §5.1, §5.2): Accept negotiation, columns per kind,
 * AGE as kubectl prints it, and `rows[].object` (PartialObjectMetadata, or the full object with
 * `includeObject=Object`; without it NAMESPACE/LABELS are blank and `--sort-by` panics, §11.13).
 */
import * as assert from 'node:assert/strict';
import { humanDuration, parseIncludeObject, renderTable, tableRequested } from '../../src/admin/k8s/table';
import { resourceForKind, type ApiResource } from '../../src/admin/k8s/resources';

const KUBECTL_TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
const NOW = Date.parse('2026-01-01T12:00:00Z');
const FIVE_MINUTES_AGO = '2026-01-01T11:55:00Z';

function resource(group: string, kind: string): ApiResource {
  const r = resourceForKind(group, kind);
  assert.ok(r, `${group}/${kind} is served`);
  return r;
}

function vs(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> & { metadata: Record<string, unknown> } {
  return {
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'VirtualService',
    metadata: { name, namespace: 'default', uid: 'u-1', resourceVersion: '1007', creationTimestamp: FIVE_MINUTES_AGO, labels: { team: 'a' }, annotations: { a: 'b' } },
    spec: { hosts: ['reviews'], gateways: ['gw1'], http: [] },
    ...extra,
  };
}

describe('admin API tables: Accept negotiation (spec/kubectl-1.20.md §5.1)', () => {
  it('kubectl\'s exact Table Accept header asks for meta.k8s.io/v1', () => {
    assert.equal(tableRequested(KUBECTL_TABLE_ACCEPT), 'meta.k8s.io/v1');
  });
  it('plain JSON (get -o yaml, apply\'s GET) is not a Table', () => {
    assert.equal(tableRequested('application/json'), undefined);
    assert.equal(tableRequested('application/json, */*'), undefined);
    assert.equal(tableRequested(undefined), undefined);
  });
  it('the first range the server can serve wins: JSON first means no Table', () => {
    assert.equal(tableRequested('application/json,application/json;as=Table;v=v1;g=meta.k8s.io'), undefined);
  });
  it('v1beta1 Tables when only those are asked for; other `as=` forms are skipped', () => {
    assert.equal(tableRequested('application/json;as=Table;v=v1beta1;g=meta.k8s.io'), 'meta.k8s.io/v1beta1');
    assert.equal(tableRequested('application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1;g=meta.k8s.io'), 'meta.k8s.io/v1');
  });
  it('includeObject: Object, None, Metadata; anything else is the default Metadata', () => {
    assert.equal(parseIncludeObject('Object'), 'Object');
    assert.equal(parseIncludeObject('None'), 'None');
    assert.equal(parseIncludeObject(undefined), 'Metadata');
    assert.equal(parseIncludeObject('object'), 'Metadata');
  });
});

describe('admin API tables: rendering (spec/kubectl-1.20.md §5.2)', () => {
  it('§5.2 VirtualService: NAME, GATEWAYS, HOSTS, AGE as Istio\'s CRD prints them, with the list resourceVersion', () => {
    const t = renderTable(resource('networking.istio.io', 'VirtualService'), [vs('reviews')], { now: NOW, resourceVersion: '1007' });
    assert.equal(t.kind, 'Table');
    assert.equal(t.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(t.metadata, { resourceVersion: '1007' });
    assert.deepEqual(t.columnDefinitions?.map((c) => [c.name, c.type, c.priority]), [['Name', 'string', 0], ['Gateways', 'string', 0], ['Hosts', 'string', 0], ['Age', 'date', 0]]);
    assert.equal(t.columnDefinitions?.[0]?.format, 'name');
    assert.deepEqual(t.rows[0]?.cells, ['reviews', '["gw1"]', '["reviews"]', '5m']);
  });

  it('§5.2 rows carry PartialObjectMetadata by default (NAMESPACE for -A, LABELS for --show-labels)', () => {
    const t = renderTable(resource('networking.istio.io', 'VirtualService'), [vs('reviews')], { now: NOW });
    const object = t.rows[0]?.object as { kind: string; apiVersion: string; metadata: Record<string, unknown>; spec?: unknown };
    assert.equal(object.kind, 'PartialObjectMetadata');
    assert.equal(object.apiVersion, 'meta.k8s.io/v1');
    assert.equal(object.metadata.namespace, 'default');
    assert.deepEqual(object.metadata.labels, { team: 'a' });
    assert.equal(object.metadata.resourceVersion, '1007');
    assert.equal(object.spec, undefined, 'only metadata');
  });

  it('§5.2 includeObject=Object embeds the whole object (--sort-by=.spec.hosts); None embeds nothing', () => {
    const full = renderTable(resource('networking.istio.io', 'VirtualService'), [vs('reviews')], { now: NOW, includeObject: 'Object' });
    assert.deepEqual((full.rows[0]?.object as { spec: unknown }).spec, { hosts: ['reviews'], gateways: ['gw1'], http: [] });
    const none = renderTable(resource('networking.istio.io', 'VirtualService'), [vs('reviews')], { now: NOW, includeObject: 'None' });
    assert.equal(none.rows[0]?.object, undefined);
  });

  it('§5.2 a missing value is null (printed empty), rows keep the caller\'s order, an empty list has no rows', () => {
    const r = resource('networking.istio.io', 'VirtualService');
    const noGateways = vs('b', { spec: { hosts: ['b'] } });
    const t = renderTable(r, [noGateways, vs('a')], { now: NOW });
    assert.deepEqual(t.rows.map((row) => row.cells[0]), ['b', 'a']);
    assert.equal(t.rows[0]?.cells[1], null);
    assert.deepEqual(renderTable(r, [], { now: NOW }).rows, []);
  });

  it('§6 watch events after the first may leave the column definitions out; continue only when given', () => {
    const t = renderTable(resource('networking.istio.io', 'VirtualService'), [vs('a')], { now: NOW, omitColumnDefinitions: true });
    assert.equal(t.columnDefinitions, null);
    assert.equal('continue' in t.metadata, false, '§11.21 never an empty continue token');
  });

  it('Service: kubectl\'s built-in columns (TYPE, CLUSTER-IP, EXTERNAL-IP, PORT(S), AGE; SELECTOR with -o wide)', () => {
    const svc = {
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: 'appflaky', namespace: 'retryns', creationTimestamp: FIVE_MINUTES_AGO },
      spec: { type: 'LoadBalancer', selector: { app: 'appflaky' }, ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 5000 }, { port: 9090 }] },
    };
    const t = renderTable(resource('', 'Service'), [svc], { now: NOW });
    assert.deepEqual(t.columnDefinitions?.map((c) => c.name), ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector']);
    assert.equal(t.columnDefinitions?.[6]?.priority, 1);
    assert.deepEqual(t.rows[0]?.cells, ['appflaky', 'LoadBalancer', '<none>', '<pending>', '80/TCP,9090/TCP', '5m', 'app=appflaky']);
  });

  it('Endpoints: ip:port pairs, at most three then "+ N more..."', () => {
    const ep = (n: number) => ({
      apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'e', namespace: 'default', creationTimestamp: FIVE_MINUTES_AGO },
      subsets: [{ addresses: Array.from({ length: n }, (_x, i) => ({ ip: `127.0.0.${i + 1}` })), ports: [{ port: 8080 }] }],
    });
    assert.equal(renderTable(resource('', 'Endpoints'), [ep(1)], { now: NOW }).rows[0]?.cells[1], '127.0.0.1:8080');
    assert.equal(renderTable(resource('', 'Endpoints'), [ep(5)], { now: NOW }).rows[0]?.cells[1], '127.0.0.1:8080,127.0.0.2:8080,127.0.0.3:8080 + 2 more...');
  });

  it('Gateway: CLASS, ADDRESS and PROGRAMMED from the computed status, as the Gateway API CRD prints them', () => {
    const gw = {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'default', creationTimestamp: FIVE_MINUTES_AGO },
      spec: { gatewayClassName: 'example-class', listeners: [] },
      status: { addresses: [{ type: 'IPAddress', value: '127.0.0.1' }], conditions: [{ type: 'Accepted', status: 'True' }, { type: 'Programmed', status: 'False' }] },
    };
    const t = renderTable(resource('gateway.networking.k8s.io', 'Gateway'), [gw], { now: NOW });
    assert.deepEqual(t.columnDefinitions?.map((c) => c.name), ['Name', 'Class', 'Address', 'Programmed', 'Age']);
    assert.deepEqual(t.rows[0]?.cells, ['gw', 'example-class', '127.0.0.1', 'False', '5m']);
  });

  it('Kuma\'s cluster-scoped Retry shows its top-level mesh; FSM\'s Retry (no CRD columns) only NAME and AGE', () => {
    const kuma = { apiVersion: 'kuma.io/v1alpha1', kind: 'Retry', mesh: 'default', metadata: { name: 'r', creationTimestamp: FIVE_MINUTES_AGO }, spec: {} };
    assert.deepEqual(renderTable(resource('kuma.io', 'Retry'), [kuma], { now: NOW }).rows[0]?.cells, ['r', 'default', '5m']);
    const fsm = { apiVersion: 'policy.flomesh.io/v1alpha1', kind: 'Retry', metadata: { name: 'retry', namespace: 'curl', creationTimestamp: FIVE_MINUTES_AGO }, spec: {} };
    const t = renderTable(resource('policy.flomesh.io', 'Retry'), [fsm], { now: NOW });
    assert.deepEqual(t.columnDefinitions?.map((c) => c.name), ['Name', 'Age']);
    assert.deepEqual(t.rows[0]?.cells, ['retry', '5m']);
  });

  it('an object without creationTimestamp has AGE <unknown>', () => {
    const t = renderTable(resource('', 'Namespace'), [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' } }], { now: NOW });
    assert.deepEqual(t.rows[0]?.cells, ['prod', 'Active', '<unknown>']);
  });
});

describe('admin API tables: AGE (apimachinery HumanDuration, as kubectl prints it)', () => {
  const s = 1000;
  const m = 60 * s;
  const h = 60 * m;
  const d = 24 * h;
  const cases: Array<[number, string]> = [
    [-1500, '0s'], [-3 * s, '<invalid>'], [0, '0s'], [59 * s, '59s'], [119 * s, '119s'], [2 * m, '2m'], [2 * m + 5 * s, '2m5s'],
    [10 * m + 30 * s, '10m'], [179 * m, '179m'], [3 * h, '3h'], [3 * h + 30 * m, '3h30m'], [8 * h + 30 * m, '8h'], [47 * h, '47h'],
    [2 * d, '2d'], [2 * d + 5 * h, '2d5h'], [8 * d + 5 * h, '8d'], [729 * d, '729d'], [2 * 365 * d, '2y'], [2 * 365 * d + 10 * d, '2y10d'], [9 * 365 * d, '9y'],
  ];
  for (const [ms, text] of cases) {
    it(`${ms} ms → ${text}`, () => assert.equal(humanDuration(ms), text));
  }
});
