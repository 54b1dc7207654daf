import { createHash } from 'node:crypto';

import { LRUCache } from 'lru-cache';

/**
 * The in-process cache tier (L1): one LRU per process in front of Redis, bounded by bytes.
 *
 * An entry is one cached read at one version of its scope: the value (for the service's
 * permission checks), its strong ETag, and the answer's bytes once a route has serialized
 * them. The version is part of the entry's identity exactly as it is part of the Redis key
 * (`it360:<namespace>:<scope>:v<version>:<key>`): an entry is served only when its version
 * equals the scope's current version from the change feed, and a newer version replaces
 * it in place (so superseded versions do not sit in memory until evicted).
 */
export interface LocalEntry {
  readonly version: number;
  readonly value: unknown;
  readonly etag: string;
  /** The bytes a route made of `value`, and the serializer that made them (one route's). */
  body?: string;
  serializer?: (value: never) => string;
}

export interface LocalTierStats {
  entries: number;
  bytes: number;
  maxBytes: number;
  hits: number;
  misses: number;
}

export interface LocalTier {
  /** The entry for `key` at exactly `version`, or undefined. */
  get(key: string, version: number): LocalEntry | undefined;
  /**
   * Keeps `value` for `key` at `version`. `jsonLength` is the length of the value's JSON
   * text (the Redis copy), from which the entry's size is estimated.
   */
  set(key: string, version: number, value: unknown, jsonLength: number, etag: string): LocalEntry;
  stats(): LocalTierStats;
  clear(): void;
}

// Per entry, beyond its data: the LRU's node, the entry object, its key and ETag strings.
const ENTRY_OVERHEAD_BYTES = 256;
// A parsed JSON value takes about twice its text in V8's heap (objects, property
// pointers, strings), and the serialized answer once more: three times the text is what
// an entry may cost once a route has asked for its bytes. Measured by the heap test in
// cached-read.test.ts, which fills the tier past its bound.
const HEAP_PER_JSON_CHAR = 3;

/** A strong ETag from what identifies the bytes: namespace, scope, version, key. */
export function strongEtag(identity: string): string {
  return `"${createHash('sha1').update(identity).digest('base64url')}"`;
}

export function createLocalTier(maxBytes: number): LocalTier {
  let hits = 0;
  let misses = 0;
  const lru =
    maxBytes > 0
      ? new LRUCache<string, LocalEntry & { size: number }>({
          maxSize: maxBytes,
          sizeCalculation: (e) => e.size,
          // One entry larger than an eighth of the tier would push out many others for one read.
          maxEntrySize: Math.max(1, Math.floor(maxBytes / 8)),
        })
      : undefined;
  return {
    get(key, version) {
      const e = lru?.get(key);
      if (e && e.version === version) {
        hits++;
        return e;
      }
      misses++;
      return undefined;
    },
    set(key, version, value, jsonLength, etag) {
      const entry = { version, value, etag, size: ENTRY_OVERHEAD_BYTES + HEAP_PER_JSON_CHAR * jsonLength + 2 * key.length };
      const current = lru?.peek(key);
      // A load that started before a write may finish after it: never replace a newer version.
      if (!current || current.version <= version) lru?.set(key, entry);
      return entry;
    },
    stats: () => ({ entries: lru?.size ?? 0, bytes: lru?.calculatedSize ?? 0, maxBytes, hits, misses }),
    clear: () => lru?.clear(),
  };
}
