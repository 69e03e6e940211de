/**
 * VirtualService `http[].fault`: Istio's webhook rules (validateHTTPFaultInjection, its abort
 * and delay parts) and what reaches the IR route (spec/sources-istio.md §3).
 */
import * as assert from 'node:assert/strict';
import { Codes } from '../../src/lib/errors';
import type { Route } from '../../src/ir/model';
import { compileYaml } from './pipeline';
import { expectError, expectWarning } from './validation';
import { httpEntry, vs } from './yaml';

/** A VirtualService for ok.example.com whose single route has the given `fault` block. */
function withFault(fault: string): string {
  const body = fault.trim().split('\n').map((l) => `    ${l}`).join('\n');
  return vs(`hosts: [ok.example.com]\nhttp:\n- route: [{destination: {host: ok.example.com}}]\n  fault:\n${body}`);
}

const F = 'spec.http[0].fault';

function routeOf(fault: string): Route {
  const { mesh } = compileYaml(`${httpEntry()}---\n${withFault(fault)}`);
  const route = mesh.virtualHosts.find((v) => v.host === 'ok.example.com')?.routes[0];
  assert.ok(route);
  return route;
}

describe('istio validation: http[].fault (validateHTTPFaultInjection, §3)', () => {
  it('needs a delay or an abort', () => {
    expectError(vs('hosts: [ok.example.com]\nhttp:\n- route: [{destination: {host: ok.example.com}}]\n  fault: {}'), F, 'fault: {}', 'HTTP fault injection must have an abort and/or a delay');
  });
  it('percentage.value is 0, or in [0.0001, 100]', () => {
    expectError(withFault('abort: {httpStatus: 503, percentage: {value: 101}}'), `${F}.abort.percentage.value`, 'abort', 'percentage 101 is neither 0.0, nor in range [0.0001, 100.0]');
    expectError(withFault('delay: {fixedDelay: 1s, percentage: {value: 0.00001}}'), `${F}.delay.percentage.value`, 'delay', 'is neither 0.0, nor in range');
  });
  it('httpStatus is 200-599 (600 passes Istio\'s webhook but Envoy rejects it)', () => {
    expectError(withFault('abort: {httpStatus: 199, percentage: {value: 1}}'), `${F}.abort.httpStatus`, 'abort', 'HTTP status 199 is not in range 200-599');
    const d = expectError(withFault('abort: {httpStatus: 600, percentage: {value: 1}}'), `${F}.abort.httpStatus`, 'abort', 'HTTP status 600 is not in range 200-599');
    assert.match(d.message, /Envoy rejects it/);
  });
  it('grpcStatus is a gRPC status name', () => {
    expectError(withFault('abort: {grpcStatus: NOPE, percentage: {value: 1}}'), `${F}.abort.grpcStatus`, 'abort', 'gRPC status "NOPE" is not supported');
  });
  it('http2Error is rejected; httpStatus and grpcStatus are exclusive', () => {
    expectError(withFault('abort: {http2Error: CANCEL}'), `${F}.abort.http2Error`, 'abort', 'HTTP/2 abort fault injection not supported yet');
    expectError(withFault('abort: {httpStatus: 503, grpcStatus: UNAVAILABLE, percentage: {value: 1}}'), `${F}.abort`, 'abort', 'only one of httpStatus or grpcStatus');
  });
  it('an abort without an error type is warned about and dropped', () => {
    expectWarning(withFault('abort: {percentage: {value: 10}}'), `${F}.abort`, 'abort configured, but error type not set', { code: Codes.SchemaValidation });
    assert.equal(routeOf('abort: {percentage: {value: 10}}\ndelay: {fixedDelay: 1s, percentage: {value: 1}}').fault?.abort, undefined);
  });
  it('fixedDelay is at least 1ms; exponentialDelay is rejected', () => {
    expectError(withFault('delay: {fixedDelay: 0s}'), `${F}.delay.fixedDelay`, 'delay', 'duration must be greater than 1ms');
    expectError(withFault('delay: {exponentialDelay: 1s}'), `${F}.delay.exponentialDelay`, 'delay', 'exponentialDelay not supported yet');
  });
  it('the deprecated delay.percent is 0..100', () => {
    expectError(withFault('delay: {fixedDelay: 1s, percent: 120}'), `${F}.delay.percent`, 'delay', 'percentage 120 is not in range 0..100');
  });
  it('no percentage: accepted, but warned that nothing happens', () => {
    expectWarning(withFault('abort: {httpStatus: 503}'), `${F}.abort`, 'no request is aborted', { code: Codes.SchemaValidation });
    expectWarning(withFault('delay: {fixedDelay: 1s}'), `${F}.delay`, 'no request is delayed', { code: Codes.SchemaValidation });
  });
  it('abort.percent (removed from the API) gets a hint', () => {
    expectWarning(withFault('abort: {httpStatus: 500, percent: 100, percentage: {value: 100}}'), `${F}.abort.percent`, 'write percentage: {value: N}');
  });
  it('fault with redirect is still rejected', () => {
    const t = vs('hosts: [a.example.com]\nhttp:\n- redirect: {uri: /x}\n  fault: {abort: {httpStatus: 500}}');
    expectError(t, 'spec.http[0]', 'redirect', 'HTTP route cannot contain both fault and redirect');
  });
});

describe('istio compile: http[].fault → IR route.fault (§3)', () => {
  it('delay: fixedDelay and percentage as written', () => {
    const r = routeOf('delay: {fixedDelay: 7s, percentage: {value: 50}}');
    assert.deepEqual(r.fault?.delay, { fixedDelayMs: 7000, percentage: 50 });
    assert.equal(r.fault?.source.kind, 'VirtualService');
  });
  it('delay: the deprecated percent counts only without percentage', () => {
    assert.deepEqual(routeOf('delay: {fixedDelay: 1s, percent: 30}').fault?.delay, { fixedDelayMs: 1000, percentage: 30 });
    assert.deepEqual(routeOf('delay: {fixedDelay: 1s, percent: 30, percentage: {value: 2.5}}').fault?.delay, { fixedDelayMs: 1000, percentage: 2.5 });
  });
  it('abort: gRPC names become codes', () => {
    assert.deepEqual(routeOf('abort: {grpcStatus: UNAVAILABLE, percentage: {value: 0.1}}').fault?.abort, { percentage: 0.1, grpcStatus: 14 });
    assert.deepEqual(routeOf('abort: {grpcStatus: DEADLINE_EXCEEDED}').fault?.abort, { percentage: 0, grpcStatus: 4 });
  });
  it('retries and timeout stay on a route with a fault, as Istio emits them', () => {
    const { mesh } = compileYaml(`${httpEntry()}---\n${vs('hosts: [ok.example.com]\nhttp:\n- route: [{destination: {host: ok.example.com}}]\n  timeout: 3s\n  retries: {attempts: 2, retryOn: 5xx}\n  fault: {abort: {httpStatus: 418, percentage: {value: 100}}}')}`);
    const r = mesh.virtualHosts[0].routes[0];
    assert.equal(r.timeoutMs, 3000);
    assert.equal(r.retry.policy?.retryOn, '5xx');
    assert.deepEqual(r.fault?.abort, { percentage: 100, httpStatus: 418 });
  });
});
