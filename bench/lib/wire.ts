/**
 * Just enough protobuf for a cheap ADS client harness: read the top-level scalar fields of a
 * DiscoveryResponse without decoding its resources, and build ACK requests from pre-encoded
 * parts. A thousand streams each receiving ~1 MB per push must not cost the client process more
 * than the servers under test.
 *
 * Field numbers (envoy/service/discovery/v3/discovery.proto):
 *   DiscoveryResponse: version_info=1, resources=2, type_url=4, nonce=5
 *   DiscoveryRequest:  version_info=1, node=2, resource_names=3, type_url=4, response_nonce=5
 */

export interface ResponseHead {
  versionInfo: string;
  typeUrl: string;
  nonce: string;
  resources: number;
}

function readVarint(buf: Buffer, pos: number): [number, number] {
  let result = 0;
  let shift = 0;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++];
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7;
    if (shift > 63) throw new Error('varint too long');
  }
}

/** Top-level scan of a DiscoveryResponse; resources are only counted and skipped. */
export function scanResponse(buf: Buffer): ResponseHead {
  const head: ResponseHead = { versionInfo: '', typeUrl: '', nonce: '', resources: 0 };
  let pos = 0;
  while (pos < buf.length) {
    let key: number;
    [key, pos] = readVarint(buf, pos);
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) {
      [, pos] = readVarint(buf, pos);
      continue;
    }
    if (wire === 1) { pos += 8; continue; }
    if (wire === 5) { pos += 4; continue; }
    if (wire !== 2) throw new Error(`unexpected wire type ${wire} for field ${field}`);
    let len: number;
    [len, pos] = readVarint(buf, pos);
    const end = pos + len;
    switch (field) {
      case 1: head.versionInfo = buf.toString('utf8', pos, end); break;
      case 2: head.resources++; break;
      case 4: head.typeUrl = buf.toString('utf8', pos, end); break;
      case 5: head.nonce = buf.toString('utf8', pos, end); break;
      default: break;
    }
    pos = end;
  }
  return head;
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** A length-delimited field (wire type 2). */
export function lengthDelimited(field: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([...varint((field << 3) | 2), ...varint(payload.length)]), payload]);
}

export function stringField(field: number, value: string): Buffer {
  return lengthDelimited(field, Buffer.from(value, 'utf8'));
}

/** resource_names (3) and type_url (4) of a request, encoded once per type and reused by every ACK. */
export function namesAndType(typeUrl: string, names: readonly string[]): Buffer {
  return Buffer.concat([...names.map((n) => stringField(3, n)), stringField(4, typeUrl)]);
}

/** An ACK: version_info and response_nonce of the response, plus the pre-encoded names and type. */
export function ackRequest(versionInfo: string, nonce: string, namesAndTypeBytes: Buffer): Buffer {
  return Buffer.concat([stringField(1, versionInfo), namesAndTypeBytes, stringField(5, nonce)]);
}
