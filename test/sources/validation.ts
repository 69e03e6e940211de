/**
 * Test helpers for per-object validation tests: validate YAML holding one object, find the
 * diagnostic at a field path, and assert what it says (severity, code, line, file, object,
 * wording). Each test still states the path, line marker, message and code it expects.
 */
import * as assert from 'node:assert/strict';
import { Codes, type Diagnostic, type Severity } from '../../src/lib/errors';
import { parseDocuments } from '../../src/sources/document';
import { readObjects, validateObject } from '../../src/sources';
import type { SourceObject } from '../../src/sources/object';
import { lineOf } from './yaml';

/** The one object of `text` (its header must read cleanly) and its validation diagnostics. */
function validated(text: string): { object: SourceObject; diagnostics: Diagnostic[] } {
  const parsed = parseDocuments('input.yaml', text);
  const read = readObjects(parsed.documents);
  assert.deepEqual([...parsed.diagnostics, ...read.diagnostics], [], 'the header must be fine');
  assert.equal(read.objects.length, 1);
  return { object: read.objects[0], diagnostics: validateObject(read.objects[0]) };
}

/** Diagnostics of one object's validation, for YAML holding exactly one object. */
export function validateOne(text: string): Diagnostic[] {
  return validated(text).diagnostics;
}

export function errorsOf(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((d) => d.severity === 'Error');
}

/** Asserts exactly one diagnostic with this path exists and returns it. */
export function findAt(diagnostics: Diagnostic[], path: string): Diagnostic {
  const hits = diagnostics.filter((d) => d.location?.path === path);
  assert.equal(hits.length, 1, `expected one diagnostic at ${path}, got:\n${diagnostics.map((d) => `${d.location?.path}: ${d.message}`).join('\n')}`);
  return hits[0];
}

function assertMessage(d: Diagnostic, message: string): void {
  assert.ok(d.message.includes(message), `message ${JSON.stringify(d.message)} should contain ${JSON.stringify(message)}`);
}

/** `d` is an Error of `code`, in input.yaml on the line holding `marker`, naming `object`, saying `message`. */
function assertError(d: Diagnostic, object: SourceObject, text: string, marker: string, message: string, code: string): void {
  assert.equal(d.severity, 'Error', d.message);
  assert.equal(d.code, code);
  assert.equal(d.location?.line, lineOf(text, marker), `line of ${d.location?.path}`);
  assert.equal(d.location?.file, 'input.yaml');
  assert.deepEqual(d.object, { kind: object.kind, namespace: object.namespace, name: object.name });
  assertMessage(d, message);
}

/**
 * Asserts that validating `text` gives exactly one diagnostic at `path`, and that it is an Error of
 * `code`, in input.yaml on the line holding `marker`, naming the object, whose message contains
 * `message`.
 */
export function expectError(text: string, path: string, marker: string, message: string, code: string = Codes.SchemaValidation): Diagnostic {
  const { object, diagnostics } = validated(text);
  const d = findAt(diagnostics, path);
  assertError(d, object, text, marker, message, code);
  return d;
}

/** expectError for a field several rules refuse: the one diagnostic at `path` whose message contains `message`. */
export function expectErrorAmong(text: string, path: string, marker: string, message: string, code: string = Codes.SchemaValidation): Diagnostic {
  const { object, diagnostics } = validated(text);
  const d = findAt(diagnostics.filter((x) => x.message.includes(message)), path);
  assertError(d, object, text, marker, message, code);
  return d;
}

export interface ExpectedNote {
  /** Default UnsupportedField. */
  code?: string;
  /** Default Warning. */
  severity?: Severity;
  /** When given: the diagnostic is on the first line holding this text. */
  marker?: string;
}

/**
 * Asserts that validating `text` gives no Error and exactly one diagnostic at `path`: a Warning
 * (or `severity`) of `code` whose message contains `message`.
 */
export function expectWarning(text: string, path: string, message: string, expected: ExpectedNote = {}): Diagnostic {
  const ds = validateOne(text);
  assert.deepEqual(errorsOf(ds).map((d) => `${d.location?.path}: ${d.message}`), [], 'no errors expected');
  const d = findAt(ds, path);
  assert.equal(d.severity, expected.severity ?? 'Warning', d.message);
  assert.equal(d.code, expected.code ?? Codes.UnsupportedField);
  if (expected.marker !== undefined) assert.equal(d.location?.line, lineOf(text, expected.marker), `line of ${path}`);
  assertMessage(d, message);
  return d;
}

/** Asserts that validating `text` gives no Error; returns every diagnostic it gives. */
export function expectValid(text: string): Diagnostic[] {
  const ds = validateOne(text);
  assert.deepEqual(errorsOf(ds).map((d) => `${d.location?.path}: ${d.message}`), []);
  return ds;
}

/** Asserts that validating `text` gives neither an Error nor a Warning (Infos may remain). */
export function expectClean(text: string): void {
  assert.deepEqual(validateOne(text).filter((d) => d.severity !== 'Info').map((d) => `${d.severity} ${d.location?.path}: ${d.message}`), []);
}
