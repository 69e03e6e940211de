/**
 * Request bodies: the raw bytes (the object routes take every content type as a Buffer, so the
 * decision and the error are ours, as a Status), strict UTF-8, then JSON or YAML by Content-Type.
 * YAML goes through the project's reader (src/sources/document.ts) so validation errors carry the
 * line the user wrote (spec/kubectl-1.20.md §9; issue 5 "where the input was YAML, its line").
 */
import { parseDocuments, SourceDocument } from '../../sources/document';
import { jsonProblem } from './json';
import { badRequest, unsupportedMediaType } from './status';

export type BodyFormat = 'json' | 'yaml';

export interface DecodedBody {
  value: unknown;
  /** For line lookups; a JSON body has no positions. */
  document: SourceDocument;
  format: BodyFormat;
}

/** How error locations name a request body. */
export const REQUEST_BODY = 'request body';

export const JSON_TYPES = ['application/json'];
export const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];

/** `application/json; charset=utf-8` → `application/json`. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0].trim().toLowerCase();
}

/** The body as text; bytes that are not UTF-8 are refused rather than silently replaced. */
export function bodyText(body: unknown): string {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (!Buffer.isBuffer(body)) throw badRequest('the request body could not be read');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw badRequest('the request body is not valid UTF-8');
  }
}

export function parseJsonText(text: string): unknown {
  if (text.trim() === '') throw badRequest('the request body is empty; send a JSON object');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badRequest(`the request body is not valid JSON: ${(err as Error).message}`);
  }
  checkJson(value);
  return value;
}

export function checkJson(value: unknown): void {
  const problem = jsonProblem(value);
  if (problem) throw badRequest(problem);
}

/**
 * The project's YAML reader, guarded: what it throws instead of reporting is the client's 400,
 * never the server's 500. Seen by the fuzz test: a document nested deep enough overflows the
 * parser's stack (RangeError); an alias to an anchor defined nowhere (`a: *x`) throws a
 * ReferenceError from the yaml library's toJS.
 */
export function parseYamlDocuments(file: string, text: string): ReturnType<typeof parseDocuments> {
  try {
    return parseDocuments(file, text);
  } catch (err) {
    if (err instanceof RangeError) throw badRequest('the YAML nests too deeply to be read');
    throw badRequest(`invalid YAML: ${(err as Error).message}`);
  }
}

/** Exactly one YAML document, with positions; syntax errors name their line. */
export function parseYamlText(text: string, file = REQUEST_BODY): SourceDocument {
  const { documents, diagnostics } = parseYamlDocuments(file, text);
  if (diagnostics.length > 0) {
    throw badRequest(diagnostics.slice(0, 5).map((d) => `${d.message} (line ${d.location?.line ?? '?'})`).join('; '));
  }
  if (documents.length !== 1) throw badRequest(`the request body must hold exactly one YAML document, found ${documents.length}`);
  checkJson(documents[0].value);
  return documents[0];
}

/** A create or replace body: one object as JSON or YAML. */
export function decodeObjectBody(body: unknown, contentType: string | undefined): DecodedBody {
  const type = mediaType(contentType);
  const text = bodyText(body);
  if (type === '' || JSON_TYPES.includes(type)) {
    const value = parseJsonText(text);
    return { value, document: SourceDocument.fromValue(value, REQUEST_BODY), format: 'json' };
  }
  if (YAML_TYPES.includes(type)) {
    const document = parseYamlText(text);
    return { value: document.value, document, format: 'yaml' };
  }
  throw unsupportedMediaType(type, [...JSON_TYPES, ...YAML_TYPES]);
}
