/**
 * IR route fault → the route's typedPerFilterConfig for envoy.filters.http.fault, encoded as
 * Istio does (spec/sources-istio.md §3), and accepted by Envoy's protos.
 */
import * as assert from 'node:assert/strict';
import { decodeJson, encodeJson, type JsonObject } from '../../src/lib/protos/protoJson';
import type { FaultPolicy, Provenance, Route } from '../../src/ir/model';
import { FAULT_FILTER, faultFilterConfig, millionPercentage } from '../../src/xds/translate/fault';
import { envoyRoute } from '../../src/xds/translate/route';

const VS: Provenance = { kind: 'VirtualService', apiVersion: 'networking.istio.io/v1', namespace: 'default', name: 'vs' };

function route(fault: Omit<FaultPolicy, 'source'>): Route {
  return {
    match: { uri: { prefix: '/' }, headers: [] },
    destinations: [{ host: 'a.example.com', port: 80, weight: 100 }],
    timeoutMs: 0,
    retry: { policy: null, from: 'default', reason: 'test', level: 'default' },
    fault: { ...fault, source: VS },
    source: VS,
  };
}

/** The route as Envoy's protos read it back must equal what we wrote. */
function roundTrip(r: JsonObject): void {
  const type = 'envoy.config.route.v3.Route';
  assert.deepEqual(decodeJson(type, encodeJson(type, r)), r);
}

describe('translate: fault injection per route (sources-istio.md §3)', () => {
  it('percentages go out per MILLION, truncated like Go\'s uint32(p*10000)', () => {
    assert.deepEqual(millionPercentage(50), { numerator: 500000, denominator: 'MILLION' });
    assert.deepEqual(millionPercentage(0.1), { numerator: 1000, denominator: 'MILLION' });
    // 0.57 * 10000 is 5699.999999999999 in IEEE doubles, in Go as here.
    assert.deepEqual(millionPercentage(0.57), { numerator: 5699, denominator: 'MILLION' });
    assert.deepEqual(millionPercentage(33.33333), { numerator: 333333, denominator: 'MILLION' });
    assert.deepEqual(millionPercentage(100), { numerator: 1000000, denominator: 'MILLION' });
    assert.equal(millionPercentage(0), undefined);
  });

  it('delay and abort with an HTTP status land in typedPerFilterConfig', () => {
    const r = envoyRoute(route({ delay: { fixedDelayMs: 7000, percentage: 50 }, abort: { httpStatus: 418, percentage: 100 } }));
    assert.deepEqual(r.typedPerFilterConfig, {
      [FAULT_FILTER]: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
        delay: { fixedDelay: '7s', percentage: { numerator: 500000, denominator: 'MILLION' } },
        abort: { httpStatus: 418, percentage: { numerator: 1000000, denominator: 'MILLION' } },
      },
    });
    roundTrip(r);
  });

  it('a gRPC abort carries the status number', () => {
    const r = envoyRoute(route({ abort: { grpcStatus: 14, percentage: 0.1 } }));
    assert.deepEqual((r.typedPerFilterConfig as JsonObject)[FAULT_FILTER], {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
      abort: { grpcStatus: 14, percentage: { numerator: 1000, denominator: 'MILLION' } },
    });
    roundTrip(r);
  });

  it('0% leaves the percentage out (Envoy reads that as never); a fault with nothing left emits no config', () => {
    const c = faultFilterConfig({ abort: { httpStatus: 503, percentage: 0 }, source: VS });
    assert.deepEqual(c?.abort, { httpStatus: 503 });
    assert.equal(faultFilterConfig({ source: VS }), undefined);
    assert.equal(envoyRoute(route({})).typedPerFilterConfig, undefined);
  });

  it('sub-second delays use proto3 JSON durations', () => {
    assert.deepEqual(faultFilterConfig({ delay: { fixedDelayMs: 5, percentage: 30 }, source: VS })?.delay, { fixedDelay: '0.005s', percentage: { numerator: 300000, denominator: 'MILLION' } });
  });
});
