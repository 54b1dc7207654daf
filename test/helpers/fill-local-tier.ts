/**
 * Run as a child with --expose-gc (by test/unit/local-tier-heap.test.ts): fills an
 * in-process cache tier bounded at FILL_MAX_BYTES with ten times that much data, each
 * entry also serialized once as a route would, and prints the heap growth as JSON.
 */
import { createLocalTier } from '../../src/infra/cache/local-tier.ts';

const maxBytes = Number(process.env.FILL_MAX_BYTES);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
gc();
const before = process.memoryUsage().heapUsed;
const tier = createLocalTier(maxBytes);
// Pages like the user list's: twenty objects with a handful of short strings each.
const page = (n: number) => ({
  items: Array.from({ length: 20 }, (_, i) => ({
    id: `00000000-0000-4000-8000-${String(n * 20 + i).padStart(12, '0')}`,
    email: `user${n * 20 + i}@example.com`,
    firstName: `First${i}`,
    lastName: `Last${n}`,
    role: 'student',
    isActive: true,
    createdAt: new Date(1_700_000_000_000 + n).toISOString(),
  })),
  page: n,
  pageSize: 20,
  total: 100_000,
});
let written = 0;
let n = 0;
// Bounded: stops once ten times the tier's bound has gone through it.
while (written < 10 * maxBytes) {
  const value = JSON.parse(JSON.stringify(page(n))) as unknown;
  const json = JSON.stringify(value);
  const e = tier.set(`users:list:${n}`, 1, value, json.length, `"etag${n}"`);
  e.body = JSON.stringify(value);
  written += json.length;
  n++;
}
gc();
const after = process.memoryUsage().heapUsed;
process.stdout.write(
  `${JSON.stringify({ maxBytes, written, entries: tier.stats().entries, estimated: tier.stats().bytes, growth: after - before })}\n`,
);
