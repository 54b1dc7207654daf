/**
 * Child process entry of the embedded database: PGlite served over the Postgres wire protocol
 * on a loopback port. Started by ./index.ts.
 *
 * It runs in a process of its own because PGlite executes each query synchronously on the
 * thread that owns it. A slow query would otherwise freeze the app's event loop, and
 * statement_timeout is not enforced, so restarting this process is the only way to stop a
 * runaway query.
 *
 * Usage: node --import tsx pglite-server.ts <dataDir>   (or DATA_DIR=<dataDir>; compiled:
 *        node dist/infra/database/embedded/pglite-server.js <dataDir>)
 * Protocol: one message to the parent over IPC, { type: 'ready', port } or
 * { type: 'error', code, message }.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

import { acquireDataDirLock, type DataDirLock, DataDirLockedError } from './lock.ts';

export type EmbeddedServerMessage =
  | { type: 'ready'; port: number; phases: StartPhases }
  | { type: 'error'; code: 'locked'; message: string; dataDir: string; holderPid: number }
  | { type: 'error'; code: 'failed'; message: string };

/**
 * Where this process's start went, in ms: `bootMs` from the process's start until this
 * module runs (Node, the tsx loader, PGlite's JavaScript), `openMs` PGlite's own open
 * (WASM compile, and initdb on a first start), `listenMs` the socket server.
 */
export interface StartPhases {
  bootMs: number;
  openMs: number;
  listenMs: number;
}

// Time since this process started: ESM imports are evaluated before this line runs.
const moduleAt = performance.now();

// Once the parent is gone, the watchdog gives a clean shutdown this long before it kills
// the process. A clean close takes milliseconds; this only ends a process whose main thread
// is stuck in a long query. Postgres's WAL makes a kill safe for committed data.
const ORPHAN_GRACE_MS = 2000;
// How often the watchdog checks whether the parent is gone. Half a second keeps an orphan's
// lifetime to a few seconds, and the check costs one getppid() call.
const ORPHAN_POLL_MS = 500;

const dataDir = path.resolve(process.argv[2] ?? process.env.DATA_DIR ?? '');
const originalPpid = process.ppid;

let lock: DataDirLock | undefined;
let db: PGlite | undefined;
let server: PGLiteSocketServer | undefined;
let shuttingDown: Promise<void> | undefined;

// A closed IPC channel is the reliable sign that the parent is gone, whether it exited or
// was killed.
process.on('disconnect', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
// A Ctrl-C reaches the whole process group. With a parent on the IPC channel, the parent
// decides when the database stops (after its workers drained), not the terminal.
process.on('SIGINT', () => {
  if (!process.connected) void shutdown(0);
});
// The synchronous 'exit' hook covers every path out of the process, including
// process.exit() calls we don't control.
process.on('exit', () => lock?.release());
// If the parent dies, its end of our stdout/stderr pipes closes. Writes then raise EPIPE,
// which must not crash us before the clean shutdown.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

startOrphanWatchdog();

try {
  if (!process.argv[2] && !process.env.DATA_DIR) {
    throw new Error('pglite-server: no data directory (pass it as the first argument or set DATA_DIR)');
  }
  fs.mkdirSync(dataDir, { recursive: true });
  lock = acquireDataDirLock(dataDir);

  const openAt = performance.now();
  db = await openDatabase(path.join(dataDir, 'pgdata'));
  const openedAt = performance.now();

  let port = 0;
  server = new PGLiteSocketServer({
    db,
    host: '127.0.0.1',
    port: 0,
    // The app uses ONE connection, but pg-pool throws away a connection after any failed
    // query and connects again at once. The server frees the old slot only on a later tick,
    // so with a limit of 1 the new connection is refused with "Too many connections". Every
    // query after an error then fails ("Connection terminated unexpectedly"): 30 of 30 in
    // our tests. A second slot absorbs that overlap. The server already serializes queries
    // and keeps each transaction to its own connection.
    maxConnections: 2,
  });
  server.addEventListener('listening', (e) => {
    port = (e as CustomEvent<{ port: number }>).detail.port;
  });
  await server.start();

  // The parent may have died while PGlite was initializing (its WASM ran on this thread).
  if (shuttingDown) await shuttingDown;
  else {
    const phases = { bootMs: moduleAt, openMs: openedAt - openAt, listenMs: performance.now() - openedAt };
    send({ type: 'ready', port, phases: roundAll(phases) });
  }
} catch (err) {
  if (err instanceof DataDirLockedError) {
    await sendAndExit({ type: 'error', code: 'locked', message: err.message, dataDir: err.dataDir, holderPid: err.holderPid }, 1);
  } else {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`pglite-server: startup failed: ${message}\n`);
    await closeDb();
    await sendAndExit({ type: 'error', code: 'failed', message: err instanceof Error ? err.message : String(err) }, 1);
  }
}

/**
 * PGlite runs initdb straight into the target directory and decides between "resume" and
 * "initdb" only by whether PG_VERSION exists. An initdb can be interrupted during the few
 * seconds of a cold start (Ctrl-C, a start timeout, a dead parent). When we killed one, the
 * next start re-ran initdb over the leftovers and worked. But that depends on initdb
 * overwriting every leftover file and on PG_VERSION being written last, and we don't want
 * to rely on either. So the first initialization happens in a scratch directory, which is
 * renamed into place only once it is complete. It costs one extra open and close, on the
 * first start only. We hold the lock, so any leftover scratch directory is from a crashed
 * start.
 */
async function openDatabase(pgdata: string): Promise<PGlite> {
  const scratchPrefix = `${path.basename(pgdata)}.init-`;
  for (const name of fs.readdirSync(path.dirname(pgdata))) {
    if (name.startsWith(scratchPrefix)) fs.rmSync(path.join(path.dirname(pgdata), name), { recursive: true, force: true });
  }
  if (isEmptyDir(pgdata)) fs.rmdirSync(pgdata);
  if (!fs.existsSync(pgdata)) {
    const scratch = `${pgdata}.init-${process.pid}`;
    fs.mkdirSync(scratch);
    const fresh = await PGlite.create({ dataDir: scratch });
    await fresh.close();
    fs.renameSync(scratch, pgdata);
  }
  return PGlite.create({ dataDir: pgdata });
}

function isEmptyDir(dir: string): boolean {
  try {
    return fs.readdirSync(dir).length === 0;
  } catch {
    return false;
  }
}

function shutdown(code: number): Promise<void> {
  shuttingDown ??= (async () => {
    try {
      await server?.stop();
    } catch (err) {
      process.stderr.write(`pglite-server: closing the socket server failed: ${String(err)}\n`);
    }
    // A clean close checkpoints, so the next start has no WAL to replay.
    await closeDb();
    lock?.release();
    process.exit(code);
  })();
  return shuttingDown;
}

async function closeDb(): Promise<void> {
  if (!db || db.closed) return;
  try {
    await db.close();
  } catch (err) {
    process.stderr.write(`pglite-server: closing PGlite failed: ${String(err)}\n`);
  }
}

function roundAll<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v as number)])) as T;
}

function send(msg: EmbeddedServerMessage): void {
  if (process.send) process.send(msg);
  else process.stdout.write(`${JSON.stringify(msg)}\n`); // started by hand, without IPC
}

function sendAndExit(msg: EmbeddedServerMessage, code: number): Promise<void> {
  return new Promise(() => {
    // process.send is asynchronous. We exit only after the message is flushed, or the parent
    // would see a bare exit instead of the reason.
    if (process.send && process.connected) process.send(msg, () => process.exit(code));
    else {
      send(msg);
      process.exit(code);
    }
  });
}

/**
 * While a query runs, PGlite blocks the main thread, so 'disconnect' and signal handlers run
 * only after the query finishes, and a runaway query would let this process outlive its
 * parent. A worker thread has its own event loop. It notices the parent is gone from the
 * change in getppid() (the orphan is reparented) and kills the process if the clean path
 * has not finished within the grace period. It is unref'd, so it never keeps the process alive.
 */
function startOrphanWatchdog(): void {
  if (!process.send) return; // no parent to outlive
  const worker = new Worker(
    `
    const { workerData } = require('node:worker_threads');
    const { ppid, graceMs, pollMs } = workerData;
    const timer = setInterval(() => {
      if (process.ppid === ppid) return;
      clearInterval(timer);
      setTimeout(() => process.kill(process.pid, 'SIGKILL'), graceMs);
    }, pollMs);
    `,
    { eval: true, workerData: { ppid: originalPpid, graceMs: ORPHAN_GRACE_MS, pollMs: ORPHAN_POLL_MS } },
  );
  worker.unref();
  worker.on('error', (err) => process.stderr.write(`pglite-server: orphan watchdog failed: ${String(err)}\n`));
}
