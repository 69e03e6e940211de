/**
 * The line protocol between the benchmark driver and a server under test (Ricochet's, in
 * ricochetServer.ts, and go-control-plane's, in bench/peer-go). One JSON object per line on the
 * server's stdin, one JSON reply per line on its stdout; the first stdout line is `ready`.
 *
 *   → {"cmd":"prepare","step":S,"state":{...},"file":"…/step-S.json"}
 *       build the snapshot of step S (Ricochet: translate + encode from `state`; the Go peer: load
 *       the step's resources from `file`) without publishing it
 *   ← {"ok":true,"versions":{typeUrl: version},"prepareMs":…,"encodes":…}
 *   → {"cmd":"push","label":"…"}   publish the prepared snapshot (cache.set / SetSnapshot)
 *   ← {"ok":true,"t0":"<CLOCK_MONOTONIC ns>","setMs":…}
 *   → {"cmd":"stats"}
 *   ← {"ok":true,"cpuUserUs":…,"cpuSysUs":…,"maxRssKb":…,"metrics":{…}}
 *   → {"cmd":"exit"}
 */
import type { MeshState } from './mesh';

export type ServerCommand =
  | { cmd: 'prepare'; step: number; state: MeshState; file: string }
  | { cmd: 'push'; label?: string }
  | { cmd: 'stats' }
  | { cmd: 'exit' };

export interface PrepareReply { ok: true; versions: Record<string, string>; prepareMs: number; encodes: number }
export interface PushReply { ok: true; t0: string; setMs: number }
export interface StatsReply { ok: true; cpuUserUs: number; cpuSysUs: number; maxRssKb: number; metrics: Record<string, number> }
export interface ErrorReply { ok: false; error: string }
