import { Worker } from 'node:worker_threads';

import { compiled, moduleUrl } from '../shared/runtime.ts';

/**
 * The worker's side of hang diagnosis. A blocked event loop cannot describe itself, and
 * on Node 20 a diagnostic report asked for by signal is written only once the loop turns
 * again: too late. So each worker runs a watchdog thread (./watchdog-thread.ts) with an
 * event loop of its own. When the supervisor asks (over the fd 4 pipe), the thread
 * attaches the inspector to the main thread, pauses it (`Debugger.pause` takes effect at
 * the next JavaScript interrupt check, which a busy loop reaches at once), and calls the
 * function registered here on the paused thread to read the stack and the in-flight work.
 */

/** `Symbol.for` key of the function the watchdog calls on the paused main thread. */
export const DESCRIBE_KEY = 'it360.supervisor.describe';

export interface WatchdogHandle {
  stop(): Promise<void>;
}

/**
 * Starts the watchdog thread. `describe` runs on the main thread while it is paused and
 * must return a JSON string; it never runs otherwise.
 */
export function startWatchdog(describe: () => string, onProblem: (msg: string, err: unknown) => void): WatchdogHandle {
  (globalThis as Record<symbol, unknown>)[Symbol.for(DESCRIBE_KEY)] = describe;
  // Compiled, the thread runs its .js file directly. From source, Node 20 does not apply
  // `--import tsx` to worker threads, so the thread loads tsx's API first and imports its
  // TypeScript entry through it.
  const entry = moduleUrl('./watchdog-thread.ts', import.meta.url);
  const boot = compiled
    ? entry
    : `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})` +
      `.then((tsx) => tsx.tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(import.meta.url)}))`;
  const thread = new Worker(boot, {
    eval: !compiled,
    workerData: { describeKey: DESCRIBE_KEY },
    // The thread's console would be relayed through the main thread, the one that may
    // be stuck; it reports only over its pipe.
    stdout: true,
    stderr: true,
    // Its job is small; a runaway thread must not take the worker's memory with it.
    resourceLimits: { maxOldGenerationSizeMb: 64 },
  });
  // The watchdog never keeps a finished worker alive.
  thread.unref();
  thread.on('error', (err) => onProblem('watchdog thread failed; hangs will be reported without a stack', err));
  return {
    async stop() {
      await thread.terminate();
    },
  };
}
