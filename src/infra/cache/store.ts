import { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';

/** The storage behind the cache: Redis when REDIS_URL is set, an in-process LRU otherwise. */
export interface CacheStore {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlS: number): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** The raw client, for rate-limit counters that share the connection. */
  readonly redis?: Redis;
}

export function createMemoryStore(maxEntries = 5000): CacheStore {
  // Bounded by count; each entry is one API page (tens of KB at most).
  const lru = new LRUCache<string, string>({ max: maxEntries, ttlAutopurge: false });
  return {
    kind: 'memory',
    get: (key) => Promise.resolve(lru.get(key)),
    set: (key, value, ttlS) => {
      lru.set(key, value, { ttl: ttlS * 1000 });
      return Promise.resolve();
    },
    ping: () => Promise.resolve(),
    close: () => {
      lru.clear();
      return Promise.resolve();
    },
  };
}

export interface RedisStoreOptions {
  url: string;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  logger: Logger;
}

/**
 * ioredis with every option that decides whether a call can wait set on purpose. Its
 * defaults queue commands while offline, resend them after a reconnect and retry each
 * up to 20 times: on a dead or silent Redis that is minutes of waiting per call.
 */
export function createRedisStore(o: RedisStoreOptions): CacheStore {
  const redis = new Redis(o.url, {
    // Opening a connection (TCP + TLS) may take this long; outside any request.
    connectTimeout: o.connectTimeoutMs,
    // Every command answers within this or fails; the request's own budget may cut it shorter.
    commandTimeout: o.commandTimeoutMs,
    // A socket that gets no answer to a pending command for 4 command timeouts (at
    // least 1 s) is dead (a frozen server keeps TCP open): drop it and reconnect.
    socketTimeout: Math.max(4 * o.commandTimeoutMs, 1000),
    // Never queue while disconnected: a cache that is not there is a miss, now.
    enableOfflineQueue: false,
    // Never retry or resend a command: the breaker decides when to try again.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // Reconnect in the background with a bounded backoff: 50 ms, 100 ms, … at most 2 s.
    retryStrategy: (times) => Math.min(times * 50, 2000),
    // TCP keepalive after 10 s idle notices a vanished peer between requests.
    keepAlive: 10_000,
    lazyConnect: false,
    enableReadyCheck: true,
    connectionName: 'it360acad',
  });
  let lastError = '';
  redis.on('error', (err: Error & { code?: string }) => {
    // ioredis emits one error per failed reconnect; log only when the reason changes.
    const code = err.code ?? err.message;
    if (code !== lastError)
      o.logger.warn({ dependency: 'cache', op: 'connection', outcome: 'error', errorCode: code }, 'redis connection error');
    lastError = code;
  });
  redis.on('ready', () => {
    if (lastError) o.logger.info({ dependency: 'cache', op: 'connection', outcome: 'ok' }, 'redis connection ready');
    lastError = '';
  });
  return {
    kind: 'redis',
    redis,
    async get(key) {
      const v = await redis.get(key);
      return v ?? undefined;
    },
    async set(key, value, ttlS) {
      await redis.set(key, value, 'EX', ttlS);
    },
    async ping() {
      await redis.ping();
    },
    async close() {
      // quit() waits for pending replies, which a hung server never sends.
      redis.disconnect(false);
      return Promise.resolve();
    },
  };
}
