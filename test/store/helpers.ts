/** Shared by the store tests: temporary data directories and small objects to store. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileObjectStore, type FileObjectStoreOptions } from '../../src/store/fileStore';
import type { KubeObject, ObjectKey, StoreOp } from '../../src/store/types';

const made: string[] = [];

/** A fresh directory under the OS temp dir, removed after the run. */
export function tempDir(prefix = 'ricochet-store-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

after(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

export const VS = { group: 'networking.istio.io', kind: 'VirtualService' };

export function vsKey(name: string, namespace = 'default'): ObjectKey {
  return { ...VS, namespace, name };
}

export function virtualService(name: string, spec: Record<string, unknown> = { hosts: [name] }, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: 'default' }, spec, ...extra };
}

export function put(name: string, spec?: Record<string, unknown>, opts: Partial<Extract<StoreOp, { op: 'put' }>> = {}): StoreOp {
  return { op: 'put', key: vsKey(name), object: virtualService(name, spec), ...opts };
}

export function del(name: string, expectResourceVersion?: number): StoreOp {
  return { op: 'delete', key: vsKey(name), ...(expectResourceVersion !== undefined ? { expectResourceVersion } : {}) };
}

/** Opens a store and closes it after the test that opened it. */
const open: FileObjectStore[] = [];
export async function openStore(dir: string, options: FileObjectStoreOptions = {}): Promise<FileObjectStore> {
  const store = await FileObjectStore.open(dir, options);
  open.push(store);
  return store;
}

afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

export const logPath = (dir: string): string => path.join(dir, 'objects.log');
export const snapshotPath = (dir: string): string => path.join(dir, 'objects.snapshot');
