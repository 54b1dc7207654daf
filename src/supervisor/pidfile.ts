import { existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The supervisor's pid, for `kill -HUP $(cat PID_FILE)`. npm does not pass SIGHUP on to
 * its child, so operators signal this pid, not npm's.
 */
export class PidFileError extends Error {
  constructor(
    readonly file: string,
    readonly holderPid: number,
  ) {
    super(`another supervisor (pid ${holderPid}) is running with the pid file ${file}: stop it, or give this one its own PID_FILE`);
    this.name = 'PidFileError';
  }
}

function isLiveSupervisor(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    // ESRCH: gone. EPERM: another user's process, so not a supervisor of ours.
    return false;
  }
  // A pid from a crashed run may since have gone to an unrelated process: it only
  // counts as a live supervisor if it is a Node.js process.
  try {
    return /node/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return true; // no /proc: trust the pid
  }
}

/** Writes our pid; refuses when another live supervisor holds the file, takes over a stale one. */
export function writePidFile(file: string): void {
  if (existsSync(file)) {
    const holder = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(holder) && holder > 0 && isLiveSupervisor(holder)) throw new PidFileError(file, holder);
  }
  mkdirSync(path.dirname(file), { recursive: true });
  // Written aside and renamed, so `cat` never reads half a pid.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${process.pid}\n`);
  renameSync(tmp, file);
}

/** Removes the pid file if it is still ours. */
export function removePidFile(file: string): void {
  try {
    if (readFileSync(file, 'utf8').trim() === String(process.pid)) unlinkSync(file);
  } catch {
    // Already gone.
  }
}
