/** Istio gateway references (`gateways:` on a VirtualService or a match) and the `mesh` rule (§4.5). */
import { Codes } from '../../lib/errors';
import type { FieldPath } from '../document';
import type { FieldReader } from '../fields';
import { fqdnError, isDns1123Label } from '../names';

/** The reserved name for "every sidecar in the mesh". */
export const MESH_GATEWAY = 'mesh';

/** Sidecar routes come from a VirtualService only if `gateways` is absent/empty or lists `mesh`. */
export function appliesToMesh(gateways: readonly string[] | undefined): boolean {
  return gateways === undefined || gateways.length === 0 || gateways.includes(MESH_GATEWAY);
}

/** Reads a gateway list and checks each name as validateGatewayNames does. */
export function checkGatewayNames(r: FieldReader, path: FieldPath): string[] {
  const names = r.stringList(path);
  names.forEach((name, i) => checkGatewayName(r, [...path, i], name));
  return names;
}

function checkGatewayName(r: FieldReader, path: FieldPath, name: string): void {
  const slash = name.indexOf('/');
  if (slash < 0) {
    if (name.includes('.')) {
      const [gw, ns] = name.split('.');
      r.warn(path, `using legacy gatewayName format ${JSON.stringify(name)}; prefer the <namespace>/<name> format: "${ns}/${gw}"`, Codes.SchemaValidation);
    }
    const err = fqdnError(name);
    if (err) r.error(path, err);
    return;
  }
  const ns = name.slice(0, slash);
  const gw = name.slice(slash + 1);
  if (ns === '' || gw === '') r.error(path, 'config namespace and gateway name cannot be empty');
  else if (!isDns1123Label(ns)) r.error(path, `invalid value for namespace: ${JSON.stringify(ns)}`);
  else if (!isDns1123Label(gw)) r.error(path, `invalid value for gateway name: ${JSON.stringify(gw)}`);
}
