import type { EncodedResource } from '../cache/snapshot';
import { isFullStateType } from '../resources';

export const WILDCARD = '*';

/**
 * What one stream wants of one type, SotW style: each request's resource_names is the whole
 * desired set (rule 9). Wildcard exists only for LDS/CDS (rule 10): explicit `*`, or "legacy"
 * wildcard while the client has never named a resource of the type on this stream; once it has,
 * an empty list means "nothing".
 */
export class Subscription {
  private everNamed = false;
  private names: ReadonlySet<string> = new Set();
  readonly fullState: boolean;

  constructor(typeUrl: string) {
    this.fullState = isFullStateType(typeUrl);
  }

  update(resourceNames: readonly string[]): void {
    if (resourceNames.length > 0) this.everNamed = true;
    this.names = new Set(resourceNames);
  }

  get wildcard(): boolean {
    return this.fullState && (!this.everNamed || this.names.has(WILDCARD));
  }

  /** Nothing is wanted: an empty, non-wildcard subscription gets no response. */
  get empty(): boolean {
    return !this.wildcard && this.names.size === 0;
  }

  /** The names the client listed last (for CSDS: subscribed names that were never sent). */
  get requested(): ReadonlySet<string> {
    return this.names;
  }

  covers(name: string): boolean {
    return this.wildcard || this.names.has(name);
  }

  /** The subscribed resources that exist, sorted by name (the snapshot's maps are sorted). */
  select(resources: ReadonlyMap<string, EncodedResource>): string[] {
    if (this.wildcard) return [...resources.keys()];
    if (this.names.size < resources.size) return [...this.names].filter((n) => resources.has(n)).sort(compare);
    return [...resources.keys()].filter((n) => this.names.has(n));
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
