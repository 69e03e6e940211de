/**
 * VirtualService `http[].fault`: validation with Istio's webhook rules
 * (validateHTTPFaultInjection and its abort/delay parts) and the values Istio's translateFault
 * keeps (spec/sources-istio.md §3). Percentages stay as written (0-100); the translator encodes them.
 */
import { Codes } from '../../lib/errors';
import type { FaultPolicy } from '../../ir/model';
import type { FieldPath } from '../document';
import type { FieldReader } from '../fields';
import { readNumber, readPercentInt } from './policyGroups';
import { readDuration } from './validation';

export type FaultSpec = Omit<FaultPolicy, 'source'>;

/** gRPC status names Istio accepts (grpc.SupportedGRPCStatus), with their codes (§3). */
export const GRPC_STATUS: Readonly<Record<string, number>> = {
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, ABORTED: 10, OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14, DATA_LOSS: 15, UNAUTHENTICATED: 16,
};

/** exponentialDelay and http2Error are in the API but rejected below, as the webhook does. */
const DELAY_FIELDS = { supported: ['fixedDelay', 'percentage', 'percent', 'exponentialDelay'] } as const;
const ABORT_FIELDS = {
  supported: ['httpStatus', 'grpcStatus', 'percentage', 'http2Error'],
  misplaced: { percent: 'abort.percent was removed from the API and is not read; write percentage: {value: N} (as written, no request is aborted)' },
} as const;

/** Reads and validates `fault` at `path`; undefined when absent or when nothing survives. */
export function readFault(r: FieldReader, path: FieldPath): FaultSpec | undefined {
  if (r.mapping(path) === undefined) return undefined;
  r.checkFields(path, { supported: ['delay', 'abort'] });
  if (!r.has([...path, 'delay']) && !r.has([...path, 'abort'])) {
    r.error(path, 'HTTP fault injection must have an abort and/or a delay');
  }
  const out: FaultSpec = {};
  const delay = readDelay(r, [...path, 'delay']);
  if (delay) out.delay = delay;
  const abort = readAbort(r, [...path, 'abort']);
  if (abort) out.abort = abort;
  return out.delay || out.abort ? out : undefined;
}

function readDelay(r: FieldReader, path: FieldPath): FaultSpec['delay'] {
  if (r.mapping(path) === undefined) return undefined;
  r.checkFields(path, DELAY_FIELDS);
  if (r.has([...path, 'exponentialDelay'])) r.error([...path, 'exponentialDelay'], 'exponentialDelay not supported yet; use fixedDelay');
  const fixed = readDuration(r, [...path, 'fixedDelay']);
  const percentage = readPercentage(r, [...path, 'percentage']);
  // The deprecated int `percent` counts only when `percentage` is absent (translateFault).
  const percent = readPercentInt(r, [...path, 'percent']);
  if (fixed === undefined) {
    if (!r.has([...path, 'fixedDelay']) && !r.has([...path, 'exponentialDelay'])) r.warn(path, 'delay has no fixedDelay, so Istio drops it; add fixedDelay: 5s', Codes.SchemaValidation);
    return undefined;
  }
  const value = percentage ?? percent ?? 0;
  if (percentage === undefined && percent === undefined) noPercentage(r, path, 'delayed');
  return { fixedDelayMs: fixed, percentage: value };
}

function readAbort(r: FieldReader, path: FieldPath): FaultSpec['abort'] {
  if (r.mapping(path) === undefined) return undefined;
  r.checkFields(path, ABORT_FIELDS);
  if (r.has([...path, 'http2Error'])) r.error([...path, 'http2Error'], 'HTTP/2 abort fault injection not supported yet; use httpStatus or grpcStatus');
  const percentage = readPercentage(r, [...path, 'percentage']);
  const http = readHttpStatus(r, [...path, 'httpStatus']);
  const grpc = readGrpcStatus(r, [...path, 'grpcStatus']);
  if (r.has([...path, 'httpStatus']) && r.has([...path, 'grpcStatus'])) r.error(path, 'only one of httpStatus or grpcStatus may be set');
  if (!r.has([...path, 'httpStatus']) && !r.has([...path, 'grpcStatus']) && !r.has([...path, 'http2Error'])) {
    r.warn(path, 'abort configured, but error type not set; Istio drops it (set httpStatus or grpcStatus)', Codes.SchemaValidation);
  }
  if (http === undefined && grpc === undefined) return undefined;
  if (percentage === undefined) noPercentage(r, path, 'aborted');
  const out: NonNullable<FaultSpec['abort']> = { percentage: percentage ?? 0 };
  if (http !== undefined) out.httpStatus = http;
  else if (grpc !== undefined) out.grpcStatus = grpc;
  return out;
}

function noPercentage(r: FieldReader, path: FieldPath, what: string): void {
  r.warn(path, `no percentage is set, so no request is ${what} (Istio's default is 0%); add percentage: {value: 100} to apply it to every request`, Codes.SchemaValidation);
}

/** validatePercentage: 0, or a double in [0.0001, 100]. */
function readPercentage(r: FieldReader, path: FieldPath): number | undefined {
  if (r.mapping(path) === undefined) return undefined;
  r.checkFields(path, { supported: ['value'] });
  const v = readNumber(r, [...path, 'value']) ?? 0;
  if (v < 0 || v > 100 || (v > 0 && v < 0.0001)) {
    r.error([...path, 'value'], `percentage ${v} is neither 0.0, nor in range [0.0001, 100.0]`);
    return undefined;
  }
  return v;
}

/**
 * validateHTTPStatus accepts 200-600; Envoy's FaultAbort takes 200-599 and would reject the
 * whole route configuration for 600, so Ricochet refuses 600 here.
 */
function readHttpStatus(r: FieldReader, path: FieldPath): number | undefined {
  const status = r.integer(path);
  if (status === undefined) return undefined;
  if (status < 200 || status > 599) {
    const envoy = status === 600 ? ' (Istio\'s webhook lets 600 through, but Envoy rejects it)' : '';
    r.error(path, `HTTP status ${status} is not in range 200-599${envoy}`);
    return undefined;
  }
  return status;
}

function readGrpcStatus(r: FieldReader, path: FieldPath): number | undefined {
  const name = r.string(path);
  if (name === undefined) return undefined;
  const code = GRPC_STATUS[name];
  if (code === undefined) {
    r.error(path, `gRPC status ${JSON.stringify(name)} is not supported. See https://github.com/grpc/grpc/blob/master/doc/statuscodes.md for a list of supported codes, for example 'NOT_FOUND'`);
  }
  return code;
}
