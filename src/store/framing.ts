/**
 * The on-disk framing shared by the log and the snapshot.
 *
 *   file   = file magic (8 bytes, e.g. "RCOLOG1\n") record*
 *   record = "RCR1" | payload length (u32 BE) | CRC-32 of payload (u32 BE) | payload (UTF-8 JSON)
 *
 * The per-record magic lets a reader find the next record after a damaged one (resync), so one
 * bad record does not hide every acknowledged write behind it.
 */
import { crc32 } from './crc32';

export const LOG_MAGIC = Buffer.from('RCOLOG1\n', 'latin1');
export const SNAPSHOT_MAGIC = Buffer.from('RCOSNP1\n', 'latin1');
export const FILE_MAGIC_SIZE = 8;

const RECORD_MAGIC = Buffer.from('RCR1', 'latin1');
export const RECORD_HEADER_SIZE = 12;
/** No single batch or snapshot is this large; a bigger length field is damage, not data. */
export const MAX_RECORD_SIZE = 1 << 30;

export function encodeRecord(payload: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(payload), 'utf8');
  if (body.length > MAX_RECORD_SIZE) throw new RangeError(`record of ${body.length} bytes exceeds ${MAX_RECORD_SIZE}`);
  const header = Buffer.alloc(RECORD_HEADER_SIZE);
  RECORD_MAGIC.copy(header, 0);
  header.writeUInt32BE(body.length, 4);
  header.writeUInt32BE(crc32(body), 8);
  return Buffer.concat([header, body]);
}

type RecordAt =
  | { status: 'ok'; payload: Buffer; end: number }
  /** Fewer bytes than the record needs: a write cut short, if nothing valid follows. */
  | { status: 'short' }
  | { status: 'bad'; reason: string };

/** Reads the frame starting at `offset` (checks magic, length and CRC; not the JSON). */
export function recordAt(buf: Buffer, offset: number): RecordAt {
  const remaining = buf.length - offset;
  const magicBytes = Math.min(RECORD_MAGIC.length, remaining);
  if (buf.compare(RECORD_MAGIC, 0, magicBytes, offset, offset + magicBytes) !== 0) return { status: 'bad', reason: 'no record marker' };
  if (remaining < RECORD_HEADER_SIZE) return { status: 'short' };
  const length = buf.readUInt32BE(offset + 4);
  if (length > MAX_RECORD_SIZE) return { status: 'bad', reason: `implausible record length ${length}` };
  const end = offset + RECORD_HEADER_SIZE + length;
  if (end > buf.length) return { status: 'short' };
  const expected = buf.readUInt32BE(offset + 8);
  if (crc32(buf, offset + RECORD_HEADER_SIZE, end) !== expected) return { status: 'bad', reason: 'CRC-32 mismatch' };
  return { status: 'ok', payload: buf.subarray(offset + RECORD_HEADER_SIZE, end), end };
}

/** The first offset at or after `from` where a complete record with a good CRC starts. */
export function nextValidRecord(buf: Buffer, from: number): number | undefined {
  for (let at = buf.indexOf(RECORD_MAGIC, from); at >= 0; at = buf.indexOf(RECORD_MAGIC, at + 1)) {
    if (recordAt(buf, at).status === 'ok') return at;
  }
  return undefined;
}

export type FrameItem =
  | { kind: 'record'; offset: number; end: number; payload: Buffer }
  /** The last record is incomplete and nothing valid follows: the process died mid-append. */
  | { kind: 'torn'; offset: number }
  /** Damaged bytes from offset to end (the next valid record, or the end of the file). */
  | { kind: 'corrupt'; offset: number; end: number; reason: string };

/** Walks the records from `start`, classifying damage as a torn tail or corruption. */
export function* frames(buf: Buffer, start: number): Generator<FrameItem> {
  let offset = start;
  while (offset < buf.length) {
    const r = recordAt(buf, offset);
    if (r.status === 'ok') {
      yield { kind: 'record', offset, end: r.end, payload: r.payload };
      offset = r.end;
      continue;
    }
    // A length that runs past the end is a torn tail only if no valid record follows; otherwise
    // it is a damaged length field in the middle, and treating it as a tail would drop good data.
    const next = nextValidRecord(buf, offset + 1);
    if (r.status === 'short' && next === undefined) {
      yield { kind: 'torn', offset };
      return;
    }
    const reason = r.status === 'bad' ? r.reason : 'record length runs past a later valid record';
    yield { kind: 'corrupt', offset, end: next ?? buf.length, reason };
    if (next === undefined) return;
    offset = next;
  }
}
