import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import pg from 'pg';

import { DataDirLockedError, type EmbeddedPostgres, startEmbeddedPostgres } from '../src/infra/database/embedded/index.ts';
import { acquireDataDirLock, LOCK_FILE_NAME } from '../src/infra/database/embedded/lock.ts';
import { waitFor as waitUntil } from './helpers/wait.ts';

// A start takes under 1 s on a quiet machine; with the load average at 30 on 2 cores it
// took over 30 s (the product default), so the tests give it 120 s: slow, not wedged.
const START_TIMEOUT_MS = 120_000;

const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const indexUrl = new URL('../src/infra/database/embedded/index.ts', import.meta.url).href;
const lockUrl = new URL('../src/infra/database/embedded/lock.ts', import.meta.url).href;
const quiet = () => {};

// A cold start (initdb) takes seconds, a warm one well under a second. We initialize one
// database up front and copy it into each test's fresh directory, so the suite pays for a
// cold start only once. The hook itself exercises the cold path.
let template: string;
let coldMs: number;
before(async () => {
  template = fs.mkdtempSync(path.join(os.tmpdir(), 'pglite-'));
  const t0 = Date.now();
  const db = await startEmbeddedPostgres({ dataDir: template, log: quiet, startTimeoutMs: START_TIMEOUT_MS });
  coldMs = Date.now() - t0;
  await db.stop();
  assert.ok(!fs.existsSync(path.join(template, LOCK_FILE_NAME)), 'stop() removes the lock');
});
after(() => fs.rmSync(template, { recursive: true, force: true }));

type TestCtx = { after(fn: () => unknown): void };

// t.after hooks run in registration order. Cleanups need reverse order: stop the database
// before deleting its directory, or the stopping child writes into a half-deleted tree.
const cleanupStacks = new WeakMap<TestCtx, Array<() => unknown>>();
function defer(t: TestCtx, fn: () => unknown): void {
  let stack = cleanupStacks.get(t);
  if (!stack) {
    const fresh: Array<() => unknown> = [];
    cleanupStacks.set(t, fresh);
    t.after(async () => {
      for (const f of fresh.reverse()) await f();
    });
    stack = fresh;
  }
  stack.push(fn);
}

function freshDir(t: TestCtx, { seeded = true } = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pglite-'));
  if (seeded) fs.cpSync(path.join(template, 'pgdata'), path.join(dir, 'pgdata'), { recursive: true });
  defer(t, () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function start(t: TestCtx, dataDir: string): Promise<EmbeddedPostgres> {
  const db = await startEmbeddedPostgres({ dataDir, log: quiet, startTimeoutMs: START_TIMEOUT_MS });
  defer(t, () => db.stop());
  return db;
}

async function withPool<T>(db: EmbeddedPostgres, fn: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString: db.connectionString, max: 1 });
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}

/** Gone means no such process, or a zombie nobody has reaped yet (the orphan's new parent may be slow to reap). */
function pidGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** {@link waitUntil}, answering how long it took. */
async function waitFor(cond: () => boolean, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  await waitUntil(cond, timeoutMs, 'condition', 50);
  return Date.now() - t0;
}

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  assert.ok(r.pid);
  return r.pid;
}

test('serves queries over pg with a one-connection pool', async (t) => {
  const t0 = Date.now();
  const db = await start(t, freshDir(t));
  t.diagnostic(`cold start ${coldMs} ms (before hook), warm start ${Date.now() - t0} ms`);
  assert.match(db.connectionString, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);

  await withPool(db, async (pool) => {
    await pool.query('CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)');
    await pool.query('INSERT INTO items VALUES ($1, $2)', [1, 'one']);
    assert.deepEqual((await pool.query('SELECT name FROM items WHERE id = $1', [1])).rows, [{ name: 'one' }]);

    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('INSERT INTO items VALUES ($1, $2)', [2, 'two']);
      await client.query('COMMIT');
      await client.query('BEGIN');
      await client.query('INSERT INTO items VALUES ($1, $2)', [3, 'three']);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    assert.deepEqual((await pool.query('SELECT id FROM items ORDER BY id')).rows, [{ id: 1 }, { id: 2 }]);

    await pool.query('SELECT pg_advisory_lock(1)');
    assert.deepEqual((await pool.query('SELECT pg_advisory_unlock(1) AS ok')).rows, [{ ok: true }]);

    // pg-pool throws away the connection after a failed query and reconnects at once. With
    // the server limited to one connection, that reconnect was refused and the next query
    // failed.
    for (let i = 0; i < 5; i++) {
      await assert.rejects(pool.query('INSERT INTO items VALUES (1, $1)', ['dup']), { code: '23505' });
      assert.equal((await pool.query('SELECT count(*)::int AS n FROM items')).rows[0].n, 2);
    }
  });
});

test('data persists across stop() and a new start', async (t) => {
  const dir = freshDir(t);
  const first = await startEmbeddedPostgres({ dataDir: dir, log: quiet, startTimeoutMs: START_TIMEOUT_MS });
  await withPool(first, async (pool) => {
    await pool.query('CREATE TABLE kept (v text)');
    await pool.query('INSERT INTO kept VALUES ($1)', ['survives']);
  });
  await first.stop();
  assert.ok(pidGone(first.pid));
  assert.ok(!fs.existsSync(path.join(dir, LOCK_FILE_NAME)));

  const second = await start(t, dir);
  const rows = await withPool(second, async (pool) => (await pool.query('SELECT v FROM kept')).rows);
  assert.deepEqual(rows, [{ v: 'survives' }]);
});

test('a second start on a directory in use is refused', async (t) => {
  const dir = freshDir(t);
  const first = await start(t, dir);
  await assert.rejects(startEmbeddedPostgres({ dataDir: dir, log: quiet, startTimeoutMs: START_TIMEOUT_MS }), (err: Error) => {
    assert.ok(err instanceof DataDirLockedError);
    assert.match(err.message, /in use by process \d+/);
    assert.ok(err.message.includes(dir));
    assert.equal(err.holderPid, first.pid);
    return true;
  });
  // The refused attempt must not have disturbed the running one.
  await withPool(first, async (pool) => assert.equal((await pool.query('SELECT 1 AS x')).rows[0].x, 1));
});

test('a stale lock left by a SIGKILLed child is taken over', async (t) => {
  const dir = freshDir(t);
  const first = await startEmbeddedPostgres({ dataDir: dir, log: quiet, startTimeoutMs: START_TIMEOUT_MS });
  await withPool(first, async (pool) => {
    await pool.query('CREATE TABLE k (v text)');
    await pool.query("INSERT INTO k VALUES ('before-kill')");
  });
  process.kill(first.pid, 'SIGKILL');
  await waitFor(() => pidGone(first.pid), 5000);
  assert.ok(fs.existsSync(path.join(dir, LOCK_FILE_NAME)), 'the lock is left behind');

  const second = await start(t, dir);
  // We observed that PGlite on NodeFS keeps committed rows through SIGKILL (WAL replay).
  const rows = await withPool(second, async (pool) => (await pool.query('SELECT v FROM k')).rows);
  assert.deepEqual(rows, [{ v: 'before-kill' }]);
  const holder = JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE_NAME), 'utf8'));
  assert.equal(holder.pid, second.pid);
  await second.stop();
});

/** Starts the embedded db in a separate parent process; resolves with both pids once it is ready. */
async function spawnParent(t: TestCtx, dataDir: string, busyQuery: boolean) {
  const code = `
    const { startEmbeddedPostgres } = await import(${JSON.stringify(indexUrl)});
    const db = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, log: () => {}, startTimeoutMs: ${START_TIMEOUT_MS} });
    if (${busyQuery}) {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: db.connectionString });
      client.on('error', () => {});
      await client.connect();
      client.query('SELECT pg_sleep(60)').catch(() => {});
      await new Promise((r) => setTimeout(r, 300)); // let the query reach the child
    }
    console.log(JSON.stringify({ childPid: db.pid }));
    setInterval(() => {}, 1000);
  `;
  const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  defer(t, () => {
    if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
  });
  const childPid = await new Promise<number>((resolve, reject) => {
    let out = '';
    parent.stdout.setEncoding('utf8');
    parent.stdout.on('data', (chunk: string) => {
      out += chunk;
      const m = /"childPid":(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    parent.once('exit', (c) => reject(new Error(`parent exited early (${c}): ${out}`)));
  });
  defer(t, () => {
    if (!pidGone(childPid)) process.kill(childPid, 'SIGKILL');
  });
  return { parent, childPid };
}

test('the child exits cleanly when its parent dies', async (t) => {
  const dir = freshDir(t);
  const { parent, childPid } = await spawnParent(t, dir, false);
  assert.ok(!pidGone(childPid));
  parent.kill('SIGKILL');
  const ms = await waitFor(() => pidGone(childPid), 5000);
  t.diagnostic(`idle child gone ${ms} ms after its parent was killed`);
  // The clean path (IPC disconnect) ran, so the lock was released.
  await waitFor(() => !fs.existsSync(path.join(dir, LOCK_FILE_NAME)), 1000);
});

test('the child exits when its parent dies even while a query blocks it', async (t) => {
  const dir = freshDir(t);
  const { parent, childPid } = await spawnParent(t, dir, true);
  parent.kill('SIGKILL');
  // The main thread is stuck in pg_sleep(60), so only the orphan watchdog (0.5 s poll plus
  // 2 s grace) can end it.
  const ms = await waitFor(() => pidGone(childPid), 6000);
  t.diagnostic(`busy child gone ${ms} ms after its parent was killed`);
});

test('lock: concurrent takeovers of a stale lock have exactly one winner', async (t) => {
  const dir = freshDir(t, { seeded: false });
  fs.writeFileSync(
    path.join(dir, LOCK_FILE_NAME),
    JSON.stringify({ pid: deadPid(), startedAt: new Date().toISOString(), hostname: os.hostname() }),
  );
  // Each contender loads the module, says "ready", and waits for "go", so that they all
  // collide. It then reports the outcome and holds the lock (if it won) until stdin closes,
  // which the test does only after every contender has reported. A winner that exited early
  // would leave a stale lock a late contender could rightfully take.
  const code = `
    const { acquireDataDirLock } = await import(${JSON.stringify(lockUrl)});
    process.stdin.setEncoding('utf8');
    process.stdin.once('data', () => {
      try { acquireDataDirLock(${JSON.stringify(dir)}); console.log('won'); }
      catch (e) { console.log(e.code === 'locked' ? 'locked' : 'error ' + e.message); }
    });
    process.stdin.once('end', () => process.exit(0));
    console.log('ready');
  `;
  const contenders = Array.from({ length: 6 }, () => {
    const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: projectRoot });
    defer(t, () => {
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    });
    const lines: string[] = [];
    const waiters: Array<() => void> = [];
    p.stdout.setEncoding('utf8');
    let buf = '';
    p.stdout.on('data', (chunk: string) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        waiters.shift()?.();
      }
    });
    const line = async (n: number) => {
      while (lines.length < n) await new Promise<void>((r) => waiters.push(r));
      return lines[n - 1];
    };
    return { p, line };
  });
  for (const c of contenders) assert.equal(await c.line(1), 'ready');
  for (const c of contenders) c.p.stdin.write('go\n');
  const results = await Promise.all(contenders.map((c) => c.line(2)));
  for (const c of contenders) c.p.stdin.end();
  await Promise.all(contenders.map((c) => new Promise((r) => (c.p.exitCode !== null ? r(null) : c.p.once('exit', r)))));

  assert.equal(results.filter((r) => r === 'won').length, 1, results.join(', '));
  assert.equal(results.filter((r) => r === 'locked').length, results.length - 1, results.join(', '));
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f !== LOCK_FILE_NAME),
    [],
    'no temp or claim files left',
  );
});

test('lock: garbage is taken over, and release() leaves a lock that is not ours', (t) => {
  const dir = freshDir(t, { seeded: false });
  const lockPath = path.join(dir, LOCK_FILE_NAME);
  fs.writeFileSync(lockPath, 'not json');
  const lock = acquireDataDirLock(dir);
  assert.equal(JSON.parse(fs.readFileSync(lockPath, 'utf8')).pid, process.pid);

  // Someone judged us dead and took over; our release must not delete their lock.
  const theirs = JSON.stringify({ pid: 1, startedAt: new Date(0).toISOString(), hostname: 'x' });
  fs.writeFileSync(lockPath, theirs);
  lock.release();
  assert.equal(fs.readFileSync(lockPath, 'utf8'), theirs);

  // The process starting after the lock was written means the pid was reused: stale.
  fs.writeFileSync(lockPath, JSON.stringify({ pid: process.pid === 1 ? 2 : 1, startedAt: new Date(0).toISOString(), hostname: 'x' }));
  if (fs.existsSync('/proc/1/stat')) acquireDataDirLock(dir).release();
  else fs.rmSync(lockPath);
  assert.ok(!fs.existsSync(lockPath));

  // A live process started before the lock was written is a real holder.
  fs.writeFileSync(lockPath, JSON.stringify({ pid: process.ppid, startedAt: new Date().toISOString(), hostname: os.hostname() }));
  assert.throws(() => acquireDataDirLock(dir), DataDirLockedError);
});
