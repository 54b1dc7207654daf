import { readFileSync } from 'node:fs';

import type { ErrorInfo, MemorySample } from './protocol.ts';

/**
 * Why a worker died, from evidence only. Gunicorn printed "Perhaps out of memory?" for
 * every SIGKILL, its own included, and sent people hunting a memory problem that did not
 * exist. Here each cause names the evidence it rests on, and memory is blamed only when
 * something shows it: the kernel's OOM-kill counter rose, or V8 aborted with its heap
 * at its limit.
 */

export type DeathCause =
  | 'stopped' // exited 0 after the supervisor asked it to stop
  | 'hung' // killed by the supervisor: event loop blocked past WORKER_TIMEOUT_MS
  | 'boot-timeout' // killed by the supervisor: not ready in time
  | 'drain-timeout' // killed by the supervisor: still draining when the grace time ended
  | 'forced' // killed by the supervisor after a second stop signal
  | 'config-error' // exited 78
  | 'crashed' // exited non-zero after reporting an error
  | 'exited' // exited on its own without reporting an error
  | 'oom-killer' // SIGKILL and the cgroup's OOM-kill counter rose
  | 'heap-limit' // SIGABRT with the heap at its limit in the last heartbeat
  | 'native-crash' // SIGSEGV, SIGBUS, SIGILL, SIGFPE, or SIGABRT without heap evidence
  | 'killed'; // a signal the supervisor did not send

export type KillReason = 'hung' | 'boot-timeout' | 'drain-timeout' | 'forced';

export interface DeathFacts {
  code: number | null;
  signal: string | null;
  /** A signal the supervisor sent this worker, and why. */
  sent?: { signal: string; why: KillReason };
  /** The supervisor had ordered it to stop (shutdown, reload, recycle). */
  ordered?: string;
  /** The error the worker reported before dying, if it could. */
  lastError?: ErrorInfo & { phase: 'boot' | 'run' };
  /** Memory from its last heartbeat, and how old that was. */
  memory?: MemorySample & { agoMs: number };
  /** The memory cgroup's OOM-kill counter before and after the death, when readable. */
  oomKills?: { before: number; after: number };
}

export interface DeathExplanation {
  cause: DeathCause;
  sentBySupervisor: boolean;
  explanation: string;
}

const MiB = (n: number) => `${Math.round(n / 1048576)} MiB`;
// V8 aborts when a collection cannot bring the heap under its limit; a heap this close
// to the limit in the last heartbeat, followed by SIGABRT, is that abort.
const HEAP_NEAR_LIMIT = 0.85;

function memoryText(m: DeathFacts['memory']): string {
  if (!m) return 'no heartbeat carried its memory use';
  return `last reported memory ${Math.round(m.agoMs)} ms before: rss ${MiB(m.rssBytes)}, heap ${MiB(m.heapUsedBytes)} of a ${MiB(m.heapLimitBytes)} limit`;
}

export function explainDeath(f: DeathFacts): DeathExplanation {
  const sentBySupervisor = f.sent !== undefined && f.signal === f.sent.signal;
  if (f.sent && sentBySupervisor) {
    const why: Record<KillReason, string> = {
      hung: 'its event loop did not turn for WORKER_TIMEOUT_MS (see the "worker hung" record)',
      'boot-timeout': 'it did not become ready in time after starting',
      'drain-timeout': 'it was still draining when the graceful timeout ended',
      forced: 'a second stop signal asked for an immediate exit',
    };
    return { cause: f.sent.why, sentBySupervisor, explanation: `killed with ${f.sent.signal} by the supervisor: ${why[f.sent.why]}` };
  }
  if (f.signal === null) {
    const code = f.code ?? -1;
    if (code === 0 && f.ordered)
      return { cause: 'stopped', sentBySupervisor, explanation: `exited 0 after the supervisor asked it to stop (${f.ordered})` };
    if (code === 78)
      return {
        cause: 'config-error',
        sentBySupervisor,
        explanation: `exited 78: the configuration was rejected${f.lastError ? `: ${f.lastError.message}` : ''}`,
      };
    if (f.lastError) {
      const what = f.lastError.phase === 'boot' ? 'failed to start' : 'crashed on an uncaught error';
      return {
        cause: 'crashed',
        sentBySupervisor,
        explanation: `exited with code ${code}: it ${what}: ${f.lastError.name}: ${f.lastError.message}`,
      };
    }
    if (code === 0) return { cause: 'exited', sentBySupervisor, explanation: 'exited 0 on its own, without being asked to stop' };
    return {
      cause: 'exited',
      sentBySupervisor,
      explanation: `exited with code ${code} on its own, without reporting an error (its stderr may say more)`,
    };
  }
  const signal = f.signal;
  if (signal === 'SIGKILL') {
    if (f.oomKills && f.oomKills.after > f.oomKills.before) {
      return {
        cause: 'oom-killer',
        sentBySupervisor,
        explanation: `killed by SIGKILL, and the memory cgroup's OOM-kill counter rose from ${f.oomKills.before} to ${f.oomKills.after}: the kernel's OOM killer; ${memoryText(f.memory)}`,
      };
    }
    const oom = f.oomKills
      ? `the memory cgroup's OOM-kill counter did not change (${f.oomKills.after}), so not the kernel's OOM killer`
      : 'no OOM-kill counter is readable here, so the OOM killer is neither confirmed nor ruled out';
    return {
      cause: 'killed',
      sentBySupervisor,
      explanation: `killed by SIGKILL, which the supervisor did not send (another process, an operator or the container runtime); ${oom}; ${memoryText(f.memory)}`,
    };
  }
  if (signal === 'SIGABRT' && f.memory && f.memory.heapUsedBytes / f.memory.heapLimitBytes >= HEAP_NEAR_LIMIT) {
    const pct = Math.round((100 * f.memory.heapUsedBytes) / f.memory.heapLimitBytes);
    return {
      cause: 'heap-limit',
      sentBySupervisor,
      explanation: `aborted (SIGABRT) with its JavaScript heap at ${pct}% of its limit in the last heartbeat: V8 ran out of heap; ${memoryText(f.memory)}`,
    };
  }
  if (['SIGABRT', 'SIGSEGV', 'SIGBUS', 'SIGILL', 'SIGFPE'].includes(signal)) {
    return {
      cause: 'native-crash',
      sentBySupervisor,
      explanation: `died of ${signal}: a fatal error in Node.js, V8 or a native addon (its stderr has the message); ${memoryText(f.memory)}`,
    };
  }
  return {
    cause: 'killed',
    sentBySupervisor,
    explanation: `killed by ${signal}, which the supervisor did not send; ${memoryText(f.memory)}`,
  };
}

let oomSource: string | null | undefined;

/**
 * The kernel's count of OOM kills in this process's memory cgroup (v2 `memory.events`
 * or v1 `memory.oom_control`), or undefined where none is readable. Workers live in the
 * supervisor's cgroup, so a rise across a worker's death is evidence for the OOM killer.
 */
export function readOomKills(): number | undefined {
  if (oomSource === null) return undefined;
  const candidates: string[] = [];
  if (oomSource) candidates.push(oomSource);
  else {
    candidates.push('/sys/fs/cgroup/memory.events');
    try {
      for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
        const [, controllers, p] = line.split(':');
        if (p === undefined || p === '/') continue;
        if (controllers === '') candidates.push(`/sys/fs/cgroup${p}/memory.events`);
        if (controllers?.split(',').includes('memory')) candidates.push(`/sys/fs/cgroup/memory${p}/memory.oom_control`);
      }
    } catch {
      // Not Linux: no cgroups.
    }
    candidates.push('/sys/fs/cgroup/memory/memory.oom_control');
  }
  for (const file of candidates) {
    try {
      const m = /^oom_kill (\d+)$/m.exec(readFileSync(file, 'utf8'));
      if (m) {
        oomSource = file;
        return Number(m[1]);
      }
    } catch {
      // Try the next place.
    }
  }
  oomSource = null;
  return undefined;
}

/** What the kernel says a process is doing, from /proc (Linux); undefined elsewhere or once it is gone. */
export function readProcState(pid: number): { state: string; meaning: string; rssBytes?: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '?';
    const meanings: Record<string, string> = {
      R: 'running: busy on the CPU (a loop or a long synchronous computation)',
      S: 'sleeping: waiting inside a system call',
      D: 'uninterruptible sleep: waiting on disk or network I/O in the kernel',
      T: 'stopped by a signal (SIGSTOP or SIGTSTP): frozen from outside',
      t: 'stopped by a debugger (ptrace)',
      Z: 'exited, not yet reaped',
    };
    let rssBytes: number | undefined;
    const rss = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (rss) rssBytes = Number(rss[1]) * 1024;
    return { state, meaning: meanings[state] ?? 'unknown', rssBytes };
  } catch {
    return undefined;
  }
}
