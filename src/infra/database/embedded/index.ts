/**
 * The embedded database, used when DATABASE_URL is unset: PGlite in a child process
 * (./pglite-server.ts), reached through the ordinary `pg` driver over loopback TCP.
 * Use a pool of ONE connection (`new pg.Pool({ connectionString, max: 1 })`), because PGlite
 * runs a single backend that serializes all queries anyway.
 */
import { type ChildProcess, fork } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

import { childExecArgv, moduleUrl } from '../../../shared/runtime.ts';
import { DataDirLockedError } from './lock.ts';
import type { EmbeddedServerMessage, StartPhases } from './pglite-server.ts';

export { DataDirLockedError } from './lock.ts';

export interface EmbeddedPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres. PGlite accepts any user or database name, with no password. */
  readonly connectionString: string;
  /** Pid of the child process that runs PGlite. */
  readonly pid: number;
  /** Stops the child: SIGTERM for a clean close, then SIGKILL if needed. Safe to call more than once. */
  stop(): Promise<void>;
}

export interface StartEmbeddedPostgresOptions {
  dataDir: string;
  log?: (msg: string, extra?: object) => void;
  startTimeoutMs?: number;
}

// The service passes EMBEDDED_DB_START_TIMEOUT_MS (src/config/variables.ts says why its
// default); direct callers (tests, tools) get the same 120 s.
const DEFAULT_START_TIMEOUT_MS = 120_000;
// A clean stop takes milliseconds (close the socket server, checkpoint, close PGlite). But
// the child answers SIGTERM only after its current query finishes, because PGlite runs
// queries on its main thread. 5 s lets an ordinary query finish, keeps a runaway one from
// hanging shutdown, and fits inside Docker's default 10 s stop grace period.
const STOP_GRACE_MS = 5_000;
// Lines of the child's stderr that we keep, to explain a failed start.
const STDERR_TAIL_LINES = 20;

const serverEntry = fileURLToPath(moduleUrl('./pglite-server.ts', import.meta.url));

export async function startEmbeddedPostgres(opts: StartEmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = opts.log ?? ((msg: string, extra?: object) => process.stderr.write(`${msg}${extra ? ` ${JSON.stringify(extra)}` : ''}\n`));
  const startTimeoutMs = opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const startedAt = Date.now();

  const child = fork(serverEntry, [opts.dataDir], {
    execPath: process.execPath,
    // From source: tsx resolved from this module rather than from the cwd, as a bare
    // "--import tsx" would, so the child also starts when the app runs from another
    // directory. Compiled: plain node with source maps.
    execArgv: childExecArgv(),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  if (child.pid === undefined) {
    // fork reports spawn failures through 'error', but the pid check keeps the type honest.
    await new Promise((resolve) => child.once('error', resolve));
    throw new Error('Could not start the embedded database process');
  }
  const pid = child.pid;

  const stderrTail: string[] = [];
  forwardLines(child, (stream, line) => {
    if (stream === 'stderr') {
      stderrTail.push(line);
      if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
    }
    log(`embedded database: ${line}`, { pid, stream });
  });

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let stopping = false;

  let phases: StartPhases | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      // SIGKILL, because a child stuck in WASM would not act on SIGTERM anyway.
      child.kill('SIGKILL');
      reject(new Error(`The embedded database did not start within ${startTimeoutMs} ms (data directory ${opts.dataDir})`));
    }, startTimeoutMs);
    const done = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    const onMessage = (raw: unknown) => {
      const msg = raw as EmbeddedServerMessage;
      if (msg?.type === 'ready') {
        done();
        phases = msg.phases;
        resolve(msg.port);
      } else if (msg?.type === 'error') {
        done();
        reject(
          msg.code === 'locked'
            ? new DataDirLockedError(msg.dataDir, msg.holderPid)
            : new Error(`The embedded database failed to start: ${msg.message}`),
        );
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      done();
      const tail = stderrTail.length ? `\n${stderrTail.join('\n')}` : '';
      reject(new Error(`The embedded database process exited during startup (${signal ?? `code ${code}`})${tail}`));
    };
    const onError = (err: Error) => {
      done();
      child.kill('SIGKILL');
      reject(err);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.once('error', onError);
  });

  // startMs is the whole wait; the child's phases say where it went (the rest is the fork
  // and the message's way back).
  log('embedded database ready', { pid, port, dataDir: opts.dataDir, startMs: Date.now() - startedAt, ...phases });

  void exited.then(({ code, signal }) => {
    if (!stopping) log('embedded database process exited unexpectedly', { pid, code, signal });
  });

  // Past startup, the child must not keep the app alive on its own. If the app exits without
  // calling stop(), the closed IPC channel tells the child to shut down cleanly.
  child.unref();
  child.channel?.unref();
  (child.stdout as Socket | null)?.unref();
  (child.stderr as Socket | null)?.unref();

  let stopped: Promise<void> | undefined;
  return {
    connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
    pid,
    stop() {
      stopped ??= (async () => {
        stopping = true;
        if (child.exitCode !== null || child.signalCode !== null) return;
        // Whoever awaits the stop must be kept alive until the child has exited: the
        // child was unref'd above, and after the grace timer only its exit is pending.
        child.ref();
        child.kill('SIGTERM');
        let graceTimer: NodeJS.Timeout | undefined;
        const graceOver = new Promise<'timeout'>((resolve) => {
          graceTimer = setTimeout(() => resolve('timeout'), STOP_GRACE_MS);
        });
        const outcome = await Promise.race([exited, graceOver]);
        clearTimeout(graceTimer);
        if (outcome === 'timeout') {
          log('embedded database did not stop in time; killing it', { pid, graceMs: STOP_GRACE_MS });
          child.kill('SIGKILL');
          await exited;
        }
      })();
      return stopped;
    },
  };
}

function forwardLines(child: ChildProcess, onLine: (stream: 'stdout' | 'stderr', line: string) => void): void {
  for (const stream of ['stdout', 'stderr'] as const) {
    const readable = child[stream];
    if (!readable) continue;
    readable.setEncoding('utf8');
    let partial = '';
    readable.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) onLine(stream, line);
    });
    readable.on('end', () => {
      if (partial.trim()) onLine(stream, partial);
    });
  }
}
