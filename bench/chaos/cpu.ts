import { readdirSync, readFileSync } from 'node:fs';

import { childPids } from './procs.ts';

/**
 * How much of the machine's CPU went to processes that are not part of the run (other
 * people's tests, builds …), second by second. On a shared two-core box these swing the
 * measured rates by a factor of two or more; the report shows them next to each scenario
 * so a rate can be judged against the interference it was measured under.
 */
export interface CpuShare {
  /** Machine busy time, percent of all cores. */
  busy: number;
  /** Busy time of processes outside the run, percent of all cores. */
  foreign: number;
}

const CORES = (() => {
  const lines = readFileSync('/proc/stat', 'utf8').split('\n');
  return Math.max(1, lines.filter((l) => /^cpu\d+ /.test(l)).length);
})();

function machineJiffies(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
  const busy = user + nice + system + irq + softirq + (steal ?? 0);
  return { busy, total: busy + idle + iowait };
}

function processJiffies(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime: fields 14 and 15 of stat, 12 and 13 after the command name.
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return undefined; // exited
  }
}

/**
 * The PostgreSQL server processes serving sessions on one database: their command line
 * names it ("postgres: 15/main: user dbname 127.0.0.1(port) idle").
 */
export function postgresBackends(dbName: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmd.startsWith('postgres: ') && cmd.includes(` ${dbName} `)) out.push(Number(name));
    } catch {
      // Exited meanwhile.
    }
  }
  return out;
}

/** The run's own processes: the given roots and all their descendants. */
function tree(roots: number[]): number[] {
  const out: number[] = [];
  const queue = [...roots];
  // Bounded: a process tree here has a few dozen members at most.
  for (let guard = 0; queue.length > 0 && guard < 1000; guard++) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...childPids(pid));
  }
  return out;
}

export class CpuMonitor {
  private last?: { machine: { busy: number; total: number }; ours: Map<number, number> };

  /** `roots` is asked at each sample: workers and database sessions come and go. */
  constructor(private readonly roots: () => number[]) {}

  /** The share since the previous call (undefined on the first). */
  sample(): CpuShare | undefined {
    const machine = machineJiffies();
    const ours = new Map<number, number>();
    for (const pid of tree(this.roots())) {
      const j = processJiffies(pid);
      if (j !== undefined) ours.set(pid, j);
    }
    const prev = this.last;
    this.last = { machine, ours };
    if (!prev) return undefined;
    const total = machine.total - prev.machine.total;
    if (total <= 0) return undefined;
    let mine = 0;
    // A process that started since the last sample counts from then on; the last moments
    // of one that exited count as foreign (a killed worker, a closed database session).
    for (const [pid, j] of ours) mine += Math.max(0, j - (prev.ours.get(pid) ?? j));
    const busy = machine.busy - prev.machine.busy;
    const pct = (n: number) => Math.round((Math.max(0, n) / total) * 1000) / 10;
    return { busy: pct(busy), foreign: pct(busy - mine) };
  }

  static cores(): number {
    return CORES;
  }
}
