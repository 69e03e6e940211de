/** Test helpers: run the whole sources stage on YAML text, as a provider would. */
import * as assert from 'node:assert/strict';
import type { Diagnostic } from '../../src/lib/errors';
import type { Mesh } from '../../src/ir/model';
import { parseDocuments } from '../../src/sources/document';
import { compileMesh, readObjects, validateObject } from '../../src/sources';
import type { SourceObject } from '../../src/sources/object';

export interface PipelineResult {
  mesh: Mesh;
  /** Every diagnostic, in stage order: parse, read, validate (per object), compile. */
  diagnostics: Diagnostic[];
  accepted: SourceObject[];
}

export function runPipeline(text: string, file = 'input.yaml'): PipelineResult {
  const parsed = parseDocuments(file, text);
  const read = readObjects(parsed.documents);
  const diagnostics = [...parsed.diagnostics, ...read.diagnostics];
  const accepted: SourceObject[] = [];
  for (const object of read.objects) {
    const found = validateObject(object);
    diagnostics.push(...found);
    if (!found.some((d) => d.severity === 'Error')) accepted.push(object);
  }
  const compiled = compileMesh(accepted);
  diagnostics.push(...compiled.diagnostics);
  return { mesh: compiled.mesh, diagnostics, accepted };
}

/** Diagnostics of one object's validation, for YAML holding exactly one object. */
export function validateOne(text: string): Diagnostic[] {
  const parsed = parseDocuments('input.yaml', text);
  const read = readObjects(parsed.documents);
  assert.deepEqual([...parsed.diagnostics, ...read.diagnostics], [], 'the header must be fine');
  assert.equal(read.objects.length, 1);
  return validateObject(read.objects[0]);
}

/** Asserts exactly one diagnostic with this path exists and returns it. */
export function findAt(diagnostics: Diagnostic[], path: string): Diagnostic {
  const hits = diagnostics.filter((d) => d.location?.path === path);
  assert.equal(hits.length, 1, `expected one diagnostic at ${path}, got:\n${diagnostics.map((d) => `${d.location?.path}: ${d.message}`).join('\n')}`);
  return hits[0];
}
