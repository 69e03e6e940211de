/**
 * What the kill -9 test's writer (killChild.ts) and checker (kill.test.ts) agree on: the batches
 * the writer announces (`BEGIN`) before committing, and how each op's content is derived, so the
 * checker can rebuild exactly what every acknowledged write must look like.
 */
import type { KubeObject, ObjectKey, StoreOp } from '../../src/store/types';
import { createRng } from '../../src/upstream/rng';

export interface PlannedOp {
  type: 'put' | 'delete';
  name: string;
  /** Payload length of a put (its content is derived from the batch id, op index and length). */
  len?: number;
  create?: boolean;
  expect?: number;
}

export interface Batch {
  id: number;
  ops: PlannedOp[];
}

export function killKey(name: string): ObjectKey {
  return { group: 'networking.istio.io', kind: 'VirtualService', namespace: 'kill', name };
}

export function killSpec(batch: number, op: number, len: number): Record<string, unknown> {
  const unit = `${batch}.${op};`;
  return { batch, op, data: unit.repeat(Math.ceil(len / unit.length)).slice(0, len) };
}

export function toStoreOps(batch: Batch): StoreOp[] {
  return batch.ops.map((op, i): StoreOp => {
    const expect = op.expect !== undefined ? { expectResourceVersion: op.expect } : {};
    if (op.type === 'delete') return { op: 'delete', key: killKey(op.name), ...expect };
    const object: KubeObject = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: op.name, namespace: 'kill' }, spec: killSpec(batch.id, i, op.len ?? 0) };
    return { op: 'put', key: killKey(op.name), object, ...expect, ...(op.create ? { create: true } : {}) };
  });
}

/** name → the spec and resourceVersion it must have. */
export type ModelState = Map<string, { spec: Record<string, unknown>; rv: number }>;

/** Applies one batch to a model; returns the new resourceVersion. */
export function applyBatch(state: ModelState, rv: number, batch: Batch): number {
  batch.ops.forEach((op, i) => {
    rv++;
    if (op.type === 'delete') state.delete(op.name);
    else state.set(op.name, { spec: killSpec(batch.id, i, op.len ?? 0), rv });
  });
  return rv;
}

/** A small seeded PRNG (the flaky upstream's mulberry32) so a failing round can be replayed from its seed. */
export const prng: (seed: number) => () => number = createRng;
