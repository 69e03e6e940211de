/**
 * What the router tells a host's outlier detector (Envoy's router.cc and upstream_request.cc):
 *
 * - stream obtained from the pool → LocalOriginConnectSuccess (only the split mode counts it);
 * - response headers → putHttpResponseCode(status), or for a gRPC request with grpc-status in
 *   the headers, the HTTP code that status maps to (trailers are never looked at);
 * - a reset of any reason but overflow (connect failure or timeout, disconnect, RST_STREAM,
 *   protocol error) → LocalOriginConnectFailed (503 without the split). A circuit-breaker
 *   overflow says nothing about the host and is not reported (envoy issue #25487);
 * - a per-try timeout, or the route timeout for an attempt still waiting for headers →
 *   LocalOriginTimeout with the timeout response code (504, or 204 with the alt-response header),
 *   once per attempt (a hedged attempt records it at its soft timeout).
 */
import type { HeaderMap, ResetReason } from '../retry/api';
import { headerValue } from '../retry/headers';
import { atoiUnsigned } from '../retry/numbers';
import type { Host } from '../upstream/host';
import { grpcToHttpStatus } from '../upstream/outlier';

/** Grpc::Common::isGrpcRequestHeaders: content-type application/grpc, or with a `+`/`;` suffix. */
export function isGrpcRequest(headers: HeaderMap): boolean {
  const ct = headerValue(headers, 'content-type');
  if (ct === undefined || !ct.startsWith('application/grpc')) return false;
  const next = ct.charAt('application/grpc'.length);
  return next === '' || next === '+' || next === ';';
}

/** The code the detector sees for a response (Filter::onUpstreamHeaders). */
export function outlierResponseCode(status: number, headers: HeaderMap, grpcRequest: boolean): number {
  if (!grpcRequest) return status;
  const raw = headerValue(headers, 'grpc-status');
  if (raw === undefined || raw === '') return status;
  const v = atoiUnsigned(raw, 64);
  // Not a number, or beyond the known codes: InvalidCode, which maps to 500.
  return grpcToHttpStatus(v === undefined || v > 16n ? -1 : Number(v));
}

export function reportResponse(host: Host, status: number, headers: HeaderMap, grpcRequest: boolean): void {
  host.outlier?.putHttpResponseCode(outlierResponseCode(status, headers, grpcRequest));
}

export function reportConnected(host: Host): void {
  host.outlier?.putResult('local-origin-connect-success');
}

export function reportReset(host: Host, reason: ResetReason): void {
  if (reason !== 'overflow') host.outlier?.putResult('local-origin-connect-failed');
}

export function reportTimeout(host: Host, timeoutCode: number): void {
  host.outlier?.putResult('local-origin-timeout', timeoutCode);
}
