/**
 * Watch support: the last `limit` events in memory and the live listeners. A watch from an
 * older resourceVersion than the history covers is refused with StoreGoneError (HTTP 410), so
 * a client relists instead of silently missing events.
 */
import { StoreGoneError, type StoreEvent } from './types';

export type Listener = (event: StoreEvent) => void;

export class WatchHistory {
  private events: StoreEvent[] = [];
  /** Every event after this resourceVersion is kept. */
  private start: number;
  private readonly listeners = new Set<Listener>();

  constructor(currentResourceVersion: number, private readonly limit: number) {
    // After a restart the history starts now: older resourceVersions are Gone, as in Kubernetes.
    this.start = currentResourceVersion;
  }

  /** The oldest resourceVersion a watch may start from. */
  get oldest(): number {
    return this.start;
  }

  get size(): number {
    return this.events.length;
  }

  /**
   * Replays the kept events after `from` to the listener (synchronously, before returning), then
   * delivers live events until closed.
   */
  watch(from: number, listener: Listener): { close(): void } {
    if (!Number.isSafeInteger(from) || from < this.start) throw new StoreGoneError(from, this.start);
    for (const event of this.events) if (event.object.resourceVersion > from) deliver(listener, event);
    this.listeners.add(listener);
    return { close: () => void this.listeners.delete(listener) };
  }

  publish(events: readonly StoreEvent[]): void {
    this.events.push(...events);
    if (this.events.length > this.limit) {
      const dropped = this.events.splice(0, this.events.length - this.limit);
      this.start = dropped[dropped.length - 1].object.resourceVersion;
    }
    for (const event of events) for (const listener of [...this.listeners]) deliver(listener, event);
  }

  closeAll(): void {
    this.listeners.clear();
  }
}

/** A throwing listener must not stop the others nor fail the commit that already happened. */
function deliver(listener: Listener, event: StoreEvent): void {
  try {
    listener(event);
  } catch {
    // The listener's own problem; the event is durable whatever it does.
  }
}
