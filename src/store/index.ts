/** The durable object store (issue 5): see ./types.ts for the contract, ./fileStore.ts for the layout on disk. */
export * from './types';
export { FileObjectStore, type FileObjectStoreOptions } from './fileStore';
export { StoreOpenError } from './recovery';
export { keyString, rfc3339Seconds } from './metadata';
