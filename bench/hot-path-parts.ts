/**
 * `npm run bench:parts`: what single parts of a request cost, in one process with nothing
 * else running in it, where the whole-service benchmark cannot tell a few microseconds
 * from the noise of two processes and a load generator sharing two cores. Each pair is
 * measured in alternating rounds and the median round is printed.
 *
 * - Fastify's `request.log`: a pino child per request (redaction on, as the service's
 *   logger has it) against the deferred child src/logger.ts hands Fastify, plus the
 *   check Fastify runs on a custom factory's logger.
 *
 * Bounded: ROUNDS × pairs × CALLS calls, a few seconds.
 */
import { Writable } from 'node:stream';

import { createLogger, deferredChildLogger } from '../src/logger.ts';

// Enough calls per round for a round to take tens of milliseconds (timer resolution and
// one GC do not decide it), and enough rounds for a median.
const CALLS = 200_000;
const ROUNDS = 9;

const root = createLogger('info', new Writable({ write: (_c, _e, cb) => cb() }));
// Fastify's own root logger is a child of the one it is given (its serializers).
const parent = root.child({}, { serializers: {} });
// What Fastify checks on every logger a custom childLoggerFactory returns.
const METHODS = ['info', 'error', 'debug', 'fatal', 'warn', 'trace', 'child'];
const validLogger = (l: Record<string, unknown>) => METHODS.filter((m) => typeof l[m] !== 'function').length === 0;

let sink: unknown;

const pairs: [string, [string, (i: number) => unknown][]][] = [
  [
    "request.log (Fastify's per-request logger)",
    [
      ['a pino child per request', (i) => parent.child({ requestId: `r-${i}` }, {})],
      [
        'the deferred child (made only if used)',
        (i) => {
          const l = deferredChildLogger(parent, { requestId: `r-${i}` }, {});
          if (!validLogger(l as unknown as Record<string, unknown>)) throw new Error('not a logger');
          return l;
        },
      ],
    ],
  ],
];

function round(fn: (i: number) => unknown): number {
  const t = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) sink = fn(i);
  return Number(process.hrtime.bigint() - t) / CALLS;
}

for (const [title, variants] of pairs) {
  const times = new Map<string, number[]>(variants.map(([name]) => [name, []]));
  for (let r = 0; r < ROUNDS; r++) for (const [name, fn] of variants) times.get(name)!.push(round(fn));
  process.stdout.write(`${title}\n`);
  for (const [name, t] of times) {
    t.sort((a, b) => a - b);
    process.stdout.write(
      `  ${name}: ${Math.round(t[Math.floor(t.length / 2)])} ns per request (rounds ${Math.round(t[0])}-${Math.round(t.at(-1)!)})\n`,
    );
  }
}
void sink;
