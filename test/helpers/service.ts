import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { trackChild } from './children.ts';
import { freePort } from './redis.ts';

export interface RunningService {
  proc: ChildProcess;
  url: string;
  port: number;
  /** Every line the service printed (stdout and stderr). */
  output: string[];
  /** Parsed JSON log records. */
  records(): Record<string, unknown>[];
  /** Kills the whole process group (supervisor and workers) with SIGKILL. */
  kill(): Promise<void>;
  /** Sends a signal to the service's main process. */
  signal(sig: NodeJS.Signals): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const ROOT = new URL('../..', import.meta.url).pathname;

/**
 * What startService runs: the sources through tsx, or with TEST_SERVICE_ENTRY=dist the
 * compiled build in dist/ (`npm run build` first), as `npm start` and the image run it
 * (CI runs the foundation tests so once). Another value is the path of a built main.js.
 */
export function serviceCommand(entry = process.env.TEST_SERVICE_ENTRY): string[] {
  if (!entry || entry === 'src') return ['--import', 'tsx', 'src/main.ts'];
  const main = entry === 'dist' ? path.join(ROOT, 'dist/main.js') : path.resolve(ROOT, entry);
  if (!existsSync(main)) throw new Error(`TEST_SERVICE_ENTRY=${entry}: ${main} does not exist (run \`npm run build\`)`);
  return ['--enable-source-maps', main];
}

/**
 * Starts the real service (`src/main.ts`, or the compiled build: see serviceCommand) as
 * a child process in a process group of its own, and waits until /healthz answers.
 */
export async function startService(
  env: Record<string, string>,
  opts: { port?: number; readyTimeoutMs?: number; entry?: string } = {},
): Promise<RunningService> {
  const port = opts.port ?? (await freePort());
  const proc = spawn(process.execPath, serviceCommand(opts.entry), {
    cwd: ROOT,
    // A data directory of its own (pid file, dev secrets) unless the test names one.
    env: {
      ...process.env,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'it360-svc-')),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  trackChild(proc, true);
  const output: string[] = [];
  const collect = (buf: Buffer) => output.push(...buf.toString().split('\n').filter(Boolean));
  proc.stdout.on('data', collect);
  proc.stderr.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = `http://127.0.0.1:${port}`;
  // A boot takes 2-5 s on a quiet box; 20-40 s was seen on a 2-core box running a test
  // suite and a chaos run beside it. 90 s is a generous "it never started".
  const until = Date.now() + (opts.readyTimeoutMs ?? 90_000);
  let up = false;
  while (!up && Date.now() < until && proc.exitCode === null) {
    try {
      up = (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })).ok;
    } catch {
      await sleep(100);
    }
  }
  const svc: RunningService = {
    proc,
    url,
    port,
    output,
    exited,
    records: () =>
      output.flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
    signal: (sig) => proc.kill(sig),
    async kill() {
      // The whole group, even when the main process has already exited: workers it left
      // behind are members still.
      try {
        process.kill(-proc.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
      if (proc.exitCode === null && proc.signalCode === null) await exited;
    },
  };
  if (!up) {
    await svc.kill();
    throw new Error(`the service did not become ready:\n${output.slice(-30).join('\n')}`);
  }
  return svc;
}
