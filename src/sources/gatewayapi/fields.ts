/**
 * Field readers with the Gateway API's own CRD rules (apis/v1 kubebuilder markers and CEL rules):
 * names, groups, kinds, namespaces, hostnames, ports and durations. Messages keep the CRD's wording
 * where users may search for it, and say what is accepted instead.
 */
import { parseGoDurationNanos } from '../../lib/duration';
import type { FieldPath } from '../document';
import type { FieldReader } from '../fields';
import { isIpAddress } from '../names';

export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
/** GatewayClass, Gateway and HTTPRoute: v1 is the storage version, v1beta1 the same schema. */
export const GATEWAY_API_VERSIONS = ['v1', 'v1beta1'] as const;
/** ReferenceGrant was v1beta1 only until Gateway API v1.5 added v1; both carry one schema. */
export const REFERENCE_GRANT_VERSIONS = ['v1', 'v1beta1'] as const;

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const KIND = /^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
/** GEP-2257: a strict subset of Go's time.ParseDuration. */
export const GATEWAY_DURATION = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;
const CONTROLLER_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/;

/** A string field with a length range and a pattern, as a kubebuilder-validated type. */
function patterned(
  r: FieldReader, path: FieldPath, opts: { required?: boolean; min: number; max: number; pattern?: RegExp; what: string },
): string | undefined {
  const value = r.string(path, { required: opts.required });
  if (value === undefined) return undefined;
  if (value.length < opts.min) {
    r.error(path, `${opts.what} should be at least ${opts.min} chars long`);
    return undefined;
  }
  if (value.length > opts.max) {
    r.error(path, `${opts.what} may not be longer than ${opts.max} characters, got ${value.length}`);
    return undefined;
  }
  if (opts.pattern && !opts.pattern.test(value)) {
    r.error(path, `invalid ${opts.what} ${JSON.stringify(value)}: should match '${opts.pattern.source}'`);
    return undefined;
  }
  return value;
}

/** ObjectName: 1..253 characters. */
export function readObjectName(r: FieldReader, path: FieldPath, required = false): string | undefined {
  return patterned(r, path, { required, min: 1, max: 253, what: 'name' });
}

/** SectionName (a listener or rule name): a DNS-1123 subdomain, 1..253 characters. */
export function readSectionName(r: FieldReader, path: FieldPath, required = false): string | undefined {
  return patterned(r, path, { required, min: 1, max: 253, pattern: DNS_SUBDOMAIN, what: 'section name' });
}

/** Namespace: a DNS-1123 label, 1..63 characters. */
export function readNamespace(r: FieldReader, path: FieldPath, required = false): string | undefined {
  return patterned(r, path, { required, min: 1, max: 63, pattern: DNS_LABEL, what: 'namespace' });
}

/** Group: empty (the core group) or a DNS-1123 subdomain of at most 253 characters. */
export function readGroup(r: FieldReader, path: FieldPath, required = false): string | undefined {
  const value = r.string(path, { required });
  if (value === undefined || value === '') return value;
  return patterned(r, path, { min: 0, max: 253, pattern: DNS_SUBDOMAIN, what: 'group' });
}

/** Kind: 1..63 characters, `^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$`. */
export function readKind(r: FieldReader, path: FieldPath, required = false): string | undefined {
  return patterned(r, path, { required, min: 1, max: 63, pattern: KIND, what: 'kind' });
}

/** GatewayController: `DOMAIN/PATH`, e.g. `flomesh.io/gateway-controller`. */
export function readControllerName(r: FieldReader, path: FieldPath): string | undefined {
  return patterned(r, path, { required: true, min: 1, max: 253, pattern: CONTROLLER_NAME, what: 'controller name' });
}

/** HTTP header (or query parameter) name: 1..256 token characters; `:method` is refused. */
export function readHeaderName(r: FieldReader, path: FieldPath): string | undefined {
  return patterned(r, path, { required: true, min: 1, max: 256, pattern: HEADER_NAME, what: 'header name' });
}

/** Hostname: a lower-case RFC 1123 name, optionally `*.`-prefixed; IP addresses are not allowed. */
export function readHostname(r: FieldReader, path: FieldPath): string | undefined {
  const value = patterned(r, path, { min: 1, max: 253, pattern: HOSTNAME, what: 'hostname' });
  if (value !== undefined && isIpAddress(value)) {
    r.error(path, `invalid hostname ${JSON.stringify(value)}: IP addresses are not allowed; write a DNS name`);
    return undefined;
  }
  return value;
}

/** PortNumber: 1..65535. */
export function readPortNumber(r: FieldReader, path: FieldPath, required = false): number | undefined {
  const n = r.integer(path, { required });
  if (n === undefined) return undefined;
  if (n < 1 || n > 65535) {
    r.error(path, `${n} is out of range; a port number is 1..65535`);
    return undefined;
  }
  return n;
}

/** A Gateway API Duration (GEP-2257), in milliseconds: `10s`, `500ms`, `1h30m`; not `1.5s` or `2us`. */
export function readGatewayDuration(r: FieldReader, path: FieldPath): number | undefined {
  const text = r.string(path);
  if (text === undefined) return undefined;
  const nanos = GATEWAY_DURATION.test(text) ? parseGoDurationNanos(text) : undefined;
  if (nanos === undefined) {
    r.error(path, `invalid duration ${JSON.stringify(text)}: should match '${GATEWAY_DURATION.source}' (GEP-2257: up to four groups of 1-5 digits with h, m, s or ms, e.g. 10s, 500ms, 1m30s)`);
    return undefined;
  }
  return Number(nanos / 1_000_000n);
}

/** A list with the CRD's MinItems/MaxItems; the whole list is rejected when too long. */
export function readBoundedList(r: FieldReader, path: FieldPath, opts: { min?: number; max: number; required?: boolean }): unknown[] {
  const items = r.list(path, { required: opts.required }) ?? [];
  if (r.has(path) && opts.min !== undefined && items.length < opts.min) {
    r.error(path, `should have at least ${opts.min} item${opts.min === 1 ? '' : 's'}`);
  }
  if (items.length > opts.max) {
    r.error(path, `must have at most ${opts.max} items, got ${items.length}`);
    return items.slice(0, opts.max);
  }
  return items;
}

/** `value` if it is one of `allowed`, else an error naming the accepted values. */
export function readEnum<T extends string>(r: FieldReader, path: FieldPath, allowed: readonly T[], fallback?: T): T | undefined {
  const value = r.string(path);
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  r.error(path, `Unsupported value: ${JSON.stringify(value)}: supported values: ${allowed.map((a) => `"${a}"`).join(', ')}`);
  return undefined;
}
