/**
 * The supervisor's signals: SIGTERM/SIGINT stop the instance (drain, then exit), a
 * second one forces the exit, the same one again at once is taken as an echo; SIGHUP
 * reloads the workers; an uncaught exception kills them and exits.
 */
import type { Logger } from 'pino';

import type { Clock } from './workers.ts';

// A wrapper that passes signals on (a process manager, some npm and shell setups) can
// deliver one Ctrl-C twice: once from the terminal to the whole process group, once
// forwarded. The same signal again within this window is that echo, not an operator
// asking to force the exit; a person pressing Ctrl-C twice takes longer.
export const DUPLICATE_SIGNAL_MS = 1000;

export interface SignalHandlers {
  logger: Logger;
  clock: Clock;
  isStopping: () => boolean;
  /** The graceful stop (drain, then exit 0). */
  shutdown: (cause: NodeJS.Signals) => void;
  /** The forced stop: kill every worker and exit(1). */
  force: (why: 'second-signal' | 'uncaught', details: Record<string, unknown>) => void;
  reload: (signal: NodeJS.Signals) => void;
}

/** What to do with a SIGTERM/SIGINT; kept apart from process.on so it can be tried with a fake clock. */
export function createStopSignalHandler(h: SignalHandlers): (signal: NodeJS.Signals) => void {
  let firstSignal: { signal: NodeJS.Signals; at: number } | undefined;
  return (signal) => {
    const now = h.clock.now();
    if (!h.isStopping()) {
      firstSignal = { signal, at: now };
      h.shutdown(signal);
      return;
    }
    if (firstSignal && firstSignal.signal === signal && now - firstSignal.at < DUPLICATE_SIGNAL_MS) {
      h.logger.info(
        { signal, afterMs: Math.round(now - firstSignal.at) },
        'same signal again at once; taken as an echo of the first, not as a second signal',
      );
      return;
    }
    h.force('second-signal', { signal });
  };
}

export function installSignalHandlers(h: SignalHandlers): void {
  const onStopSignal = createStopSignalHandler(h);
  process.on('SIGTERM', onStopSignal);
  process.on('SIGINT', onStopSignal);
  process.on('SIGHUP', () => h.reload('SIGHUP'));
  process.on('uncaughtException', (err) => h.force('uncaught', { err }));
}
