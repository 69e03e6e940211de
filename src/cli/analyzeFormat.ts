/**
 * Diagnostics in istioctl analyze's message format (ux-and-libraries.md §1.1, Istio's "Analyzer
 * Message Format"): `<Level> [<Code>] (<Kind> <name>.<namespace>[ <file>:<line>]) <details>`.
 * The resource is `name.namespace` as istioctl writes it (`Kind name` when cluster-scoped), and
 * the file position follows it inside the parentheses, as istioctl prints it for files. Our
 * details start with the field path, which istioctl has no room for but users need.
 * (formatDiagnostic in src/lib/errors.ts writes `Kind namespace/name` and the location last: that
 * is the format of `serve`'s logs and `translate`; `analyze` matches istioctl instead.)
 */
import type { Diagnostic, Severity } from '../lib/errors';

const LEVELS: Record<Severity, number> = { Info: 0, Warning: 1, Error: 2 };

export function levelAtLeast(severity: Severity, threshold: Severity): boolean {
  return LEVELS[severity] >= LEVELS[threshold];
}

/** `VirtualService reviews.default`, or `Retry web-to-backend` for a cluster-scoped kind. */
export function resourceName(d: Diagnostic): string | undefined {
  if (!d.object) return undefined;
  const { kind, namespace, name } = d.object;
  return namespace ? `${kind} ${name}.${namespace}` : `${kind} ${name}`;
}

/** `file:line`, as istioctl's reference to a position in a file; undefined when no file is known. */
export function reference(d: Diagnostic): string | undefined {
  const loc = d.location;
  if (!loc?.file) return undefined;
  return loc.line !== undefined ? `${loc.file}:${loc.line}` : loc.file;
}

export function formatAnalyzerMessage(d: Diagnostic): string {
  const origin = [resourceName(d), reference(d)].filter((s): s is string => s !== undefined).join(' ');
  const details = `${d.location?.path ? `${d.location.path}: ` : ''}${d.message}`;
  return `${d.severity} [${d.code}]${origin ? ` (${origin})` : ''} ${details}`;
}

/** One message as istioctl's `-o json|yaml` prints it: code, level, message, origin, reference. */
export interface AnalyzerMessageJson {
  code: string;
  level: Severity;
  message: string;
  origin?: string;
  reference?: string;
  path?: string;
}

export function analyzerMessageJson(d: Diagnostic): AnalyzerMessageJson {
  const out: AnalyzerMessageJson = { code: d.code, level: d.severity, message: d.message };
  const origin = resourceName(d);
  if (origin) out.origin = origin;
  const ref = reference(d);
  if (ref) out.reference = ref;
  if (d.location?.path) out.path = d.location.path;
  return out;
}

/**
 * istioctl's `--suppress "<code>=<Kind> <name>.<namespace>"`: `*` matches anything in either part
 * (`RCO0140=*`, `*=VirtualService *.default`). A diagnostic without a resource matches `*` only.
 */
export function suppressedBy(d: Diagnostic, rules: readonly string[]): boolean {
  return rules.some((rule) => {
    const eq = rule.indexOf('=');
    const [code, resource] = eq < 0 ? [rule, '*'] : [rule.slice(0, eq).trim(), rule.slice(eq + 1).trim()];
    return glob(code, d.code) && glob(resource, resourceName(d) ?? '');
  });
}

function glob(pattern: string, text: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(text);
}
