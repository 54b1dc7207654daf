import type { Logger } from 'pino';

import { type DependencyPolicy, isCallRejectedError } from '../../resilience/policy.ts';
import type { CachedRead } from '../../shared/cached-read.ts';
import type { ChangeFeed } from '../changes/feed.ts';
import type { CacheStore } from './store.ts';

export type { CachedRead };

export type CacheOutcome = 'hit' | 'miss' | 'bypass';

export interface CachedReadOptions {
  store: CacheStore;
  policy: DependencyPolicy;
  feed: ChangeFeed;
  logger: Logger;
  /** Entries are never read after a write (versioned keys); the TTL only bounds memory. */
  ttlS: number;
  /** CACHE_DISABLED: every read goes to the database (still coalesced). */
  disabled?: boolean;
  /** Key prefix, read at each call (the feed learns its namespace at start). */
  prefix: () => string;
  onOutcome?: (scope: string, outcome: CacheOutcome | 'error') => void;
}

/**
 * Read-through cache that fails open and never serves stale data.
 *
 * - Keys embed the scope's version from the change feed (see feed.ts): a write bumps
 *   the version, so nothing cached before it is read after it, whether or not any DEL
 *   ever reached Redis. When the feed cannot vouch for the version, the cache is
 *   bypassed.
 * - Any cache error, timeout or open breaker is a miss on read and a skipped write;
 *   once the breaker is open no cache call is even attempted.
 * - Concurrent misses on one key share one load. The key includes the version, so a
 *   request that starts after a write never joins a load that started before it.
 *
 * Why not bentocache: its tiers, timeouts and stampede protection are good, but its
 * freshness rests on a DEL or a Redis bus message reaching every process, and its grace
 * periods deliberately serve stale entries when the source fails. Both contradict the
 * rule here (no read after an acknowledged write returns older data, whatever Redis did).
 * With versions in PostgreSQL the layer that remains is a get, a set and a coalescing
 * map, which is all this module is; the breaker, bulkhead and timeouts are cockatiel's.
 */
export function createCachedRead(o: CachedReadOptions): CachedRead {
  const inflight = new Map<string, Promise<unknown>>();

  function warn(op: string, key: string, err: unknown) {
    o.onOutcome?.(key.split(':')[2] ?? '', 'error');
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

  return {
    async read<T>(scope: string, key: string, load: () => Promise<T>): Promise<{ value: T; cache: CacheOutcome }> {
      const version = o.feed.version(scope);
      if (o.disabled || version === undefined || o.policy.isOpen()) {
        o.onOutcome?.(scope, 'bypass');
        // Still coalesced (per version-less key): a stampede should not hit the database N times.
        return { value: await coalesce(`nover:${scope}:${key}:${version ?? 'x'}`, load), cache: 'bypass' };
      }
      const fullKey = `it360:${o.prefix()}:${scope}:v${version}:${key}`;
      let failed = false;
      try {
        const raw = await o.policy.execute('get', () => o.store.get(fullKey));
        if (raw !== undefined) {
          o.onOutcome?.(scope, 'hit');
          return { value: JSON.parse(raw) as T, cache: 'hit' };
        }
      } catch (err) {
        failed = true;
        warn('get', fullKey, err);
      }
      const value = await coalesce(fullKey, load);
      if (!failed && !o.policy.isOpen()) {
        // Not awaited: the answer does not wait for the cache write. Bounded by the policy.
        o.policy
          .execute('set', () => o.store.set(fullKey, JSON.stringify(value), o.ttlS))
          .catch((err: unknown) => warn('set', fullKey, err));
      }
      o.onOutcome?.(scope, failed ? 'bypass' : 'miss');
      return { value, cache: failed ? 'bypass' : 'miss' };
    },
  };
}
