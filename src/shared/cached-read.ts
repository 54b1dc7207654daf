/** The port services read through (src/infra/cache/cached-read.ts implements it). */
export interface CachedRead {
  /** Serves `load` through the cache under `scope`/`key`; reports how it was served. */
  read<T>(scope: string, key: string, load: () => Promise<T>): Promise<{ value: T; cache: 'hit' | 'miss' | 'bypass' }>;
}
