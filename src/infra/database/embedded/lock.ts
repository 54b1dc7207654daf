/**
 * The embedded database's data-directory lock: a file `<dataDir>/embedded.lock` holding
 * `{ pid, startedAt, hostname }`.
 *
 * PGlite does not lock its data directory, and two processes opening the same one corrupt it.
 *
 * We write this lock ourselves and don't use a library because a lock left behind by a crash
 * has to be taken over, and the question is how to tell it is stale. Libraries built on mtime
 * (proper-lockfile and the like) guess from the file's age. That breaks both ways: a holder
 * whose event loop is stuck in a long synchronous PGlite query cannot refresh the mtime, so
 * its lock looks stale, and a fresh crash leaves a lock that still looks alive. On a single
 * machine, asking the kernel whether the pid is alive gives an exact answer. We add one
 * refinement for pid reuse: if the process with that pid started after the lock was written,
 * it cannot be the process that wrote it.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const LOCK_FILE_NAME = 'embedded.lock';

export class DataDirLockedError extends Error {
  readonly code = 'locked';
  constructor(
    readonly dataDir: string,
    readonly holderPid: number,
  ) {
    super(
      `The embedded database in ${dataDir} is in use by process ${holderPid}. ` + 'Stop that process or set DATA_DIR to another directory.',
    );
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  readonly path: string;
  /** Removes the lock file, but only if it is still ours. Safe to call more than once. */
  release(): void;
}

interface LockContent {
  pid: number;
  startedAt: string;
  hostname: string;
}

// A takeover that loses a race starts over. Each retry either wins, or finds a live holder,
// or finds the lock gone, so only a pathological stream of competing starters gets this far.
const MAX_ATTEMPTS = 50;
// Someone else holds the takeover claim. The claim lasts from one file operation to the next
// (microseconds), so a 10 ms pause is enough for the winner to finish.
const CLAIM_BUSY_PAUSE_MS = 10;
// Allowed error when comparing a process's start time with the lock's startedAt. /proc's
// btime has 1 s resolution and the wall clock can be stepped by NTP. 5 s errs towards
// "still alive": a false "locked" costs a manual step, while a false "stale" lets two
// processes open the same database.
const START_TIME_SLACK_MS = 5000;

export function acquireDataDirLock(dataDir: string): DataDirLock {
  const lockPath = path.join(dataDir, LOCK_FILE_NAME);
  const content = JSON.stringify({
    pid: process.pid,
    startedAt: new Date().toISOString(),
    hostname: os.hostname(),
  } satisfies LockContent);
  const ours = Buffer.from(content);

  // The lock file appears with its full content in a single step: first we write a private
  // temp file, then we link it into place. link() fails with EEXIST when the lock already
  // exists, the same guarantee O_EXCL gives. An O_EXCL create followed by a write would leave
  // a moment when another starter could read an empty lock, take it for garbage and take it
  // over.
  const tmpPath = `${lockPath}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  fs.writeFileSync(tmpPath, ours, { flag: 'wx' });
  try {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      try {
        fs.linkSync(tmpPath, lockPath);
        return makeLock(lockPath, ours);
      } catch (err) {
        if (errCode(err) !== 'EEXIST') throw err;
      }

      const current = readIfExists(lockPath);
      if (current === undefined) continue; // released between our link and our read

      const holder = parseLock(current);
      if (holder && holder.pid !== process.pid && isHolderAlive(holder)) {
        throw new DataDirLockedError(dataDir, holder.pid);
      }
      // The lock is stale: its holder is dead, the file is garbage, or the pid is ours.
      // A pid equal to ours means a previous run of this process (a container restart
      // reuses the same pids), because a live lock holder would not be starting again.
      if (takeOver(lockPath, current, tmpPath)) return makeLock(lockPath, ours);
    }
    throw new Error(`Could not acquire ${lockPath}: too many processes are competing for it`);
  } finally {
    // After a link the lock path has its own name for the inode. After a takeover the temp
    // file has been renamed away. Either way this only removes the temp name.
    unlinkIfExists(tmpPath);
  }
}

/**
 * Replaces the stale lock whose bytes are `stale` with our temp file. Returns false when
 * another process got there first, and the caller starts over.
 *
 * Deleting the stale file and then linking a new one is not safe: a slow competitor that
 * also saw the stale lock could delete the lock we just created. Instead, whoever wants to
 * replace a given stale lock must first create a claim file named after that lock's content
 * (O_EXCL, so only one process gets it). The claimant then checks that the lock still holds
 * those bytes and renames its temp file over it, which is atomic. Nobody else can replace
 * that content without the claim, and a competitor that arrives later fails the check, so a
 * lock can never be replaced twice.
 */
function takeOver(lockPath: string, stale: Buffer, tmpPath: string): boolean {
  const digest = createHash('sha256').update(stale).digest('hex').slice(0, 16);
  const claimPath = `${lockPath}.takeover-${digest}`;
  try {
    // The claim gets its content through a link too. A claim created empty and written
    // afterwards could be read while still empty, taken for abandoned and deleted under
    // its owner (the concurrency test caught that: two winners).
    fs.linkSync(tmpPath, claimPath);
  } catch (err) {
    if (errCode(err) !== 'EEXIST') throw err;
    const raw = readIfExists(claimPath);
    if (raw === undefined) return false; // the claimant finished in the meantime
    const claimant = parseLock(raw);
    if (claimant && claimant.pid !== process.pid && pidAlive(claimant.pid)) {
      sleepSync(CLAIM_BUSY_PAUSE_MS);
    } else {
      // The claimant died mid-takeover, which leaves a window of a few microseconds. We
      // accept the remaining race: two starters would both have to find this dead claim at
      // the same moment.
      unlinkIfExists(claimPath);
    }
    return false;
  }
  try {
    const now = readIfExists(lockPath);
    if (now === undefined || !now.equals(stale)) return false;
    fs.renameSync(tmpPath, lockPath);
    return true;
  } finally {
    unlinkIfExists(claimPath);
  }
}

function makeLock(lockPath: string, ours: Buffer): DataDirLock {
  let released = false;
  return {
    path: lockPath,
    release() {
      if (released) return;
      released = true;
      // If someone took the lock over because they judged us dead, the file is theirs now.
      const current = readIfExists(lockPath);
      if (current?.equals(ours)) unlinkIfExists(lockPath);
    },
  };
}

function parseLock(raw: Buffer): LockContent | undefined {
  try {
    const v: unknown = JSON.parse(raw.toString('utf8'));
    if (typeof v !== 'object' || v === null) return undefined;
    const { pid, startedAt, hostname } = v as Record<string, unknown>;
    if (!Number.isInteger(pid) || (pid as number) <= 0) return undefined;
    return {
      pid: pid as number,
      startedAt: typeof startedAt === 'string' ? startedAt : '',
      hostname: typeof hostname === 'string' ? hostname : '',
    };
  } catch {
    return undefined;
  }
}

function isHolderAlive(holder: LockContent): boolean {
  if (!pidAlive(holder.pid)) return false;
  const lockedAt = Date.parse(holder.startedAt);
  const procStart = linuxProcessStartMs(holder.pid);
  // The holder starts, then writes the lock. A process that started after the lock was
  // written has reused the pid and is not the holder.
  if (procStart !== undefined && Number.isFinite(lockedAt) && procStart > lockedAt + START_TIME_SLACK_MS) {
    return false;
  }
  return true;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM means the process exists but belongs to someone else.
    return errCode(err) === 'EPERM';
  }
  // A zombie still answers kill(0), but it has exited.
  return linuxProcessState(pid) !== 'Z';
}

/** Fields of /proc/<pid>/stat after the command name, which can itself contain spaces or ')'. */
function procStatFields(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // not Linux, or the process is gone
  }
}

function linuxProcessState(pid: number): string | undefined {
  return procStatFields(pid)?.[0];
}

let bootTimeMs: number | undefined;
function linuxProcessStartMs(pid: number): number | undefined {
  // Field 22 of stat is starttime, in clock ticks since boot. It is index 19 here, because
  // the fields returned start at field 3.
  const ticks = Number(procStatFields(pid)?.[19]);
  if (!Number.isFinite(ticks)) return undefined;
  if (bootTimeMs === undefined) {
    try {
      const btime = /^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'))?.[1];
      if (btime === undefined) return undefined;
      bootTimeMs = Number(btime) * 1000;
    } catch {
      return undefined;
    }
  }
  // USER_HZ is 100 on every Linux ABI Node supports. Node cannot query sysconf(_SC_CLK_TCK).
  return bootTimeMs + ticks * 10;
}

function readIfExists(p: string): Buffer | undefined {
  try {
    return fs.readFileSync(p);
  } catch (err) {
    if (errCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

function unlinkIfExists(p: string): void {
  try {
    fs.unlinkSync(p);
  } catch (err) {
    if (errCode(err) !== 'ENOENT') throw err;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}
