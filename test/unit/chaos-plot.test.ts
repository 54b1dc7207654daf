import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ROLL_S, rolling } from '../../bench/chaos/plot.ts';
import type { Second } from '../../bench/chaos/stats.ts';

const sec = (t: number, ok: number, p = 2000): Second => ({ t, ok, non2xx: 0, failed: 0, p50: ok ? p : null, p99: ok ? p : null });

describe('chaos plots: the rolling window', () => {
  it('paced requests answering every 2 s or 3 s read as a flat rate, not a sawtooth', () => {
    for (const period of [2, 3]) {
      const series = Array.from({ length: 40 }, (_, t) => sec(t, t % period === 0 ? 4 : 0));
      const inner = rolling(series, 40).filter((p) => p.t >= ROLL_S / 2 && p.t <= 40 - ROLL_S / 2);
      const rates = new Set(inner.map((p) => p.ok.toFixed(3)));
      assert.equal(rates.size, 1, `period ${period}: ${[...rates].join(', ')}`);
      assert.equal(inner[0].ok, 4 / period);
      // Seconds with no answers leave no gap in the latency line.
      assert.ok(inner.every((p) => p.p99 === 2000));
    }
  });

  it('counts are exact window sums; a step is centered on where it happened', () => {
    const series = Array.from({ length: 20 }, (_, t) => sec(t, t < 10 ? 100 : 0, 10));
    const points = rolling(series, 20);
    const at = (t: number) => points.find((p) => p.t === t)!;
    assert.equal(at(10).ok, 50, 'half the window before the step, half after');
    assert.equal(at(5).ok, 100);
    assert.equal(at(15).ok, 0);
    assert.equal(at(15).p50, null);
  });
});
