/** FSM/OSM mesh `Retry` (spec/sources-kuma-fsm.md §2.1, §2.2). */
import type { ProxySelector } from '../../ir/model';
import type { SourceObject } from '../object';
import type { CompileContext, KindEntry, SystemOutput } from '../registry';

export const MESH_RETRY_KINDS: readonly KindEntry[] = [];

export function meshRetrySelectors(_objects: SourceObject[]): ProxySelector[] {
  return [];
}

export function compileMeshRetries(_objects: SourceObject[], _ctx: CompileContext): SystemOutput {
  return { virtualHosts: [], diagnostics: [] };
}
