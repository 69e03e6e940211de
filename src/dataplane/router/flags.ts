/**
 * Envoy's response flags as a bit set, printed in Envoy's order (ResponseFlagUtils
 * ALL_RESPONSE_STRINGS_FLAGS), comma separated, `-` when none.
 */
export const FLAG_ORDER = [
  'LH', 'UH', 'UT', 'LR', 'UR', 'UF', 'UC', 'UO', 'NR', 'DI', 'FI', 'RL', 'UAEX', 'RLSE', 'DC',
  'URX', 'SI', 'IH', 'DPE', 'UMSDR', 'RFCF', 'NFCF', 'DT', 'UPE', 'NC', 'OM', 'DF', 'DO', 'DR', 'UDO',
] as const;

export type ResponseFlag = (typeof FLAG_ORDER)[number];

const BIT = new Map<string, number>(FLAG_ORDER.map((f, i) => [f, 2 ** i]));

export function flagBit(flag: string): number {
  return BIT.get(flag) ?? 0;
}

const cache = new Map<number, string>();

export function flagsToString(bits: number): string {
  if (bits === 0) return '-';
  let s = cache.get(bits);
  if (s === undefined) {
    const parts: string[] = [];
    for (let i = 0; i < FLAG_ORDER.length; i++) if (Math.floor(bits / 2 ** i) % 2 === 1) parts.push(FLAG_ORDER[i]);
    s = parts.join(',');
    if (cache.size < 4096) cache.set(bits, s);
  }
  return s;
}

export const F = {
  UH: flagBit('UH'),
  UT: flagBit('UT'),
  LR: flagBit('LR'),
  UR: flagBit('UR'),
  UF: flagBit('UF'),
  UC: flagBit('UC'),
  UO: flagBit('UO'),
  NR: flagBit('NR'),
  DI: flagBit('DI'),
  FI: flagBit('FI'),
  DC: flagBit('DC'),
  URX: flagBit('URX'),
  UPE: flagBit('UPE'),
  NC: flagBit('NC'),
  IH: flagBit('IH'),
  SI: flagBit('SI'),
  DT: flagBit('DT'),
  UMSDR: flagBit('UMSDR'),
} as const;
