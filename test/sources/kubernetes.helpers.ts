/** Test helpers for the Kubernetes registry: the sources stage for one proxy, and Envoy JSON. */
import type { Diagnostic } from '../../src/lib/errors';
import { DEFAULT_PROXY, type Mesh, type ProxyIdentity } from '../../src/ir/model';
import { parseDocuments } from '../../src/sources/document';
import { compileMesh, DEFAULT_COMPILE_OPTIONS, readObjects, validateObject, type CompileOptions } from '../../src/sources';
import type { SourceObject } from '../../src/sources/object';
import { translateMesh, DEFAULT_TRANSLATE_OPTIONS } from '../../src/xds/translate';
import { resourcesAsJson } from '../../src/admin/configDump';
import type { JsonObject } from '../../src/lib/protos/protoJson';

export interface Compiled {
  mesh: Mesh;
  diagnostics: Diagnostic[];
  accepted: SourceObject[];
}

/** Parse, read, validate and compile YAML text for `proxy`, as a provider and `serve` would. */
export function compileYaml(text: string, proxy: ProxyIdentity = DEFAULT_PROXY, options: CompileOptions = DEFAULT_COMPILE_OPTIONS): Compiled {
  const parsed = parseDocuments('input.yaml', text);
  const read = readObjects(parsed.documents);
  const diagnostics = [...parsed.diagnostics, ...read.diagnostics];
  const accepted: SourceObject[] = [];
  for (const object of read.objects) {
    const found = validateObject(object);
    diagnostics.push(...found);
    if (!found.some((d) => d.severity === 'Error')) accepted.push(object);
  }
  const compiled = compileMesh(accepted, proxy, options);
  diagnostics.push(...compiled.diagnostics);
  return { mesh: compiled.mesh, diagnostics, accepted };
}

/** The Envoy resources a sidecar gets for this mesh, as `translate` prints them. */
export function envoyJson(mesh: Mesh): JsonObject {
  return resourcesAsJson(translateMesh(mesh, DEFAULT_TRANSLATE_OPTIONS));
}

/** A sidecar in `namespace`. */
export function sidecarIn(namespace: string): ProxyIdentity {
  return { ...DEFAULT_PROXY, namespace };
}
