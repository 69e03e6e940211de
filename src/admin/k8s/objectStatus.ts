/**
 * `status` is computed on read, never stored (src/store/types.ts): conditions in the Gateway API
 * vocabulary from what the control plane found for the object in the revision it serves
 * (issue 5: `Accepted`, `ResolvedRefs`, `Programmed`, with reasons and `observedGeneration`;
 * `Overridden` from the precedence rule, src/ir/precedence.ts).
 *
 * - Accepted: the system's own Accepted condition when it sets one (Gateway API, FSM gateway
 *   RetryPolicy), else False/Invalid with the errors, else True.
 * - ResolvedRefs: the system's own, else False/ReferenceNotFound from RCO0101 findings, else True.
 * - Programmed: True once the served revision was compiled from this very generation and
 *   published to the snapshot cache; False/Pending while an older generation is served.
 * - Every other condition a system reports (Overridden, ...) is passed through.
 */
import { Codes, type Diagnostic } from '../../lib/errors';
import type { Condition } from '../../ir/model';
import type { ControlPlane } from '../../controlplane/controlPlane';
import { objectKey, type SourceObject } from '../../sources/object';
import { keyString } from '../../store/metadata';
import { isStoreDocument, type ServedObject } from './catalog';

export interface StatusCondition extends Condition {
  observedGeneration?: number;
  lastTransitionTime: string;
}

export interface ObjectStatus {
  conditions: StatusCondition[];
}

const ORDER = ['Accepted', 'ResolvedRefs', 'Programmed'];

/** Remembers when each condition last changed status, so `lastTransitionTime` means what it says. */
export class StatusTracker {
  private readonly transitions = new Map<string, { status: string; at: string }>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  statusOf(controlPlane: ControlPlane, served: ServedObject): ObjectStatus {
    const id = objectKey(served.key);
    const accepted = controlPlane.acceptedObjects.get(id);
    const fromSameOrigin = accepted && (served.origin === 'api') === isStoreDocument(accepted) ? accepted : undefined;
    const servedGeneration = generationOf(fromSameOrigin?.raw);
    const generation = typeof served.object.metadata.generation === 'number' ? served.object.metadata.generation : servedGeneration;
    const findings = controlPlane.state.diagnostics.filter((d) => about(d, served));
    const reported = controlPlane.state.conditions
      .filter((c) => c.object.group === served.key.group && c.object.kind === served.key.kind && c.object.namespace === served.key.namespace && c.object.name === served.key.name)
      .map((c) => c.condition);
    const conditions: Condition[] = [
      acceptedCondition(reported, findings, fromSameOrigin),
      resolvedRefsCondition(reported, findings),
    ];
    conditions.push(programmedCondition(reported, conditions[0], fromSameOrigin, generation, servedGeneration, controlPlane.state.revision));
    for (const c of reported) if (!ORDER.includes(c.type) && !conditions.some((x) => x.type === c.type)) conditions.push(c);
    const observed = fromSameOrigin ? servedGeneration : generation;
    return { conditions: conditions.map((c) => this.stamp(id, c, observed)) };
  }

  private stamp(id: string, c: Condition, observedGeneration: number | undefined): StatusCondition {
    const key = `${id}\u0000${c.type}`;
    const last = this.transitions.get(key);
    const at = last && last.status === c.status ? last.at : this.now().toISOString().replace(/\.\d+Z$/, 'Z');
    this.transitions.set(key, { status: c.status, at });
    const out: StatusCondition = { type: c.type, status: c.status, reason: c.reason, message: c.message, lastTransitionTime: at };
    if (observedGeneration !== undefined) out.observedGeneration = observedGeneration;
    return out;
  }

  /** Forgets a deleted object's history. */
  forget(key: Parameters<typeof keyString>[0]): void {
    const prefix = `${objectKey(key)}\u0000`;
    for (const k of this.transitions.keys()) if (k.startsWith(prefix)) this.transitions.delete(k);
  }
}

function generationOf(raw: Record<string, unknown> | undefined): number | undefined {
  const metadata = raw?.metadata;
  if (metadata === null || typeof metadata !== 'object') return undefined;
  const g = (metadata as Record<string, unknown>).generation;
  return typeof g === 'number' ? g : undefined;
}

/** Diagnostics name objects by kind, namespace and name (no group): enough, as the kinds that share a name differ in scope. */
function about(d: Diagnostic, served: ServedObject): boolean {
  const o = d.object;
  if (!o || o.kind !== served.key.kind || o.namespace !== served.key.namespace || o.name !== served.key.name) return false;
  // A file object's findings come from its file; an API object's from its `api:` document.
  const file = d.location?.file;
  return file === undefined || (served.origin === 'api') === file.startsWith('api:');
}

function summary(findings: readonly Diagnostic[]): string {
  const shown = findings.slice(0, 3).map((d) => `${d.location?.path ? `${d.location.path}: ` : ''}${d.message} [${d.code}]`);
  return `${shown.join('; ')}${findings.length > 3 ? `; and ${findings.length - 3} more` : ''}`;
}

function acceptedCondition(reported: Condition[], findings: Diagnostic[], accepted: SourceObject | undefined): Condition {
  const own = reported.find((c) => c.type === 'Accepted');
  if (own) return own;
  const errors = findings.filter((d) => d.severity === 'Error');
  if (errors.length > 0) return { type: 'Accepted', status: 'False', reason: 'Invalid', message: summary(errors) };
  if (!accepted) return { type: 'Accepted', status: 'Unknown', reason: 'Pending', message: 'the control plane has not compiled this object yet' };
  const warnings = findings.filter((d) => d.severity === 'Warning');
  return { type: 'Accepted', status: 'True', reason: 'Accepted', message: warnings.length === 0 ? 'valid' : `valid, with warnings: ${summary(warnings)}` };
}

function resolvedRefsCondition(reported: Condition[], findings: Diagnostic[]): Condition {
  const own = reported.find((c) => c.type === 'ResolvedRefs');
  if (own) return own;
  const missing = findings.filter((d) => d.code === Codes.ReferencedResourceNotFound);
  if (missing.length > 0) return { type: 'ResolvedRefs', status: 'False', reason: 'ReferenceNotFound', message: summary(missing) };
  return { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: 'every reference resolves' };
}

function programmedCondition(
  reported: Condition[], accepted: Condition, served: SourceObject | undefined, generation: number | undefined, servedGeneration: number | undefined, revision: number,
): Condition {
  const own = reported.find((c) => c.type === 'Programmed');
  if (own) return own;
  if (!served) return { type: 'Programmed', status: accepted.status === 'False' ? 'False' : 'Unknown', reason: accepted.status === 'False' ? 'Invalid' : 'Pending', message: 'not part of the served configuration' };
  if (generation !== undefined && servedGeneration !== undefined && servedGeneration !== generation) {
    return { type: 'Programmed', status: 'False', reason: 'Pending', message: `generation ${generation} is not compiled yet; generation ${servedGeneration} is served` };
  }
  if (accepted.status === 'False') return { type: 'Programmed', status: 'False', reason: 'Invalid', message: `compiled in revision ${revision}, but not accepted: nothing of it is served` };
  return { type: 'Programmed', status: 'True', reason: 'Programmed', message: `compiled in revision ${revision} and published to the proxies' snapshots` };
}
