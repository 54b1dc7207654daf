import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';

import type { DependencyPolicy } from '../../resilience/policy.ts';

/** One counter to bump: its key and the length of its fixed window. */
export interface CounterHit {
  key: string;
  windowMs: number;
}

/** A counter after a hit: how many hits its window holds, and when the window ends. */
export interface CounterState {
  count: number;
  resetInMs: number;
  /** Where the count came from: the shared Redis, or this process alone. */
  source: 'redis' | 'local';
}

/** Fixed-window counters for rate limits, shared through Redis when it is there. */
export interface WindowCounters {
  /** Adds one to each counter (creating its window on the first hit) and returns the counts. */
  hit(hits: CounterHit[]): Promise<CounterState[]>;
  /** Takes one back from each counter: the attempt turned out not to count (a login that succeeded). */
  undo(keys: string[]): Promise<void>;
}

export interface CountersOptions {
  /** The cache's Redis connection, when REDIS_URL is set. */
  redis?: Redis;
  /** The cache's policy: the same timeout, breaker and bulkhead as every other Redis call. */
  policy?: DependencyPolicy;
  /** Prefixes every key, so services sharing a Redis (or test schemas) never share counters. */
  namespace: () => string;
}

// One round trip for all of a request's counters. PTTL < 0 covers both a new key and one
// whose PEXPIRE was lost (a crash between the two calls would otherwise count forever).
const HIT_SCRIPT = `
local out = {}
for i, key in ipairs(KEYS) do
  local n = redis.call('INCR', key)
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then
    ttl = tonumber(ARGV[i])
    redis.call('PEXPIRE', key, ttl)
  end
  out[#out + 1] = n
  out[#out + 1] = ttl
end
return out`;

// Only decrements a counter that still exists and is above zero: an undo after the
// window ended must not start a new window with a negative count.
const UNDO_SCRIPT = `
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key) end
end
return 0`;

/**
 * Counters on the shared Redis, with this process's own counters kept alongside.
 *
 * When Redis is down, slow or its breaker is open, the limits are enforced from the
 * in-process counters: neither fail-open nor fail-closed, on purpose. Fail-open would let
 * a Redis outage (which an attacker may be able to cause) switch off brute-force
 * protection; fail-closed would lock everyone out of login because a cache died, against
 * SPEC.md's promise that a dead cache costs nothing once detected. The price: while Redis
 * is away each process counts alone, so across N processes an attacker gets up to N times
 * the limit; still bounded. Local counters are bumped on every hit, Redis or not, so a
 * process that falls back already holds its own share of the recent attempts.
 */
export function createWindowCounters(o: CountersOptions): WindowCounters {
  // 100,000 keys of a few dozen bytes each: a few MiB at most. An attacker rotating
  // emails only pushes out the oldest windows; memory stays bounded.
  const local = new LRUCache<string, { count: number; resetAt: number }>({ max: 100_000 });

  function hitLocal(h: CounterHit, now: number): CounterState {
    let e = local.get(h.key);
    if (!e || e.resetAt <= now) {
      e = { count: 0, resetAt: now + h.windowMs };
      local.set(h.key, e, { ttl: h.windowMs });
    }
    e.count += 1;
    return { count: e.count, resetInMs: e.resetAt - now, source: 'local' };
  }

  const redis = o.redis;
  const policy = o.policy;
  const useRedis = () => redis !== undefined && policy !== undefined && !policy.isOpen();
  const fullKey = (k: string) => `rl:${o.namespace()}:${k}`;

  return {
    async hit(hits) {
      const now = Date.now();
      const localStates = hits.map((h) => hitLocal(h, now));
      if (!useRedis()) return localStates;
      try {
        const raw = (await policy!.execute('ratelimit.hit', () =>
          redis!.eval(HIT_SCRIPT, hits.length, ...hits.map((h) => fullKey(h.key)), ...hits.map((h) => String(h.windowMs))),
        )) as number[];
        return hits.map((_, i) => ({ count: Number(raw[2 * i]), resetInMs: Number(raw[2 * i + 1]), source: 'redis' as const }));
      } catch {
        // Already logged by the policy (dependency "cache", op "ratelimit.hit").
        return localStates;
      }
    },

    async undo(keys) {
      const now = Date.now();
      for (const k of keys) {
        const e = local.get(k);
        if (e && e.resetAt > now && e.count > 0) e.count -= 1;
      }
      if (!useRedis()) return;
      try {
        await policy!.execute('ratelimit.undo', () => redis!.eval(UNDO_SCRIPT, keys.length, ...keys.map(fullKey)));
      } catch {
        // A lost undo leaves one extra attempt counted until the window ends: harmless.
      }
    },
  };
}
