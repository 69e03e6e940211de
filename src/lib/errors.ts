/**
 * Coded errors. Every problem a user can cause carries a stable code, the place it was found
 * (file, document, field path, line) and a message that says what is accepted instead.
 * Codes follow istioctl's message style in our own space (RCO = Ricochet).
 */

export type Severity = 'Error' | 'Warning' | 'Info';

export const Codes = {
  YamlSyntax: 'RCO0001',
  SchemaValidation: 'RCO0106',
  UnknownKind: 'RCO0107',
  MissingField: 'RCO0108',
  DuplicateObject: 'RCO0109',
  ReferencedResourceNotFound: 'RCO0101',
  UnsupportedField: 'RCO0133',
  ConflictingPolicies: 'RCO0140',
  KeptLastGood: 'RCO0150',
  FileRead: 'RCO0002',
  InvalidFlag: 'RCO0003',
  Internal: 'RCO0900',
} as const;
export type Code = (typeof Codes)[keyof typeof Codes];

/** Where in the user's input something was found. Every part is optional; fill what is known. */
export interface Location {
  file?: string;
  /** 0-based index of the YAML document in a multi-document file. */
  document?: number;
  /** Field path in Kubernetes style, e.g. `spec.http[0].retries.perTryTimeout`. */
  path?: string;
  /** 1-based line and column. */
  line?: number;
  column?: number;
}

/** The object a diagnostic is about, as `<Kind> <namespace>/<name>`. */
export interface ObjectRef {
  kind: string;
  namespace: string;
  name: string;
}

export interface Diagnostic {
  severity: Severity;
  code: Code;
  message: string;
  object?: ObjectRef;
  location?: Location;
}

/** Renders a diagnostic the way istioctl analyze does, with the location appended. */
export function formatDiagnostic(d: Diagnostic): string {
  // Cluster-scoped objects (GatewayClass, Kuma's Retry) have no namespace: `Kind name`.
  const obj = d.object ? ` (${d.object.kind} ${d.object.namespace ? `${d.object.namespace}/` : ''}${d.object.name})` : '';
  const where = formatLocation(d.location);
  return `${d.severity} [${d.code}]${obj} ${d.location?.path ? `${d.location.path}: ` : ''}${d.message}${where ? ` at ${where}` : ''}`;
}

export function formatLocation(loc: Location | undefined): string {
  if (!loc || !loc.file) return '';
  let s = loc.file;
  if (loc.line !== undefined) s += `:${loc.line}${loc.column !== undefined ? `:${loc.column}` : ''}`;
  if (loc.document !== undefined) s += ` (document ${loc.document + 1})`;
  return s;
}

/** An error thrown across module edges; carries the same fields as a Diagnostic. */
export class RicochetError extends Error {
  readonly code: Code;
  readonly location?: Location;
  constructor(code: Code, message: string, location?: Location) {
    super(message);
    this.name = 'RicochetError';
    this.code = code;
    this.location = location;
  }
}
