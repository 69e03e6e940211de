/**
 * `kubectl get` output: the server-side `Table` (meta.k8s.io) kubectl asks for with
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io,…` (spec/kubectl-1.20.md §5.1, §5.2).
 * Columns per kind come from ./columns.ts; every row carries its object (PartialObjectMetadata,
 * or the full object with `includeObject=Object`), without which kubectl prints empty NAMESPACE
 * and LABELS columns and panics on `--sort-by` (§11 pitfall 13).
 *
 * The object routes call `renderTable` for lists, single objects and every watch event (a
 * one-row Table per event, §6: never mix Tables and plain objects in one stream).
 */
import type { ApiResource } from './resources';
import type { PrinterColumn } from './columns';

export type TableApiVersion = 'meta.k8s.io/v1' | 'meta.k8s.io/v1beta1';

/** What a row embeds (`?includeObject=`); the apiserver's default is Metadata. */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRow {
  cells: Array<string | number | boolean | null>;
  object?: Record<string, unknown>;
}

export interface Table {
  kind: 'Table';
  apiVersion: TableApiVersion;
  metadata: { resourceVersion?: string; continue?: string };
  /** `null` on watch events after the first is allowed (§6); lists always carry them. */
  columnDefinitions: TableColumnDefinition[] | null;
  rows: TableRow[];
}

/** An object as stored or served (with `status` when the API computed one). */
export type TableObject = Readonly<Record<string, unknown>> & { metadata?: unknown };

export interface TableOptions {
  /** From the Accept header (`tableRequested`); default meta.k8s.io/v1. */
  apiVersion?: TableApiVersion;
  /** From `?includeObject=` (`parseIncludeObject`); default Metadata. */
  includeObject?: IncludeObject;
  /** The list's (or the event's) resourceVersion; `kubectl get -w` resumes from it (§6). */
  resourceVersion?: string;
  /** Only when there really is a next page (§11 pitfall 21). */
  continue?: string;
  /** Watch events after the first may leave the column definitions out (§6). */
  omitColumnDefinitions?: boolean;
  /** Clock for the AGE column, ms since the epoch; default now. */
  now?: number;
}

const NAME_COLUMN: TableColumnDefinition = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated.',
  priority: 0,
};

function definition(c: PrinterColumn): TableColumnDefinition {
  return { name: c.name, type: c.type, format: '', description: c.description, priority: c.priority ?? 0 };
}

/** The Table for `objects` of `resource`, in the given order (the caller sorts and filters). */
export function renderTable(resource: ApiResource, objects: readonly TableObject[], opts: TableOptions = {}): Table {
  const now = opts.now ?? Date.now();
  const include = opts.includeObject ?? 'Metadata';
  const metadata: Table['metadata'] = {};
  if (opts.resourceVersion !== undefined) metadata.resourceVersion = opts.resourceVersion;
  if (opts.continue) metadata.continue = opts.continue;
  return {
    kind: 'Table',
    apiVersion: opts.apiVersion ?? 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: opts.omitColumnDefinitions ? null : [NAME_COLUMN, ...resource.columns.map(definition)],
    rows: objects.map((o) => row(resource, o, include, now)),
  };
}

function row(resource: ApiResource, object: TableObject, include: IncludeObject, now: number): TableRow {
  const meta = metadataOf(object);
  const cells: TableRow['cells'] = [typeof meta.name === 'string' ? meta.name : null];
  for (const column of resource.columns) {
    const value = column.cell(object);
    cells.push(column.type === 'date' ? ageCell(value, now) : value);
  }
  const out: TableRow = { cells };
  if (include === 'Object') out.object = { ...object };
  else if (include === 'Metadata') out.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { ...meta } };
  return out;
}

function metadataOf(object: TableObject): Record<string, unknown> {
  const meta = object.metadata;
  return meta !== null && typeof meta === 'object' && !Array.isArray(meta) ? (meta as Record<string, unknown>) : {};
}

function ageCell(value: unknown, now: number): string {
  const at = typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(at)) return '<unknown>';
  return humanDuration(now - at);
}

/**
 * An age as kubectl and the apiserver print it (apimachinery's duration.HumanDuration): seconds
 * below 2 minutes, then minutes (with seconds below 10m), hours (with minutes below 8h), days
 * (with hours below 8d), years.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000); // Go's int(d.Seconds()) truncates toward zero
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.floor(hours / 24) % 365;
    return days === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${days}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

/**
 * Whether the Accept header asks for a Table, and which version: the first media range we can
 * serve wins, as in the apiserver's negotiation. kubectl's exact header is
 * `application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json`.
 * Returns undefined when a plain JSON object or list is wanted first (or nothing was asked).
 */
export function tableRequested(accept: string | undefined): TableApiVersion | undefined {
  if (!accept) return undefined;
  for (const range of accept.split(',')) {
    const [type, ...paramList] = range.split(';').map((p) => p.trim());
    const mediaType = (type ?? '').toLowerCase();
    if (mediaType !== 'application/json' && mediaType !== '*/*' && mediaType !== 'application/*') continue;
    const params = new Map(paramList.map((p) => {
      const eq = p.indexOf('=');
      return eq < 0 ? [p.toLowerCase(), ''] : [p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim()];
    }));
    const as = params.get('as');
    if (as === undefined) return undefined;
    if (as === 'Table' && params.get('g') === 'meta.k8s.io') {
      const v = params.get('v');
      if (v === 'v1') return 'meta.k8s.io/v1';
      if (v === 'v1beta1') return 'meta.k8s.io/v1beta1';
    }
  }
  return undefined;
}

/** `?includeObject=` → IncludeObject; anything else (absent, misspelled) → the default, Metadata. */
export function parseIncludeObject(value: unknown): IncludeObject {
  return value === 'None' || value === 'Object' || value === 'Metadata' ? value : 'Metadata';
}
