/** How a cached read was served. */
export type CacheOutcome = 'hit' | 'miss' | 'bypass';

/** A value served through the cache (src/infra/cache/cached-read.ts implements the port). */
export interface Served<T> {
  value: T;
  cache: CacheOutcome;
  /**
   * Strong validator of the answer: derived from the scope, its version and the key, so
   * any write in the scope changes it. Absent when the cache was bypassed (no version
   * to vouch for the value).
   */
  etag?: string;
  /**
   * The answer's bytes as JSON text, made by `serialize` (the route's own response
   * serializer) once per cached entry and handed out as is afterwards. Absent when
   * bypassed: the route serializes as usual.
   */
  body?: (serialize: (value: T) => string) => string;
  /**
   * The same read again, from this process's tier only: the entry at the scope's
   * version now, or undefined when only a full read can say (a write since, evicted,
   * the feed unable to vouch). What the hit lane (src/http/hit-lane.ts) serves from.
   */
  again?: () => Served<T> | undefined;
}

/** The port services read through. */
export interface CachedRead {
  /** Serves `load` through the cache under `scope`/`key`; reports how it was served. */
  read<T>(scope: string, key: string, load: () => Promise<T>): Promise<Served<T>>;
}
