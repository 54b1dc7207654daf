/**
 * The cache's front door: Redis at REDIS_URL, or else an in-process LRU. The choice is
 * made here and nowhere else; the policy is the cache's one (src/resilience/policies.ts),
 * shared by the cached reads and the rate-limit counters (one breaker per dependency).
 */
import type { Config } from '../../config/index.ts';
import { cachePolicy, type DependencyHooks } from '../../resilience/policies.ts';
import type { DependencyPolicy } from '../../resilience/policy.ts';
import { type CacheStore, createMemoryStore, createRedisStore } from './store.ts';

export type { CacheStore } from './store.ts';

export interface OpenedCache {
  store: CacheStore;
  policy: DependencyPolicy;
  /** What runs where, for the start banner. */
  description: string;
  close(): Promise<void>;
}

export function openCache(config: Readonly<Config>, hooks: DependencyHooks): OpenedCache {
  const store = config.redisUrl
    ? createRedisStore({
        url: config.redisUrl,
        connectTimeoutMs: config.redisConnectTimeoutMs,
        commandTimeoutMs: config.redisCommandTimeoutMs,
        logger: hooks.logger,
      })
    : createMemoryStore();
  return {
    store,
    policy: cachePolicy(config, hooks, store.explain?.bind(store)),
    description: store.kind === 'redis' ? 'Redis (REDIS_URL)' : 'in-process LRU',
    close: () => store.close(),
  };
}
