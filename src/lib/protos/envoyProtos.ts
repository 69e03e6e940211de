import * as path from 'node:path';
import * as fs from 'node:fs';
import * as protobuf from 'protobufjs';
import { Codes, RicochetError } from '../errors';

/**
 * Envoy's protos, compiled at build time (scripts/build-protos.js) from the pinned
 * @grpc/grpc-js-xds package into dist/envoy-protos.json. Loaded once per process.
 */
let cached: protobuf.Root | undefined;

export function envoyProtos(): protobuf.Root {
  if (cached) return cached;
  // dist/src/lib/protos → dist/envoy-protos.json
  const file = path.resolve(__dirname, '..', '..', '..', 'envoy-protos.json');
  if (!fs.existsSync(file)) {
    throw new RicochetError(Codes.Internal, `Envoy protos not built: ${file} is missing; run \`npm run build\``);
  }
  cached = protobuf.Root.fromJSON(JSON.parse(fs.readFileSync(file, 'utf8')) as protobuf.INamespace);
  return cached;
}

export function lookupType(fullName: string): protobuf.Type {
  return envoyProtos().lookupType(fullName.startsWith('.') ? fullName.slice(1) : fullName);
}

export const TYPE_PREFIX = 'type.googleapis.com/';

export function typeNameFromUrl(typeUrl: string): string {
  const slash = typeUrl.lastIndexOf('/');
  return slash >= 0 ? typeUrl.slice(slash + 1) : typeUrl;
}
