import { LineCounter, parseAllDocuments, isMap, isNode, isScalar, type Document } from 'yaml';
import { Codes, type Diagnostic, type Location } from '../lib/errors';

/** A field path as a list of keys and indexes: `['spec', 'http', 0, 'retries']`. */
export type FieldPath = ReadonlyArray<string | number>;

/** Renders a field path Kubernetes-style: `spec.http[0].retries`. */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}

/**
 * One YAML (or JSON) document of a source file, as plain data plus a way back to the line
 * and column of any field, so errors can point at what the user wrote.
 */
export class SourceDocument {
  constructor(
    readonly file: string,
    readonly index: number,
    readonly value: unknown,
    private readonly doc: Document.Parsed | undefined,
    private readonly lines: LineCounter | undefined,
  ) {}

  /** A document built in memory (tests, the admin API): no positions. */
  static fromValue(value: unknown, file = '<memory>', index = 0): SourceDocument {
    return new SourceDocument(file, index, value, undefined, undefined);
  }

  /**
   * A scalar value itself (its exact column); for a map entry holding a collection, its key (so
   * `retries:` points at the `retries` line, not at the first line of its block value).
   */
  private keyOrNode(path: FieldPath): unknown {
    const last = path[path.length - 1];
    if (typeof last === 'string' && this.doc) {
      const parent = path.length === 1 ? this.doc.contents : this.doc.getIn(path.slice(0, -1), true);
      if (isMap(parent)) {
        const pair = parent.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === last);
        if (pair && !isScalar(pair.value) && isNode(pair.key)) return pair.key;
      }
    }
    return this.doc?.getIn(path, true);
  }

  /** Location of the node at `path`, falling back to the nearest ancestor that exists. */
  locate(path: FieldPath): Location {
    const loc: Location = { file: this.file, document: this.index, path: formatPath(path) };
    if (!this.doc || !this.lines) return loc;
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? this.doc.contents : this.keyOrNode(path.slice(0, n));
      if (isNode(node) && node.range) {
        const pos = this.lines.linePos(node.range[0]);
        loc.line = pos.line;
        loc.column = pos.col;
        break;
      }
    }
    return loc;
  }
}

/** Splits a file into documents. Syntax errors become diagnostics; empty documents are skipped. */
function unparsable(file: string, document: number | undefined, err: unknown): Diagnostic {
  const why = err instanceof RangeError ? 'nested too deeply' : err instanceof Error ? err.message.split('\n')[0] : String(err);
  const location: Diagnostic['location'] = { file };
  if (document !== undefined) location.document = document;
  return { severity: 'Error', code: Codes.YamlSyntax, message: `invalid YAML: ${why}`, location };
}

export function parseDocuments(file: string, text: string): { documents: SourceDocument[]; diagnostics: Diagnostic[] } {
  const lines = new LineCounter();
  const documents: SourceDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  let docs;
  try {
    const parsed = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    docs = Array.isArray(parsed) ? parsed : [];
  } catch (err) {
    // The yaml library throws (instead of reporting) on input nested too deeply for its parser.
    return { documents, diagnostics: [unparsable(file, undefined, err)] };
  }
  docs.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      for (const err of doc.errors) {
        const pos = lines.linePos(err.pos[0]);
        diagnostics.push({
          severity: 'Error',
          code: Codes.YamlSyntax,
          message: `invalid YAML: ${err.message.split('\n')[0]}`,
          location: { file, document: index, line: pos.line, column: pos.col },
        });
      }
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      // An alias to an undefined anchor (`a: *x`) or nesting past the stack throws here.
      diagnostics.push(unparsable(file, index, err));
      return;
    }
    if (value === null || value === undefined) return;
    documents.push(new SourceDocument(file, index, value, doc, lines));
  });
  return { documents, diagnostics };
}
