/**
 * `GET /openapi/v2` for kubectl 1.20 (spec/kubectl-1.20.md §3): a protobuf `openapi.v2.Document`
 * (gnostic's OpenAPIv2 messages; kubectl does not understand JSON here), written field by field
 * with protobufjs's Writer, built once and cached.
 *
 * It carries two things:
 * - `paths`: one PATCH operation per served group/version/kind with the
 *   `x-kubernetes-group-version-kind` extension and a `dryRun` query parameter, which is what
 *   `kubectl apply --dry-run=server` checks before it sends `?dryRun=All` (§3.3);
 * - `definitions`: one top-level schema per custom-resource GVK, so kubectl's client-side
 *   validation catches what a cluster's CRD schema would: a missing top-level field the source
 *   system requires (`missing required field "spec"`), an unknown top-level field (a typo such as
 *   `specs:`), or a top-level field of the wrong type. Below the top level everything is accepted
 *   here; the server's validation (coded messages with field paths and lines) owns the details.
 *
 * Core kinds (Service, Endpoints, Pod, EndpointSlice) get no definition on purpose: with one,
 * kubectl would compute their strategic merge patches from our schema (which declares no merge
 * keys) instead of its built-in types, and a removed Service port would be sent as a whole-list
 * replacement the server then merges by `port`. Without one, kubectl skips validating them.
 */
import { Writer } from 'protobufjs';
import { readHeader } from '../../sources/header';
import { validateObject } from '../../sources/index';
import { SourceDocument } from '../../sources/document';
import { apiResources, type ApiResource } from './resources';

/** gnostic OpenAPIv2.proto field numbers (all fields used here are length-delimited). */
const F = {
  document: { swagger: 1, info: 2, paths: 8, definitions: 9 },
  info: { title: 1, version: 2 },
  paths: { path: 2 },
  named: { name: 1, value: 2 },
  pathItem: { patch: 8 },
  operation: { operationId: 5, parameters: 8, vendorExtension: 13 },
  parametersItem: { parameter: 1 },
  parameter: { nonBodyParameter: 2 },
  nonBodyParameter: { query: 3 },
  queryParameter: { in: 2, description: 3, name: 4, type: 6 },
  any: { yaml: 2 },
  definitions: { additionalProperties: 1 },
  schema: { description: 4, required: 19, additionalProperties: 21, type: 22, properties: 25, vendorExtension: 31 },
  typeItem: { value: 1 },
  properties: { additionalProperties: 1 },
  additionalPropertiesItem: { schema: 1 },
} as const;

type Build = (w: Writer) => void;

function lengthDelimited(w: Writer, field: number): Writer {
  return w.uint32((field << 3) | 2);
}

function str(w: Writer, field: number, value: string): void {
  lengthDelimited(w, field).string(value);
}

function msg(w: Writer, field: number, build: Build): void {
  lengthDelimited(w, field).fork();
  build(w);
  w.ldelim();
}

/** A NamedAny whose value is YAML (gnostic keeps extension values as YAML text). */
function extension(w: Writer, field: number, name: string, yaml: string): void {
  msg(w, field, (n) => {
    str(n, F.named.name, name);
    msg(n, F.named.value, (a) => str(a, F.any.yaml, yaml));
  });
}

export interface Gvk {
  group: string;
  version: string;
  kind: string;
}

/** YAML of one GVK map; JSON strings are YAML strings, and `group: ""` is how core kinds say it. */
function gvkYaml(gvk: Gvk, indent = ''): string {
  return `group: ${JSON.stringify(gvk.group)}\n${indent}kind: ${JSON.stringify(gvk.kind)}\n${indent}version: ${JSON.stringify(gvk.version)}\n`;
}

const GVK_EXTENSION = 'x-kubernetes-group-version-kind';

/** The item path kubectl would PATCH; kubectl does not read it, but keep it the apiserver's. */
export function itemPath(resource: ApiResource, version: string): string {
  const prefix = resource.group === '' ? `/api/${version}` : `/apis/${resource.group}/${version}`;
  return `${prefix}${resource.namespaced ? '/namespaces/{namespace}' : ''}/${resource.plural}/{name}`;
}

/** Model names as the apiserver spells them: the group reversed (`io.istio.networking.v1alpha3.VirtualService`). */
export function definitionName(gvk: Gvk): string {
  const group = gvk.group === '' ? 'io.k8s.api.core' : gvk.group.split('.').reverse().join('.');
  return `${group}.${gvk.version}.${gvk.kind}`;
}

function patchPath(w: Writer, resource: ApiResource, gvk: Gvk): void {
  msg(w, F.paths.path, (named) => {
    str(named, F.named.name, itemPath(resource, gvk.version));
    msg(named, F.named.value, (item) => msg(item, F.pathItem.patch, (op) => {
      str(op, F.operation.operationId, `patch${gvk.group === '' ? 'Core' : ''}${gvk.version.replace(/^./, (c) => c.toUpperCase())}${gvk.kind}`);
      msg(op, F.operation.parameters, (p) => msg(p, F.parametersItem.parameter, (param) => msg(param, F.parameter.nonBodyParameter, (nb) => msg(nb, F.nonBodyParameter.query, (q) => {
        str(q, F.queryParameter.in, 'query');
        str(q, F.queryParameter.description, 'When present, indicates that modifications should not be persisted. Valid value: All.');
        str(q, F.queryParameter.name, 'dryRun');
        str(q, F.queryParameter.type, 'string');
      }))));
      extension(op, F.operation.vendorExtension, GVK_EXTENSION, gvkYaml(gvk));
    }));
  });
}

/** A schema node: `type` (one), `properties`, `required`, and for maps an any-value `additionalProperties`. */
interface SchemaNode {
  type?: 'object' | 'string';
  description?: string;
  properties?: Array<[string, SchemaNode]>;
  required?: string[];
  /** Only on the definition itself: the GVK list kubectl's validation looks models up by. */
  gvk?: Gvk;
}

function schema(w: Writer, node: SchemaNode): void {
  if (node.description) str(w, F.schema.description, node.description);
  for (const r of node.required ?? []) str(w, F.schema.required, r);
  // An object without properties is a map; its values are an empty schema, i.e. anything.
  if (node.type === 'object' && !node.properties) msg(w, F.schema.additionalProperties, (a) => msg(a, F.additionalPropertiesItem.schema, () => undefined));
  if (node.type) msg(w, F.schema.type, (t) => str(t, F.typeItem.value, node.type as string));
  if (node.properties) {
    msg(w, F.schema.properties, (props) => {
      for (const [name, child] of node.properties ?? []) {
        msg(props, F.properties.additionalProperties, (named) => {
          str(named, F.named.name, name);
          msg(named, F.named.value, (s) => schema(s, child));
        });
      }
    });
  }
  if (node.gvk) extension(w, F.schema.vendorExtension, GVK_EXTENSION, `- ${gvkYaml(node.gvk, '  ')}`);
}

/** Top-level fields some kinds have besides apiVersion, kind, metadata, spec and status. */
const EXTRA_TOP_LEVEL: Record<string, Array<[string, SchemaNode]>> = {
  // Kuma's legacy policies name their mesh at the top level (spec/kubectl-1.20.md §4.1).
  'kuma.io/Retry': [['mesh', { type: 'string', description: 'The mesh the policy belongs to.' }]],
};

/**
 * The top-level fields the kind's source system requires, found by asking it: a probe object with
 * only apiVersion, kind and metadata is validated, and every top-level field an error points into
 * is one it cannot do without (e.g. `spec`, when the VirtualService validator reports
 * `spec.hosts is required`). Derived rather than listed, so it follows the validators.
 */
export function requiredTopLevelFields(resource: ApiResource, version: string): string[] {
  const apiVersion = resource.group === '' ? version : `${resource.group}/${version}`;
  const metadata: Record<string, string> = { name: 'openapi-probe' };
  if (resource.namespaced) metadata.namespace = 'default';
  const raw: Record<string, unknown> = { apiVersion, kind: resource.kind, metadata };
  const { object } = readHeader(SourceDocument.fromValue(raw, '<openapi probe>'));
  if (!object) return ['metadata'];
  const required = new Set<string>(['metadata']);
  let diagnostics: ReturnType<typeof validateObject>;
  try {
    diagnostics = validateObject(object);
  } catch {
    // A validator that cannot cope with the probe must not make /openapi/v2 fail: every
    // `kubectl apply` fetches it (§3.1). The server still validates that kind in full.
    return [...required];
  }
  for (const d of diagnostics) {
    if (d.severity !== 'Error') continue;
    const top = /^[^.[]+/.exec(d.location?.path ?? '')?.[0];
    if (top && !(top in raw)) required.add(top);
  }
  return [...required].sort();
}

function definition(w: Writer, resource: ApiResource, gvk: Gvk): void {
  const anything: SchemaNode = { type: 'object' };
  const node: SchemaNode = {
    type: 'object',
    description: `${gvk.kind} (${gvk.group}/${gvk.version}) as Ricochet reads it; fields below the top level are validated by the server.`,
    properties: [
      ['apiVersion', { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' }],
      ['kind', { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' }],
      ['metadata', { ...anything, description: 'Standard object metadata.' }],
      ['spec', { ...anything, description: `The ${gvk.kind} specification.` }],
      ['status', { ...anything, description: 'Computed by the server (conditions); ignored on write.' }],
      ...(EXTRA_TOP_LEVEL[`${gvk.group}/${gvk.kind}`] ?? []),
    ],
    required: requiredTopLevelFields(resource, gvk.version),
    gvk,
  };
  msg(w, F.definitions.additionalProperties, (named) => {
    str(named, F.named.name, definitionName(gvk));
    msg(named, F.named.value, (s) => schema(s, node));
  });
}

/** Every served GVK (derived resources such as Namespace are read-only: nothing to patch). */
export function servedGvks(): Array<{ resource: ApiResource; gvk: Gvk }> {
  return apiResources()
    .filter((r) => !r.derived)
    .flatMap((resource) => resource.versions.map((version) => ({ resource, gvk: { group: resource.group, version, kind: resource.kind } })));
}

/** Groups whose kinds are built into kubectl (it patches them with strategic merge patches). */
const BUILT_IN_GROUPS: ReadonlySet<string> = new Set(['', 'discovery.k8s.io']);

/** Whether a GVK gets a definition (custom resources only; see the module comment). */
function validatedClientSide(resource: ApiResource): boolean {
  return !BUILT_IN_GROUPS.has(resource.group);
}

/** Builds the document (uncached). */
export function buildOpenApiDocument(): Uint8Array {
  const gvks = servedGvks();
  const w = Writer.create();
  str(w, F.document.swagger, '2.0');
  msg(w, F.document.info, (i) => {
    str(i, F.info.title, 'Ricochet admin API');
    str(i, F.info.version, 'v1');
  });
  msg(w, F.document.paths, (paths) => {
    for (const { resource, gvk } of gvks) patchPath(paths, resource, gvk);
  });
  msg(w, F.document.definitions, (defs) => {
    for (const { resource, gvk } of gvks) if (validatedClientSide(resource)) definition(defs, resource, gvk);
  });
  return w.finish();
}

let cached: Buffer | undefined;

/** The document, built on first use: kubectl fetches it once per object during `--dry-run=server` (§3.3). */
export function openApiDocument(): Buffer {
  cached ??= Buffer.from(buildOpenApiDocument());
  return cached;
}
