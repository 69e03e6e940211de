import * as assert from 'node:assert/strict';
import { startUpstream, type Upstream } from '../../../src/upstream';
import { request } from '../../support/http';
import { cluster, faultFilter, httpListener, prefixRoute, routeAction, snapshot, startRuntime, vhost, type RuntimeHarness } from './helpers';
import type { DpRoute } from '../../../src/dataplane/config/model';

describe('dataplane runtime: listeners and routing', function () {
  let up: Upstream;
  let rt: RuntimeHarness;

  before(async () => {
    up = await startUpstream();
    const clusters = ['exact', 'suffix', 'longsuffix', 'prefix', 'star', 'paths'].map((n) => cluster(n, [{ port: up.port }]));
    const r = (name: string) => prefixRoute('/', routeAction(name));
    const pathRoutes: DpRoute[] = [
      { match: { path: '/exact', caseSensitive: true, headers: [], queryParameters: [] }, action: { kind: 'direct', status: 200, body: 'path' } },
      { match: { prefix: '/CI/', caseSensitive: false, headers: [], queryParameters: [] }, action: { kind: 'direct', status: 200, body: 'case-insensitive' } },
      { match: { safeRegex: '/re/[0-9]+', caseSensitive: true, headers: [], queryParameters: [] }, action: { kind: 'direct', status: 200, body: 'regex' } },
      { match: { prefix: '/q', caseSensitive: true, headers: [], queryParameters: [{ name: 'v', exact: '1' }] }, action: { kind: 'direct', status: 200, body: 'query' } },
      {
        match: { prefix: '/h', caseSensitive: true, headers: [{ name: 'x-pick', exact: 'me', invert: false, ignoreCase: false }], queryParameters: [] },
        action: { kind: 'direct', status: 200, body: 'header' },
      },
      { match: { pathSeparatedPrefix: '/sep', caseSensitive: true, headers: [], queryParameters: [] }, action: { kind: 'direct', status: 200, body: 'sep' } },
      { match: { prefix: '/fault', caseSensitive: true, headers: [], queryParameters: [] }, action: routeAction('paths'), fault: { abort: { httpStatus: 418, percent: 100 } } },
      prefixRoute('/up', routeAction('paths')),
      prefixRoute('/missing-cluster', routeAction('nope')),
    ];
    rt = await startRuntime(
      snapshot(
        [
          httpListener(
            'main',
            [
              vhost('exact', ['exact.example.com', 'exact.example.com:8080'], [r('exact')]),
              vhost('suffix', ['*.example.com'], [r('suffix')]),
              vhost('longsuffix', ['*.svc.example.com'], [r('longsuffix')]),
              vhost('prefix', ['api.*'], [r('prefix')]),
              vhost('paths', ['paths'], pathRoutes),
              vhost('star', ['*'], [prefixRoute('/only', routeAction('star'))]),
            ],
            { httpFilters: [faultFilter({}), { name: 'envoy.filters.http.router', kind: 'router' }] },
          ),
        ],
        clusters,
      ),
    );
  });

  after(async () => {
    await rt?.close();
    await up?.close();
  });

  async function viaHost(host: string, p = '/'): Promise<{ status: number; body: string; cluster: string }> {
    const before = new Map(['exact', 'suffix', 'longsuffix', 'prefix', 'star'].map((n) => [n, rt.counter(`cluster.${n}.upstream_rq_total`)]));
    const res = await request(`${rt.url()}${p}`, { headers: { host } });
    let hit = '';
    for (const [n, v] of before) if (rt.counter(`cluster.${n}.upstream_rq_total`) > v) hit = n;
    return { status: res.status, body: res.body, cluster: hit };
  }

  it('selects virtual hosts by exact, longest suffix, prefix wildcard, then *', async () => {
    assert.equal((await viaHost('exact.example.com')).cluster, 'exact');
    assert.equal((await viaHost('EXACT.example.com')).cluster, 'exact', 'host matching is case-insensitive');
    assert.equal((await viaHost('exact.example.com:8080')).cluster, 'exact', 'a domain with port matches literally');
    assert.equal((await viaHost('a.example.com')).cluster, 'suffix');
    assert.equal((await viaHost('a.svc.example.com')).cluster, 'longsuffix', 'the longest suffix wins');
    assert.equal((await viaHost('api.anything')).cluster, 'prefix');
    assert.equal((await viaHost('other', '/only')).cluster, 'star');
    // The port is part of the host unless stripped: no exact or suffix match, so the `*` host.
    assert.equal((await viaHost('exact.example.com:9999', '/only')).cluster, 'star');
  });

  it('answers 404 with NR when no route matches', async () => {
    const before = rt.counter('http.main.no_route');
    const res = await viaHost('other', '/nothing-here');
    assert.equal(res.status, 404);
    assert.equal(res.body, '');
    assert.equal(rt.counter('http.main.no_route'), before + 1);
  });

  it('matches path, case-insensitive prefix, regex, query and header matchers, path-separated prefix', async () => {
    const get = (p: string, headers: Record<string, string> = {}) => request(`${rt.url()}${p}`, { headers: { host: 'paths', ...headers } });
    assert.equal((await get('/exact?x=1')).body, 'path', 'path match ignores the query');
    assert.equal((await get('/exact/more')).status, 404);
    assert.equal((await get('/ci/lower')).body, 'case-insensitive');
    assert.equal((await get('/re/123')).body, 'regex');
    assert.equal((await get('/re/12a')).status, 404, 'regex is a full match');
    assert.equal((await get('/q?v=1')).body, 'query');
    assert.equal((await get('/q?v=2')).status, 404);
    assert.equal((await get('/h', { 'x-pick': 'me' })).body, 'header');
    assert.equal((await get('/h')).status, 404);
    assert.equal((await get('/sep')).body, 'sep');
    assert.equal((await get('/sep/x')).body, 'sep');
    assert.equal((await get('/sepx')).status, 404);
  });

  it('routes absolute-form request targets by the URI authority (HTTP_PROXY style)', async () => {
    const res = await request('http://a.svc.example.com/status/200', { proxy: rt.url() });
    assert.equal(res.status, 200);
    const last = up.log[up.log.length - 1];
    assert.equal(last.url, '/status/200', 'forwarded in origin-form');
    assert.equal(last.host, 'a.svc.example.com');
  });

  it('forwards x-request-id (generated), x-forwarded-proto, x-envoy-attempt-count and strips hop-by-hop headers', async () => {
    const res = await request(`${rt.url()}/up/status/200`, { headers: { host: 'paths', 'keep-alive': 'timeout=5', 'proxy-connection': 'keep-alive' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.server, 'envoy');
    assert.ok(res.headers['x-envoy-upstream-service-time'] !== undefined);
    const last = up.log[up.log.length - 1];
    assert.match(last.requestId ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(last.headers['x-forwarded-proto'], 'http');
    assert.equal(last.attemptCount, 1);
    assert.equal(last.headers['keep-alive'], undefined);
    assert.equal(last.headers['proxy-connection'], undefined);
  });

  it('fault abort from the per-route fault config, 503 NC for an unknown cluster', async () => {
    const res = await request(`${rt.url()}/fault`, { headers: { host: 'paths' } });
    assert.equal(res.status, 418);
    assert.equal(res.body, 'fault filter abort');
    assert.equal(rt.counter('http.main.fault.aborts_injected'), 1);
    const nc = await request(`${rt.url()}/missing-cluster`, { headers: { host: 'paths' } });
    assert.equal(nc.status, 503);
    assert.equal(rt.counter('http.main.no_cluster'), 1);
  });

  it('counts HCM stats per stat prefix', async () => {
    assert.ok(rt.counter('http.main.downstream_rq_total') > 5);
    assert.ok(rt.counter('http.main.downstream_rq_2xx') > 0);
    assert.ok(rt.counter('http.main.downstream_rq_4xx') > 0);
    assert.ok(rt.counter('http.main.downstream_cx_total') > 0);
  });
});
