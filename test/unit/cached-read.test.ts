import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import pino from 'pino';

import { createCachedRead } from '../../src/infra/cache/cached-read.ts';
import type { CacheStore } from '../../src/infra/cache/store.ts';
import type { ChangeFeed } from '../../src/infra/changes/feed.ts';
import { createDependencyPolicy } from '../../src/resilience/policy.ts';
import { waitFor } from '../helpers/wait.ts';

const silent = pino({ level: 'silent' });

/** A store that keeps entries in a map and can be told to fail or hang. */
function fakeStore() {
  const data = new Map<string, string>();
  const s = {
    mode: 'ok' as 'ok' | 'fail' | 'hang',
    gets: 0,
    sets: 0,
    data,
  };
  // Stands in for Redis: the shared tier behind the in-process one.
  const store: CacheStore = {
    kind: 'redis',
    get: (key) => {
      s.gets++;
      if (s.mode === 'fail') return Promise.reject(Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' }));
      // Hung like a frozen Redis: no answer until ioredis's own command timeout fires.
      if (s.mode === 'hang') return new Promise((_, reject) => setTimeout(() => reject(new Error('Command timed out')), 40));
      return Promise.resolve(data.get(key));
    },
    set: (key, value) => {
      s.sets++;
      if (s.mode !== 'ok') return Promise.reject(new Error('down'));
      data.set(key, value);
      return Promise.resolve();
    },
    ping: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  return { s, store };
}

/** A change feed reduced to what the cached read asks of it. */
function fakeFeed() {
  const versions = new Map<string, number>([['users', 1]]);
  const f = { healthy: true, versions };
  const feed = {
    version: (scope: string) => (f.healthy ? versions.get(scope) : undefined),
  } as unknown as ChangeFeed;
  return { f, feed };
}

function setup(opts: { disabled?: boolean; failures?: number; localMaxBytes?: number; shared?: ReturnType<typeof fakeStore> } = {}) {
  const { s, store } = opts.shared ?? fakeStore();
  const { f, feed } = fakeFeed();
  const policy = createDependencyPolicy({
    dependency: 'cache',
    timeoutMs: 30,
    replyMarginMs: 0,
    consecutiveFailures: opts.failures ?? 3,
    halfOpenMs: 60_000,
    concurrency: 50,
    queue: 0,
    isDependencyFailure: () => true,
    errorCode: (e) => (e as { code?: string }).code ?? 'error',
    logger: silent,
  });
  const outcomes: string[] = [];
  const cache = createCachedRead({
    store,
    policy,
    feed,
    logger: silent,
    ttlS: 60,
    disabled: opts.disabled,
    // The in-process tier is on unless a test turns it off to look at Redis alone.
    localMaxBytes: opts.localMaxBytes ?? 1024 * 1024,
    prefix: () => 'db.schema',
    onOutcome: (_scope, o) => outcomes.push(o),
  });
  return { s, f, cache, policy, outcomes };
}

/** Lets the fire-and-forget cache write land. */
const settle = () => new Promise((r) => setImmediate(r));

/** What a read answered, without its ETag and body accessor. */
const plain = <T>(r: { value: T; cache: string }) => ({ value: r.value, cache: r.cache });

describe('cached read', () => {
  it('a miss loads, stores under a versioned key, and the next read is a hit', async () => {
    const { s, cache } = setup();
    let loads = 0;
    const load = () => Promise.resolve({ n: ++loads });
    assert.deepEqual(plain(await cache.read('users', 'page=1', load)), { value: { n: 1 }, cache: 'miss' });
    await settle();
    assert.deepEqual([...s.data.keys()], ['it360:db.schema:users:v1:page=1']);
    assert.deepEqual(plain(await cache.read('users', 'page=1', load)), { value: { n: 1 }, cache: 'hit' });
    assert.equal(loads, 1);
  });

  it('an in-process hit asks nothing of Redis, even a hung one', async () => {
    const { s, cache } = setup();
    await cache.read('users', 'k', () => Promise.resolve('db'));
    await settle();
    const gets = s.gets;
    s.mode = 'hang';
    const started = performance.now();
    for (let i = 0; i < 100; i++) assert.equal((await cache.read('users', 'k', () => Promise.resolve('db2'))).value, 'db');
    assert.equal(s.gets, gets, 'no Redis call');
    // A hung Redis call costs 40 ms here: had each hit waited, a hundred would take 4 s.
    assert.ok(performance.now() - started < 2000);
  });

  it("Redis fills a new process's tier: one database read for the whole fleet", async () => {
    const shared = fakeStore();
    const a = setup({ shared });
    const b = setup({ shared });
    let loads = 0;
    const load = () => Promise.resolve({ n: ++loads });
    assert.equal((await a.cache.read('users', 'k', load)).cache, 'miss');
    await settle();
    const fromRedis = await b.cache.read('users', 'k', load);
    assert.deepEqual(plain(fromRedis), { value: { n: 1 }, cache: 'hit' });
    const gets = shared.s.gets;
    assert.equal((await b.cache.read('users', 'k', load)).cache, 'hit');
    assert.equal(shared.s.gets, gets, 'the second read in b is in-process');
    assert.equal(loads, 1);
  });

  it('serializes once per entry, and the ETag is strong, shared across processes and changed by a write', async () => {
    const shared = fakeStore();
    const a = setup({ shared });
    const b = setup({ shared });
    let calls = 0;
    const serialize = (v: { n: number }) => {
      calls++;
      return JSON.stringify(v);
    };
    const load = () => Promise.resolve({ n: 1 });
    const first = await a.cache.read('users', 'k', load);
    const bodies = [first.body!(serialize)];
    for (let i = 0; i < 5; i++) bodies.push((await a.cache.read('users', 'k', load)).body!(serialize));
    assert.equal(calls, 1, 'one serialization for six answers');
    assert.ok(bodies.every((x) => x === '{"n":1}'));
    assert.match(first.etag!, /^"[A-Za-z0-9_-]{20,}"$/, 'a strong ETag (no W/)');
    await settle();
    assert.equal((await b.cache.read('users', 'k', load)).etag, first.etag, 'the same bytes have the same ETag in every process');
    a.f.versions.set('users', 2);
    const after = await a.cache.read('users', 'k', () => Promise.resolve({ n: 2 }));
    assert.notEqual(after.etag, first.etag);
    assert.equal(after.body!(serialize), '{"n":2}');
    // Another route's serializer (another shape) gets its own bytes.
    assert.equal(
      after.body!((v) => `[${v.n}]`),
      '[2]',
    );
  });

  it('the in-process tier stays within its byte bound', async () => {
    const { cache } = setup({ localMaxBytes: 64 * 1024 });
    const value = 'x'.repeat(1000);
    for (let i = 0; i < 500; i++) await cache.read('users', `k${i}`, () => Promise.resolve(value));
    const st = cache.local.stats();
    assert.ok(st.bytes <= 64 * 1024, `${st.bytes} bytes`);
    assert.ok(st.entries > 0 && st.entries < 500, `${st.entries} entries`);
  });

  it('bypassed reads carry no ETag and no cached bytes', async () => {
    const { f, cache } = setup();
    f.healthy = false;
    const r = await cache.read('users', 'k', () => Promise.resolve('db'));
    assert.equal(r.etag, undefined);
    assert.equal(r.body, undefined);
  });

  it('after a write bumps the version, nothing cached before it is read again', async () => {
    const { f, cache } = setup();
    let n = 0;
    const load = () => Promise.resolve(++n);
    await cache.read('users', 'k', load);
    await settle();
    f.versions.set('users', 2);
    assert.deepEqual(plain(await cache.read('users', 'k', load)), { value: 2, cache: 'miss' });
  });

  it('concurrent misses on one key share one load', async () => {
    const { cache } = setup();
    let loads = 0;
    let release!: (v: string) => void;
    const gate = new Promise<string>((r) => (release = r));
    const load = () => {
      loads++;
      return gate;
    };
    const reads = Array.from({ length: 10 }, () => cache.read('users', 'k', load));
    await settle();
    release('v');
    const results = await Promise.all(reads);
    assert.equal(loads, 1);
    assert.ok(results.every((r) => r.value === 'v'));
  });

  it('a read that starts after a write never joins a load that started before it', async () => {
    const { f, cache } = setup();
    let release!: (v: string) => void;
    const before = cache.read('users', 'k', () => new Promise<string>((r) => (release = r)));
    await settle();
    f.versions.set('users', 2);
    const after = await cache.read('users', 'k', () => Promise.resolve('new'));
    release('old');
    assert.equal((await before).value, 'old');
    assert.equal(after.value, 'new');
  });

  it('fails open: a failing store is a bypass served from the database', async () => {
    const { s, cache } = setup();
    s.mode = 'fail';
    assert.deepEqual(plain(await cache.read('users', 'k', () => Promise.resolve('db'))), { value: 'db', cache: 'bypass' });
    assert.equal(s.sets, 0, 'no write is attempted after a failed read');
  });

  it('a hung store costs one command timeout, then the open breaker costs nothing', async () => {
    const { s, cache, policy } = setup({ failures: 2 });
    s.mode = 'hang';
    for (let i = 0; i < 2; i++) assert.equal((await cache.read('users', `k${i}`, () => Promise.resolve('db'))).cache, 'bypass');
    // The breaker learns of each failure when the hung command finally errors (ioredis's timeout).
    await waitFor(() => policy.isOpen(), 2_000, 'breaker open');
    const gets = s.gets;
    const started = performance.now();
    assert.deepEqual(plain(await cache.read('users', 'k', () => Promise.resolve('db'))), { value: 'db', cache: 'bypass' });
    assert.ok(performance.now() - started < 25, 'no wait once the breaker is open');
    assert.equal(s.gets, gets, 'the store is not asked while the breaker is open');
  });

  it('when the feed cannot vouch for the version, the cache is bypassed', async () => {
    const { s, f, cache } = setup();
    f.healthy = false;
    assert.deepEqual(plain(await cache.read('users', 'k', () => Promise.resolve('db'))), { value: 'db', cache: 'bypass' });
    assert.equal(s.gets + s.sets, 0);
  });

  it('CACHE_DISABLED bypasses the store but still coalesces', async () => {
    const { s, cache } = setup({ disabled: true });
    let loads = 0;
    const load = () => new Promise<number>((r) => setTimeout(() => r(++loads), 5));
    const results = await Promise.all([cache.read('users', 'k', load), cache.read('users', 'k', load)]);
    assert.deepEqual(
      results.map((r) => r.cache),
      ['bypass', 'bypass'],
    );
    assert.equal(loads, 1);
    assert.equal(s.gets, 0);
  });
});
