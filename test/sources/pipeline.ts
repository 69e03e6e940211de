/**
 * Test helpers: the whole sources stage on YAML text for one proxy, as a provider and `serve` run
 * it (parse → read → validate, leaving out objects with Errors → compileMesh), and the Envoy
 * resources that proxy gets. Every source test compiles through here.
 */
import type { Diagnostic } from '../../src/lib/errors';
import { DEFAULT_PROXY, type Mesh, type ObjectCondition, type ProxyIdentity } from '../../src/ir/model';
import { parseDocuments } from '../../src/sources/document';
import { compileMesh, DEFAULT_COMPILE_OPTIONS, readObjects, validateObject, type CompileOptions } from '../../src/sources';
import type { SourceObject } from '../../src/sources/object';
import { translateMesh, DEFAULT_TRANSLATE_OPTIONS } from '../../src/xds/translate';
import { resourcesAsJson } from '../../src/admin/configDump';
import type { JsonObject } from '../../src/lib/protos/protoJson';

export interface Accepted {
  /** The objects validation left in (no Error). */
  accepted: SourceObject[];
  /** Parse, read and validate (per object) diagnostics, in that order. */
  diagnostics: Diagnostic[];
}

export interface Compiled extends Accepted {
  mesh: Mesh;
  /** Every diagnostic, in stage order: parse, read, validate (per object), then compile. */
  diagnostics: Diagnostic[];
  conditions: ObjectCondition[];
}

/** Parse, read and validate `text`; objects with a validation Error are left out, as in `serve`. */
export function acceptYaml(text: string, file = 'input.yaml'): Accepted {
  const parsed = parseDocuments(file, text);
  const read = readObjects(parsed.documents);
  const diagnostics = [...parsed.diagnostics, ...read.diagnostics];
  const accepted: SourceObject[] = [];
  for (const object of read.objects) {
    const found = validateObject(object);
    diagnostics.push(...found);
    if (!found.some((d) => d.severity === 'Error')) accepted.push(object);
  }
  return { accepted, diagnostics };
}

/** The whole sources stage on `text` for `proxy` (default: the default sidecar). */
export function compileYaml(text: string, proxy: ProxyIdentity = DEFAULT_PROXY, options: CompileOptions = DEFAULT_COMPILE_OPTIONS): Compiled {
  const { accepted, diagnostics } = acceptYaml(text);
  const compiled = compileMesh(accepted, proxy, options);
  return { mesh: compiled.mesh, diagnostics: [...diagnostics, ...compiled.diagnostics], conditions: compiled.conditions, accepted };
}

/** The Envoy resources a proxy gets for this mesh, as `translate` prints them. */
export function envoyJson(mesh: Mesh): JsonObject {
  return resourcesAsJson(translateMesh(mesh, DEFAULT_TRANSLATE_OPTIONS));
}

/** A sidecar in `namespace`. */
export function sidecarIn(namespace: string): ProxyIdentity {
  return { ...DEFAULT_PROXY, namespace };
}

/** The proxy of Gateway `namespace/name`. */
export function gatewayProxy(namespace: string, name: string): ProxyIdentity {
  return { role: 'gateway', namespace, serviceAccount: 'default', labels: {}, gateway: { namespace, name } };
}
