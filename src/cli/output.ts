/**
 * Output helpers shared by the client commands: aligned tables the way kubectl and istioctl print
 * them (Go's text/tabwriter with their settings), ages the way kubectl prints them, YAML and JSON.
 */

export interface TableStyle {
  /** tabwriter minwidth: the narrowest a column can be, padding included. */
  minWidth: number;
  /** Spaces after the widest cell of a column. */
  padding: number;
}

/** kubectl's printers.GetNewTabWriter: minwidth 6, padding 3. */
export const KUBECTL_TABLE: TableStyle = { minWidth: 6, padding: 3 };
/** istioctl's writers (proxy-status, proxy-config): minwidth 0, padding 5. */
export const ISTIOCTL_TABLE: TableStyle = { minWidth: 0, padding: 5 };

/**
 * Rows of cells → aligned text, one line per row. As with tabwriter, every column but the last is
 * padded to its widest cell; the last column is printed as is (no trailing spaces).
 */
export function formatTable(rows: readonly (readonly string[])[], style: TableStyle = KUBECTL_TABLE): string {
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const widths: number[] = [];
  for (let c = 0; c < columns - 1; c++) {
    widths[c] = Math.max(style.minWidth, ...rows.map((r) => (c < r.length - 1 ? width(r[c]) + style.padding : 0)));
  }
  return rows.map((r) => r.map((cell, c) => (c < r.length - 1 ? cell + ' '.repeat(widths[c] - width(cell)) : cell)).join('')).map((l) => `${l}\n`).join('');
}

/** Display width; our cells are ASCII or simple Unicode, one column per code point. */
function width(s: string): number {
  return [...s].length;
}

/**
 * kubectl's age (k8s.io/apimachinery duration.HumanDuration): seconds up to 2 minutes, then
 * minutes (with seconds under 10 minutes), hours (with minutes under 8 hours), days, years.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${hours % 24}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 365 * 2) return `${days}d`;
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${Math.trunc(days / 365)}y` : `${Math.trunc(days / 365)}y${days % 365}d`;
  return `${Math.trunc(days / 365)}y`;
}

/** Age of an RFC 3339 timestamp, or `<unknown>` as kubectl prints for a missing one. */
export function ageOf(timestamp: unknown, now = Date.now()): string {
  if (typeof timestamp !== 'string') return '<unknown>';
  const at = Date.parse(timestamp);
  return Number.isNaN(at) ? '<unknown>' : humanDuration(now - at);
}

/** JSON as kubectl prints it: two-space indent, trailing newline. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * YAML as kubectl prints it (block style, sequences not indented under their key, no line
 * folding). Loaded lazily: the yaml module is slow to load.
 */
export async function toYaml(value: unknown): Promise<string> {
  const { stringify } = await import('yaml');
  return stringify(value, { lineWidth: 0, indentSeq: false });
}

/** A table cell from any JSON value: strings as is, null as empty, the rest as JSON. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}
