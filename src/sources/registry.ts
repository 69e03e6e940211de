/**
 * The kinds Ricochet reads, grouped by source system. Adding a system (FSM, Kuma, Gateway API)
 * means adding a folder that exports one `SourceSystem` and listing it in `SYSTEMS`; nothing
 * else in `sources/` knows a system's kinds.
 */
import type { Diagnostic } from '../lib/errors';
import type { Service, VirtualHost } from '../ir/model';
import type { SourceObject } from './object';
import { istioSystem } from './istio';

/** One kind of one API group: which versions are served and how an object of it is validated. */
export interface KindEntry {
  group: string;
  kind: string;
  /** Served versions, preferred first. */
  versions: readonly string[];
  /** Per-object validation with the system's own rules; any Error rejects the object. */
  validate(object: SourceObject): Diagnostic[];
}

/** What one system contributes to the mesh, before systems are merged and sorted. */
export interface SystemOutput {
  services: Service[];
  virtualHosts: VirtualHost[];
  diagnostics: Diagnostic[];
}

export interface SourceSystem {
  name: string;
  kinds: readonly KindEntry[];
  /** Compiles this system's (already valid) objects; cross-object findings are warnings. */
  compile(objects: SourceObject[]): SystemOutput;
  /** Kinds of this system's groups that exist upstream but Ricochet does not read yet. */
  knownUnsupportedKinds?: readonly string[];
}

export const SYSTEMS: readonly SourceSystem[] = [istioSystem];

export interface KindLookup {
  system?: SourceSystem;
  entry?: KindEntry;
}

/** Finds the system and kind entry for a group and kind, whatever the version. */
export function lookupKind(group: string, kind: string): KindLookup {
  for (const system of SYSTEMS) {
    const entry = system.kinds.find((k) => k.group === group && k.kind === kind);
    if (entry) return { system, entry };
  }
  const system = SYSTEMS.find((s) => s.kinds.some((k) => k.group === group));
  return { system };
}
