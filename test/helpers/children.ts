import { readdirSync, readFileSync } from 'node:fs';
import { after, type TestContext } from 'node:test';

/**
 * Processes the tests of this file started and have not yet seen exit. Tests stop what
 * they start in `t.after`; this is the net under that, for when a teardown never ran
 * (node:test skips a test's remaining `after` hooks once one throws): once every test of
 * the file has ended, and again when the process exits, every process still listed is
 * killed. Without it a leftover child's pipes would keep the file's process, and so the
 * whole run, alive. `npm test` fails the run when anything was left (scripts/run-tests.ts).
 */
const live = new Map<number, { group: boolean }>();

/** Whether a process (or, for a group, any member) is alive and not merely a zombie. */
function running(pid: number, group: boolean): boolean {
  let procs: string[];
  try {
    procs = group ? readdirSync('/proc').filter((d) => /^\d+$/.test(d)) : [String(pid)];
  } catch {
    procs = [];
  }
  for (const p of procs) {
    try {
      // pid (comm) state ppid pgrp …: comm may hold spaces, so split after its ')'.
      const stat = readFileSync(`/proc/${p}/stat`, 'latin1');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state !== 'Z' && (group ? Number(pgrp) === pid : true)) return true;
    } catch {
      // gone meanwhile
    }
  }
  return false;
}

function killAll(): number {
  let n = 0;
  for (const [pid, { group }] of live) {
    if (running(pid, group)) n++;
    try {
      process.kill(group ? -pid : pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
  return n;
}

// A group's members may outlive its leader for a moment: the embedded database's child
// notices its parent's death within about 2 s (test/embedded-postgres.test.ts). What is
// still running this long after the file's tests ended was left behind.
const SETTLE_MS = 5_000;

after(async () => {
  const until = Date.now() + SETTLE_MS;
  while (Date.now() < until && [...live].some(([pid, { group }]) => running(pid, group))) await new Promise((r) => setTimeout(r, 100));
  const n = killAll();
  // Tests that stop all they start leave nothing here: one that did not fails the file.
  if (n > 0) throw new Error(`${n} process(es) started by this file's tests were still running when its tests ended; killed`);
});
process.once('exit', killAll);
// The runner ends a file that overran its time with a signal, which runs no 'exit'
// listener: stop the children, then end as the signal would have.
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.once(sig, () => {
    killAll();
    process.kill(process.pid, sig);
  });
}

/**
 * Lists a started child. A plain child leaves the list when it exits; a process group
 * (`group`: the child leads a group of its own) stays listed, as its members may outlive
 * the leader (tests check that they stop on their own; the net acts only at the end).
 */
export function trackChild(proc: { pid?: number; once(ev: 'exit', fn: () => void): unknown }, group = false): void {
  const pid = proc.pid;
  if (pid === undefined) return; // never started: nothing to stop
  live.set(pid, { group });
  if (!group) proc.once('exit', () => live.delete(pid));
}

/**
 * Registers teardown steps run in order when the test ends, every one of them even when
 * an earlier one throws (node:test skips the remaining `after` hooks once one throws);
 * the first error is rethrown at the end.
 */
export function onTestEnd(t: TestContext, ...steps: (() => unknown)[]): void {
  t.after(async () => {
    const errors: unknown[] = [];
    for (const step of steps) {
      try {
        await step();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} teardown steps failed`);
  });
}
