import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import pino from 'pino';

import { createStopSignalHandler, DUPLICATE_SIGNAL_MS } from '../../src/supervisor/signals.ts';

function handler() {
  const clock = { t: 0, now: () => clock.t };
  let stopping = false;
  const calls: string[] = [];
  const onSignal = createStopSignalHandler({
    logger: pino({ level: 'silent' }),
    clock,
    isStopping: () => stopping,
    shutdown: (signal) => {
      stopping = true;
      calls.push(`shutdown ${signal}`);
    },
    force: (why, details) => calls.push(`force ${why} ${String(details.signal)}`),
    reload: () => calls.push('reload'),
  });
  return { clock, calls, onSignal };
}

describe('supervisor stop signals (fake clock)', () => {
  it('the first SIGTERM stops gracefully; the same signal again at once is an echo, later it forces the exit', () => {
    const h = handler();
    h.onSignal('SIGTERM');
    assert.deepEqual(h.calls, ['shutdown SIGTERM']);
    h.clock.t += DUPLICATE_SIGNAL_MS - 1;
    h.onSignal('SIGTERM');
    assert.deepEqual(h.calls, ['shutdown SIGTERM'], 'an echo within the window changes nothing');
    h.clock.t += 1;
    h.onSignal('SIGTERM');
    assert.deepEqual(h.calls, ['shutdown SIGTERM', 'force second-signal SIGTERM']);
  });

  it('a different signal while stopping forces the exit at once', () => {
    const h = handler();
    h.onSignal('SIGINT');
    h.onSignal('SIGTERM');
    assert.deepEqual(h.calls, ['shutdown SIGINT', 'force second-signal SIGTERM']);
  });
});
