import { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';

import { type ConnectionSnapshot, createConnectionState } from '../../resilience/connection-state.ts';
import { explainError } from '../../resilience/explain.ts';

/** The storage behind the cache: Redis when REDIS_URL is set, an in-process LRU otherwise. */
export interface CacheStore {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlS: number): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** The raw client, for rate-limit counters that share the connection. */
  readonly redis?: Redis;
  /** Redis's connection as the log tells it (absent for the in-process LRU). */
  connection?(): ConnectionSnapshot;
  /** A failed cache call in operator words ("Redis not answering for 12 s (command timeout 250 ms)"). */
  explain?(err: unknown): string;
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
    explain: (err) => explainError('cache', err),
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
  /** How often a "still down" line is logged while Redis stays away (default once a minute). */
  stillDownEveryMs?: number;
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
  const hints = { timeoutMs: o.commandTimeoutMs };
  const connection = createConnectionState({
    dependency: 'cache',
    logger: o.logger,
    describe: (err, h) => explainError('cache', err, { ...hints, ...h }),
    summaryEveryMs: o.stillDownEveryMs,
  });
  let closing = false;
  // ioredis emits one error per failed reconnect (on a frozen server the reason alternates
  // between a socket timeout and a command timeout): the connection state logs transitions only.
  redis.on('error', (err: Error) => {
    if (!closing) connection.down(err);
  });
  // A close after an error keeps that error as the reason; a close out of the blue is one.
  redis.on('close', () => {
    if (!closing && connection.snapshot().up) connection.down(new Error('Connection is closed.'));
  });
  redis.on('reconnecting', () => connection.attempt());
  redis.on('ready', () => connection.up());
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
    connection: () => connection.snapshot(),
    explain: (err) => explainError('cache', err, { ...hints, ...connection.hints() }),
    async close() {
      closing = true;
      connection.close();
      // quit() waits for pending replies, which a hung server never sends.
      redis.disconnect(false);
      return Promise.resolve();
    },
  };
}
