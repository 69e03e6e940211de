import { Observable } from 'rxjs';
import { decodeJson, type JsonObject } from '../../lib/protos/protoJson';
import type { Snapshot } from '../../xds/cache/snapshot';
import type { SnapshotCache } from '../../xds/cache/snapshotCache';
import { TypeUrl } from '../../xds/resources';
import type { DpSnapshot, DpUnsupportedField } from '../config/model';
import { snapshotFromResources } from '../config/snapshot';
import type { DpLogger, DumpedResource, DynamicConfigState } from './adsClient';

/** A complete config handed to the data plane without a network hop. */
export interface FedSnapshot {
  snapshot: DpSnapshot;
  unsupported: DpUnsupportedField[];
  /** For /config_dump: the resources as a sidecar would have received them. */
  dynamic?: DynamicConfigState;
  cause: string;
}

/**
 * The control plane's snapshots for one view (`sidecar` by default) → DpSnapshots, for
 * `ricochet serve --dataplane`: the exact resources a sidecar would get over ADS, decoded from the
 * same Any bytes and checked by the same config functions. A snapshot the data plane rejects is
 * logged and skipped (the last good config stays), as a NACK would.
 */
export function snapshotsFromCache(cache: SnapshotCache, opts: { viewKey?: string; logger?: DpLogger } = {}): Observable<FedSnapshot> {
  const viewKey = opts.viewKey ?? 'sidecar';
  return new Observable<FedSnapshot>((subscriber) => {
    // Decoded resources by content hash: a push re-decodes only what changed.
    let decoded = new Map<string, JsonObject>();
    const lastUpdated = new Map<string, Date>();
    const sub = cache.watch(viewKey).subscribe((snapshot) => {
      const next = new Map<string, JsonObject>();
      try {
        const res = { listeners: [] as JsonObject[], routes: [] as JsonObject[], clusters: [] as JsonObject[], endpoints: [] as JsonObject[] };
        const dumped: Record<string, DumpedResource[]> = {};
        for (const typeUrl of [TypeUrl.Cluster, TypeUrl.Endpoint, TypeUrl.Listener, TypeUrl.Route]) {
          const ts = snapshot.types.get(typeUrl);
          const list: JsonObject[] = [];
          dumped[typeUrl] = [];
          for (const r of ts?.resources.values() ?? []) {
            let json = decoded.get(r.hash);
            if (!json) {
              const { ['@type']: _t, ...body } = decodeJson('google.protobuf.Any', r.any);
              json = body;
            }
            next.set(r.hash, json);
            if (!lastUpdated.has(r.hash)) lastUpdated.set(r.hash, new Date());
            list.push(json);
            dumped[typeUrl].push({ name: r.name, versionInfo: ts?.version ?? '', lastUpdated: lastUpdated.get(r.hash) as Date, json });
          }
          if (typeUrl === TypeUrl.Cluster) res.clusters = list;
          else if (typeUrl === TypeUrl.Endpoint) res.endpoints = list;
          else if (typeUrl === TypeUrl.Listener) res.listeners = list;
          else res.routes = list;
        }
        const converted = snapshotFromResources(res);
        const warming = new Set(converted.warmingListeners);
        const version = (t: TypeUrl): string => versionOf(snapshot, t);
        const dynamic: DynamicConfigState = {
          clusters: { versionInfo: version(TypeUrl.Cluster), active: dumped[TypeUrl.Cluster], warming: [] },
          listeners: {
            versionInfo: version(TypeUrl.Listener),
            active: dumped[TypeUrl.Listener].filter((l) => !warming.has(l.name)),
            warming: dumped[TypeUrl.Listener].filter((l) => warming.has(l.name)),
          },
          routes: { versionInfo: version(TypeUrl.Route), active: dumped[TypeUrl.Route] },
          endpoints: { versionInfo: version(TypeUrl.Endpoint), active: dumped[TypeUrl.Endpoint] },
          errors: {},
        };
        decoded = next;
        for (const h of [...lastUpdated.keys()]) if (!next.has(h)) lastUpdated.delete(h);
        subscriber.next({ snapshot: converted.snapshot, unsupported: converted.unsupported, dynamic, cause: `snapshot ${version(TypeUrl.Listener).slice(0, 8)}` });
      } catch (err) {
        opts.logger?.error({ view: viewKey, error: (err as Error).message }, 'data plane rejected the control plane snapshot; keeping the last good config');
      }
    });
    return () => sub.unsubscribe();
  });
}

function versionOf(snapshot: Snapshot, t: TypeUrl): string {
  return snapshot.types.get(t)?.version ?? '';
}
