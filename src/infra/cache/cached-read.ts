import type { Logger } from 'pino';

import { type DependencyPolicy, isCallRejectedError } from '../../resilience/policy.ts';
import type { CachedRead, CacheOutcome, Served } from '../../shared/cached-read.ts';
import type { ChangeFeed } from '../changes/feed.ts';
import { createLocalTier, type LocalEntry, type LocalTier, strongEtag } from './local-tier.ts';
import type { CacheStore } from './store.ts';

export type { CachedRead, CacheOutcome, Served };

export interface CachedReadOptions {
  store: CacheStore;
  policy: DependencyPolicy;
  feed: ChangeFeed;
  logger: Logger;
  /** Entries are never read after a write (versioned keys); the TTL only bounds memory. */
  ttlS: number;
  /** CACHE_DISABLED: every read goes to the database (still coalesced). */
  disabled?: boolean;
  /** CACHE_L1_MAX_BYTES: the in-process tier's bound; 0 = Redis (or the memory store) only. */
  localMaxBytes: number;
  /** Key prefix, read at each call (the feed learns its namespace at start). */
  prefix: () => string;
  onOutcome?: (scope: string, outcome: CacheOutcome | 'error') => void;
}

export interface TieredCachedRead extends CachedRead {
  /** The in-process tier, for /metrics and /ops. */
  readonly local: LocalTier;
}

/**
 * Read-through cache in two tiers that fails open and never serves stale data.
 *
 * - L1, in this process (local-tier.ts): a hit touches no dependency at all: no policy,
 *   no timer, no Redis. L2, Redis: shared by every process, it fills a new or restarted
 *   worker's L1 without a database read. Without REDIS_URL, L1 is the only tier.
 * - Keys embed the scope's version from the change feed (see feed.ts), in both tiers: a
 *   write bumps the version, so nothing cached before it is read after it, whether or
 *   not any DEL ever reached Redis. When the feed cannot vouch for the version, both
 *   tiers are bypassed.
 * - Any Redis error, timeout or open breaker is an L2 miss on read and a skipped write;
 *   once the breaker is open no Redis call is even attempted. L1 keeps serving.
 * - Concurrent misses on one key share one load. The key includes the version, so a
 *   request that starts after a write never joins a load that started before it.
 * - What a route sends on a hit is the entry's bytes, serialized once (Served.body),
 *   with a strong ETag from namespace, scope, version and key.
 *
 * Why not bentocache: its tiers, timeouts and stampede protection are good, but its
 * freshness rests on a DEL or a Redis bus message reaching every process, and its grace
 * periods deliberately serve stale entries when the source fails. Both contradict the
 * rule here (no read after an acknowledged write returns older data, whatever Redis did).
 * With versions in PostgreSQL the layer that remains is two gets, a set and a coalescing
 * map, which is all this module is; the breaker, bulkhead and timeouts are cockatiel's.
 */
export function createCachedRead(o: CachedReadOptions): TieredCachedRead {
  const inflight = new Map<string, Promise<unknown>>();
  const local = createLocalTier(o.disabled ? 0 : o.localMaxBytes);
  // The memory store is itself an in-process LRU: with L1 on it would only hold copies.
  const useShared = o.store.kind === 'redis' || o.localMaxBytes === 0;

  function warn(op: string, scope: string, err: unknown) {
    o.onOutcome?.(scope, 'error');
    const code = isCallRejectedError(err) ? err.reason : ((err as { code?: string }).code ?? (err as Error).name ?? 'error');
    // Breaker rejections are not logged per request: the transition was logged once.
    if (isCallRejectedError(err) && err.reason === 'breaker_open') return;
    o.logger.warn({ dependency: 'cache', op, errorCode: code, err: (err as Error).message }, `cache ${op} failed; served without cache`);
  }

  function coalesce<T>(key: string, load: () => Promise<T>): Promise<T> {
    const running = inflight.get(key) as Promise<T> | undefined;
    if (running) return running;
    const p = load().finally(() => inflight.delete(key));
    inflight.set(key, p);
    return p;
  }

  /** The entry of scope/key at the scope's version now, from this process's tier alone. */
  function peek(scope: string, localKey: string): LocalEntry | undefined {
    if (o.disabled) return undefined;
    const version = o.feed.version(scope);
    return version === undefined ? undefined : local.get(localKey, version);
  }

  function served<T>(e: LocalEntry, cache: CacheOutcome, scope: string, localKey: string): Served<T> {
    return {
      value: e.value as T,
      cache,
      etag: e.etag,
      again() {
        const hit = peek(scope, localKey);
        if (!hit) return undefined;
        o.onOutcome?.(scope, 'hit');
        return served<T>(hit, 'hit', scope, localKey);
      },
      body(serialize) {
        // One route's serializer per entry in practice; another route reading the same
        // entry (another shape) gets its own bytes, not these.
        if (e.body !== undefined && e.serializer === serialize) return e.body;
        const body = serialize(e.value as T);
        e.body = body;
        e.serializer = serialize;
        return body;
      },
    };
  }

  /** L2 then the database, for one key at one version; one run per key at a time. */
  async function fill<T>(
    scope: string,
    localKey: string,
    version: number,
    fullKey: string,
    load: () => Promise<T>,
  ): Promise<{ entry: LocalEntry; from: CacheOutcome }> {
    // An open breaker counts as a failed L2 call: served without the shared tier.
    let failed = useShared && o.policy.isOpen();
    if (failed) o.policy.skipped('get');
    if (useShared && !failed) {
      try {
        const raw = await o.policy.execute('get', () => o.store.get(fullKey));
        if (raw !== undefined)
          return { entry: local.set(localKey, version, JSON.parse(raw) as T, raw.length, strongEtag(fullKey)), from: 'hit' };
      } catch (err) {
        failed = true;
        warn('get', scope, err);
      }
    }
    const value = await load();
    const json = JSON.stringify(value);
    const entry = local.set(localKey, version, value, json.length, strongEtag(fullKey));
    if (useShared && !failed && !o.policy.isOpen()) {
      // Not awaited: the answer does not wait for the cache write. Bounded by the policy.
      o.policy.execute('set', () => o.store.set(fullKey, json, o.ttlS)).catch((err: unknown) => warn('set', scope, err));
    }
    return { entry, from: failed ? 'bypass' : 'miss' };
  }

  return {
    local,
    async read<T>(scope: string, key: string, load: () => Promise<T>): Promise<Served<T>> {
      const version = o.feed.version(scope);
      if (o.disabled || version === undefined) {
        o.onOutcome?.(scope, 'bypass');
        // Still coalesced (per version-less key): a stampede should not hit the database N times.
        return { value: await coalesce(`nover:${scope}:${key}:${version ?? 'x'}`, load), cache: 'bypass' };
      }
      const localKey = `${scope}:${key}`;
      const hit = local.get(localKey, version);
      if (hit) {
        o.onOutcome?.(scope, 'hit');
        return served<T>(hit, 'hit', scope, localKey);
      }
      const fullKey = `it360:${o.prefix()}:${scope}:v${version}:${key}`;
      const r = await coalesce(fullKey, () => fill(scope, localKey, version, fullKey, load));
      o.onOutcome?.(scope, r.from);
      return served<T>(r.entry, r.from, scope, localKey);
    },
  };
}
