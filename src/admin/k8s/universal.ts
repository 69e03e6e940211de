/**
 * Kuma's universal dialect (`type`/`name`/`mesh` at the top, src/sources/header.ts) as the
 * Kubernetes-shaped object the API stores and serves: `kuma.io/v1alpha1`, the type as `kind`,
 * `mesh` kept at the top (as Kuma's CRDs do) and the policy body under `spec`.
 */
import { KUMA_UNIVERSAL_API_VERSION } from '../../sources/header';
import { isJsonMap, own, setOwn, type JsonMap } from './json';

export function isUniversalDocument(value: unknown): value is JsonMap {
  return isJsonMap(value) && own(value, 'apiVersion') === undefined && own(value, 'kind') === undefined && own(value, 'type') !== undefined;
}

/** Universal top-level fields that are header, not policy: `labels` become metadata; Kuma's own timestamps are dropped. */
const HEADER = ['type', 'name', 'mesh', 'labels', 'creationTime', 'modificationTime'];

export function universalToKubernetes(value: JsonMap): JsonMap {
  const spec: JsonMap = {};
  for (const key of Object.keys(value)) {
    if (!HEADER.includes(key)) setOwn(spec, key, value[key]);
  }
  const metadata: JsonMap = { name: value.name };
  if (isJsonMap(own(value, 'labels'))) metadata.labels = value.labels;
  const out: JsonMap = { apiVersion: KUMA_UNIVERSAL_API_VERSION, kind: value.type, metadata };
  if (own(value, 'mesh') !== undefined) out.mesh = value.mesh;
  if (Object.keys(spec).length > 0) out.spec = spec;
  return out;
}
