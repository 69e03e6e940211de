/**
 * Cross-object findings of a Kuma compile: warnings about one field of one object, and
 * "overridden" reports for policies that lose to another for a destination, grouped per
 * (loser, winner) with the destinations, in the words and shape ir/precedence.ts uses.
 */
import { Codes, type Code, type Diagnostic } from '../../lib/errors';
import type { ObjectCondition } from '../../ir/model';
import type { FieldPath } from '../document';
import type { SourceObject } from '../object';
import { KUMA_GROUP } from './kinds';

/** `Retry web-to-backend` (cluster-scoped / universal) or `MeshRetry kuma-system/name`. */
export function describeObject(o: SourceObject): string {
  return o.namespace ? `${o.kind} ${o.namespace}/${o.name}` : `${o.kind} ${o.name}`;
}

interface Overridden {
  loser: SourceObject;
  loserPath: FieldPath;
  winner: string;
  why: string;
  where: string[];
}

export class Findings {
  readonly diagnostics: Diagnostic[] = [];
  private readonly seen = new Set<string>();
  private readonly overridden = new Map<string, Overridden>();

  warn(object: SourceObject, path: FieldPath, message: string, code: Code = Codes.SchemaValidation): void {
    const { kind, namespace, name, document } = object;
    const location = document.locate(path);
    const key = `${kind}/${namespace}/${name}\u0000${location.path}\u0000${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.diagnostics.push({ severity: 'Warning', code, message, object: { kind, namespace, name }, location });
  }

  /** `loser`'s policy is not used for destination `where`: `winner` is, because `why`. */
  overrides(loser: SourceObject, loserPath: FieldPath, winner: string, why: string, where: string): void {
    const key = `${describeObject(loser)}\u0000${winner}\u0000${why}`;
    const entry = this.overridden.get(key) ?? { loser, loserPath, winner, why, where: [] };
    if (!entry.where.includes(where)) entry.where.push(where);
    this.overridden.set(key, entry);
  }

  /** The grouped overridden reports as warnings and `Overridden` conditions. */
  finish(): { diagnostics: Diagnostic[]; conditions: ObjectCondition[] } {
    const diagnostics = [...this.diagnostics];
    const conditions: ObjectCondition[] = [];
    for (const o of this.overridden.values()) {
      const shown = o.where.slice(0, 3).join(', ');
      const where = o.where.length > 3 ? `destinations ${shown} and ${o.where.length - 3} more` : `${o.where.length === 1 ? 'destination' : 'destinations'} ${shown}`;
      const message = `its retry policy is not used for ${where}: ${o.winner} takes precedence (${o.why}; see docs/sources/kuma.md)`;
      const { kind, namespace, name, document } = o.loser;
      diagnostics.push({ severity: 'Warning', code: Codes.ConflictingPolicies, message, object: { kind, namespace, name }, location: document.locate(o.loserPath) });
      conditions.push({ object: { group: KUMA_GROUP, kind, namespace, name }, condition: { type: 'Overridden', status: 'True', reason: 'Conflicted', message } });
    }
    return { diagnostics, conditions };
  }
}
