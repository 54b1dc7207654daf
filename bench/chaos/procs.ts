import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Every process and resource the run starts is registered here and released on the way
 * out: normal end, error, Ctrl-C or SIGTERM. Processes run in groups of their own so the
 * supervisor's workers go with it.
 */
const cleanups: { name: string; fn: () => Promise<void> | void }[] = [];
let cleaning: Promise<void> | undefined;

export function onCleanup(name: string, fn: () => Promise<void> | void): () => void {
  const entry = { name, fn };
  cleanups.push(entry);
  return () => {
    const i = cleanups.indexOf(entry);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

export function cleanupAll(): Promise<void> {
  cleaning ??= (async () => {
    while (cleanups.length > 0) {
      const { name, fn } = cleanups.pop()!;
      try {
        // A cleanup step that hangs must not keep the run from ending.
        await Promise.race([Promise.resolve(fn()), sleep(10_000)]);
      } catch (err) {
        process.stderr.write(`cleanup ${name}: ${(err as Error).message}\n`);
      }
    }
  })();
  return cleaning;
}

export function installSignalHandlers(): void {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      process.stderr.write(`\n${sig}: stopping every process this run started…\n`);
      void cleanupAll().finally(() => process.exit(130));
    });
  }
}

export interface Group {
  proc: ChildProcess;
  pid: number;
  exited: Promise<void>;
  /** SIGCONT (a stopped member ignores SIGTERM), SIGTERM, then SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>;
}

/** Spawns a command in its own process group, its output appended to `logFile`. */
export function spawnGroup(name: string, cmd: string, args: string[], env: Record<string, string>, logFile: string): Group {
  const fd = openSync(logFile, 'a');
  const proc = spawn(cmd, args, {
    cwd: new URL('../..', import.meta.url).pathname,
    env: { ...process.env, ...env },
    stdio: ['ignore', fd, fd],
    detached: true,
  });
  closeSync(fd);
  const pid = proc.pid!;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const alive = () => proc.exitCode === null && proc.signalCode === null;
  const signalGroup = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      // The group is gone.
    }
  };
  const g: Group = {
    proc,
    pid,
    exited,
    // Three seconds: an idle service drains at once; one that does not is killed anyway.
    async stop(graceMs = 3000) {
      if (alive()) {
        signalGroup('SIGCONT');
        signalGroup('SIGTERM');
        await Promise.race([exited, sleep(graceMs)]);
      }
      // Workers can outlive their supervisor for a moment: always sweep the group.
      signalGroup('SIGKILL');
      // SIGKILL takes effect at once; two seconds only covers the exit being reported.
      if (alive()) await Promise.race([exited, sleep(2000)]);
    },
  };
  onCleanup(name, () => g.stop());
  return g;
}

export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    // Polled; a process that is starting gets there within a few of these.
    await sleep(100);
  }
  throw new Error(`nothing listening on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

/** The children of a process, from /proc (no external command needed). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command name may hold spaces and parentheses; the fields after its last ')' do not.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(rest[1]) === pid) out.push(Number(name));
    } catch {
      // Exited meanwhile.
    }
  }
  return out;
}

/**
 * The client ports of the loopback TCP connections to `serverPort` that process `pid`
 * holds (accepted by it): /proc/net/tcp maps sockets to ports, /proc/<pid>/fd to owners.
 */
export function clientPortsHeldBy(pid: number, serverPort: number): Set<number> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // Closed meanwhile.
    }
  }
  const ports = new Set<number>();
  const lines = readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1);
  for (const line of lines) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const localPort = parseInt(f[1].split(':')[1], 16);
    const remotePort = parseInt(f[2].split(':')[1], 16);
    if (localPort === serverPort && inodes.has(f[9])) ports.add(remotePort);
  }
  return ports;
}

/**
 * Runs a benchmark's main: its exit status is main's, every process it started is
 * stopped first, and a crash exits 2 with the stack.
 */
export function runMain(main: () => Promise<number>): void {
  main().then(
    async (code) => {
      await cleanupAll();
      process.exit(code);
    },
    async (err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      await cleanupAll();
      process.exit(2);
    },
  );
}
