/**
 * Entry points of the sources stage: documents → objects (header checks, kind registry),
 * per-object validation with each system's own rules, and compilation of valid objects into
 * one deterministic mesh model.
 */
import { Codes, type Diagnostic } from '../lib/errors';
import type { Mesh } from '../ir/model';
import type { SourceDocument } from './document';
import { readHeader } from './header';
import { objectKey, type SourceObject } from './object';
import { compareStrings } from './provenance';
import { lookupKind, SYSTEMS, type KindEntry } from './registry';

export type { KindEntry, SourceSystem, SystemOutput } from './registry';
export { SYSTEMS } from './registry';

/**
 * Reads object headers. Malformed headers are errors; kinds no system reads are warnings; both
 * leave the object out. A second object with the same identity is an error and is left out.
 */
export function readObjects(documents: SourceDocument[]): { objects: SourceObject[]; diagnostics: Diagnostic[] } {
  const objects: SourceObject[] = [];
  const diagnostics: Diagnostic[] = [];
  const seen = new Map<string, SourceObject>();
  for (const document of documents) {
    const header = readHeader(document);
    diagnostics.push(...header.diagnostics);
    const object = header.object;
    if (!object) continue;
    const unknown = unknownKind(object);
    if (unknown) {
      diagnostics.push(unknown);
      continue;
    }
    const first = seen.get(objectKey(object));
    if (first) {
      diagnostics.push(duplicate(object, first));
      continue;
    }
    seen.set(objectKey(object), object);
    objects.push(object);
  }
  return { objects, diagnostics };
}

/** Validates one object with its system's rules; any Error means the object is rejected. */
export function validateObject(object: SourceObject): Diagnostic[] {
  const entry = servedEntry(object);
  if (!entry) return [{ ...(unknownKind(object) as Diagnostic), severity: 'Error' }];
  return entry.validate(object);
}

/**
 * Compiles valid objects into the mesh. Cross-object findings are warnings. Output is sorted
 * by host then port (services by host then namespace), whatever the input order.
 */
export function compileMesh(objects: SourceObject[]): { mesh: Mesh; diagnostics: Diagnostic[] } {
  const mesh: Mesh = { services: [], virtualHosts: [] };
  const diagnostics: Diagnostic[] = [];
  for (const system of SYSTEMS) {
    const own = objects.filter((o) => system.kinds.some((k) => k.group === o.group && k.kind === o.kind));
    const out = system.compile(own);
    mesh.services.push(...out.services);
    mesh.virtualHosts.push(...out.virtualHosts);
    diagnostics.push(...out.diagnostics);
  }
  mesh.services.sort((a, b) => compareStrings(a.host, b.host) || compareStrings(a.namespace, b.namespace));
  mesh.virtualHosts.sort((a, b) => compareStrings(a.host, b.host) || a.port - b.port);
  return { mesh, diagnostics };
}

function servedEntry(object: SourceObject): KindEntry | undefined {
  const { entry } = lookupKind(object.group, object.kind);
  return entry && entry.versions.includes(object.version) ? entry : undefined;
}

/** The UnknownKind warning for an object no system reads, or undefined when one does. */
function unknownKind(object: SourceObject): Diagnostic | undefined {
  const { system, entry } = lookupKind(object.group, object.kind);
  if (entry && entry.versions.includes(object.version)) return undefined;
  let message: string;
  if (entry) {
    message = `${object.kind} ${object.apiVersion} is not a served version; accepted: ${entry.versions.map((v) => `${entry.group}/${v}`).join(', ')}; skipped`;
  } else if (system?.knownUnsupportedKinds?.includes(object.kind)) {
    message = `${object.kind} (${object.apiVersion}) is not supported by Ricochet yet; skipped`;
  } else {
    message = `unknown kind ${object.kind} (${object.apiVersion}); supported: ${supportedKinds()}; skipped`;
  }
  const { kind, namespace, name, document } = object;
  return { severity: 'Warning', code: Codes.UnknownKind, message, object: { kind, namespace, name }, location: document.locate(['kind']) };
}

function supportedKinds(): string {
  return SYSTEMS.flatMap((s) => s.kinds.map((k) => `${k.kind} (${k.group})`)).join(', ');
}

function duplicate(object: SourceObject, first: SourceObject): Diagnostic {
  const where = first.document.locate([]);
  const at = where.file ? ` at ${where.file}${where.line !== undefined ? `:${where.line}` : ''}` : '';
  const { kind, namespace, name, document } = object;
  return {
    severity: 'Error',
    code: Codes.DuplicateObject,
    message: `${kind} ${namespace}/${name} is defined twice; the first definition${at} is kept, this one is ignored`,
    object: { kind, namespace, name },
    location: document.locate(['metadata', 'name']),
  };
}
