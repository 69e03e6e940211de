import { BehaviorSubject, type Observable, filter } from 'rxjs';
import type { Snapshot } from './snapshot';

/**
 * Per-view snapshots (a view = the proxies that match the same policies), kept apart from the
 * ADS server as go-control-plane keeps its cache apart from its server. Streams watch a view and
 * get every new snapshot; the server decides what each stream still needs.
 */
export class SnapshotCache {
  private readonly views = new Map<string, BehaviorSubject<Snapshot | undefined>>();

  set(snapshot: Snapshot): void {
    this.subject(snapshot.viewKey).next(snapshot);
  }

  get(viewKey: string): Snapshot | undefined {
    return this.views.get(viewKey)?.value;
  }

  /** Emits the current snapshot of the view (if any) and every later one. */
  watch(viewKey: string): Observable<Snapshot> {
    return this.subject(viewKey).pipe(filter((s): s is Snapshot => s !== undefined));
  }

  viewKeys(): string[] {
    return [...this.views.keys()];
  }

  private subject(viewKey: string): BehaviorSubject<Snapshot | undefined> {
    let s = this.views.get(viewKey);
    if (!s) {
      s = new BehaviorSubject<Snapshot | undefined>(undefined);
      this.views.set(viewKey, s);
    }
    return s;
  }
}
