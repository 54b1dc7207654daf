/**
 * `npm test`: runs the test files with node:test, then fails if any process the run
 * started is still alive afterwards (a service, a redis-server, nginx, a browser: a test
 * that fails must still stop what it started).
 *
 * How a leftover is recognised: every process inherits the run's environment, so the
 * run sets a marker variable and, once the runner has exited, looks for live processes
 * whose environment carries it (Linux /proc). They are listed, killed, and the run fails.
 *
 * Usage: node --import tsx scripts/run-tests.ts [node --test options and files…]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';

const MARKER = 'IT360_TEST_RUN';
const id = randomBytes(8).toString('hex');

function leftovers(): { pid: number; cmd: string }[] {
  const found: { pid: number; cmd: string }[] = [];
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return found; // not Linux: nothing to check with
  }
  for (const p of pids) {
    const pid = Number(p);
    if (pid === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${p}/environ`, 'latin1');
      if (!env.includes(`${MARKER}=${id}`)) continue;
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'latin1').replace(/\0/g, ' ').trim();
      // A zombie has no command line and holds nothing; its parent will reap it.
      if (cmd) found.push({ pid, cmd });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

const runner = spawn(process.execPath, ['--import', 'tsx', '--test', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, [MARKER]: id },
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => runner.kill(sig));

runner.on('exit', (code, signal) => {
  // Children a test stopped in its last moments may take a little while to exit.
  const deadline = Date.now() + 5_000;
  const check = () => {
    const left = leftovers();
    if (left.length > 0 && Date.now() < deadline) return void setTimeout(check, 250);
    if (left.length > 0) {
      console.error(`\n${left.length} process(es) started by the tests were still running after the run; killed:`);
      for (const l of left) {
        console.error(`  pid ${l.pid}: ${l.cmd.slice(0, 200)}`);
        try {
          process.kill(l.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      process.exitCode = 1;
      return;
    }
    process.exitCode = code ?? (signal ? 1 : 0);
  };
  check();
});
