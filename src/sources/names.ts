/**
 * Name and address checks shared by every source system: DNS-1123 names (Kubernetes object
 * names, hostnames), Kubernetes labels, IP addresses and CIDR blocks. Each returns an error
 * message, or undefined when the value is fine, so callers can attach their own path and code.
 */
import { isIP } from 'node:net';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const WILDCARD_LABEL = /^(\*|(\*|\*-)?[a-z0-9]([-a-z0-9]*[a-z0-9])?)$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

export function isDns1123Label(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}

export function isDns1123Subdomain(value: string): boolean {
  return value.length > 0 && value.length <= 253 && value.split('.').every(isDns1123Label);
}

export function isIpAddress(value: string): boolean {
  return isIP(value) !== 0;
}

/** `a.b.c.d/n` or `x::y/n`, as Go's net.ParseCIDR accepts them. */
export function isCidr(value: string): boolean {
  const parts = value.split('/');
  if (parts.length !== 2 || !/^\d{1,3}$/.test(parts[1])) return false;
  const family = isIP(parts[0]);
  const bits = Number(parts[1]);
  return (family === 4 && bits <= 32) || (family === 6 && bits <= 128);
}

function checkLength(domain: string): string | undefined {
  if (domain.length > 255) return `domain name ${JSON.stringify(domain)} too long (max 255)`;
  if (domain.length === 0) return 'empty domain name not allowed';
  return undefined;
}

function checkLabels(whole: string, rest: string): string | undefined {
  const parts = rest.split('.');
  const tld = parts[parts.length - 1];
  if (/^[+-]?\d+$/.test(tld)) return `domain name ${JSON.stringify(whole)} invalid (top level domain ${JSON.stringify(tld)} cannot be all-numeric)`;
  for (let i = 0; i < parts.length; i++) {
    // A trailing dot (`istio.io.`) is an unambiguous absolute name, and allowed.
    if (i === parts.length - 1 && parts[i] === '') return undefined;
    if (!isDns1123Label(parts[i])) return `domain name ${JSON.stringify(whole)} invalid (label ${JSON.stringify(parts[i])} invalid)`;
  }
  return undefined;
}

/** A fully qualified (or short) DNS name of lower-case DNS-1123 labels, as Istio's ValidateFQDN. */
export function fqdnError(domain: string): string | undefined {
  return checkLength(domain) ?? checkLabels(domain, domain);
}

/** Like `fqdnError`, but the first label may be a wildcard (`*.example.com`), as Istio's ValidateWildcardDomain. */
export function wildcardDomainError(domain: string): string | undefined {
  const pre = checkLength(domain);
  if (pre) return pre;
  const dot = domain.indexOf('.');
  const first = dot < 0 ? domain : domain.slice(0, dot);
  if (first.length > 63 || !WILDCARD_LABEL.test(first)) return `domain name ${JSON.stringify(domain)} invalid (label ${JSON.stringify(first)} invalid)`;
  return dot < 0 ? undefined : checkLabels(domain, domain.slice(dot + 1));
}

/** A Kubernetes label key (`[prefix/]name`). */
export function labelKeyError(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && !isDns1123Subdomain(prefix)) return `invalid label key ${JSON.stringify(key)}: prefix must be a DNS-1123 subdomain`;
  if (name.length > 63 || !QUALIFIED_NAME.test(name)) return `invalid label key ${JSON.stringify(key)}: name must be 63 characters or less, alphanumeric, '-', '_' or '.', starting and ending alphanumeric`;
  return undefined;
}

/** A Kubernetes label value (may be empty). */
export function labelValueError(value: string): string | undefined {
  if (value === '' || (value.length <= 63 && QUALIFIED_NAME.test(value))) return undefined;
  return `invalid label value ${JSON.stringify(value)}: must be 63 characters or less, alphanumeric, '-', '_' or '.', starting and ending alphanumeric`;
}
