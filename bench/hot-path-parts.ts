/**
 * `npm run bench:parts`: what single parts of a request cost, in one process with nothing
 * else running in it, where the whole-service benchmark cannot tell a few microseconds
 * from the noise of two processes and a load generator sharing two cores. Each pair is
 * measured in alternating rounds and the median round is printed.
 *
 * - Fastify's `request.log`: a pino child per request (redaction on, as the service's
 *   logger has it) against the deferred child src/logger.ts hands Fastify, plus the
 *   check Fastify runs on a custom factory's logger.
 * - The security headers of a JSON answer: Node's writeHead of a cached hit's headers with
 *   every helmet header against the set without the document-only ones
 *   (src/http/security.ts DOCUMENT_ONLY_HEADERS). Both sides make the same response object
 *   per call; the difference is the headers'.
 *
 * Bounded: ROUNDS × pairs × CALLS calls, a few seconds.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { Writable } from 'node:stream';

import { securityHeaders, SERVICE_HELMET } from '../src/http/security.ts';
import { createLogger, deferredChildLogger } from '../src/logger.ts';

// Enough calls per round for a round to take tens of milliseconds (timer resolution and
// one GC do not decide it), and enough rounds for a median.
const CALLS = 200_000;
// A response object per call costs some 20 µs: fewer calls give rounds of the same length.
const RESPONSE_CALLS = 20_000;
const ROUNDS = 9;

const root = createLogger('info', new Writable({ write: (_c, _e, cb) => cb() }));
// Fastify's own root logger is a child of the one it is given (its serializers).
const parent = root.child({}, { serializers: {} });
// What Fastify checks on every logger a custom childLoggerFactory returns.
const METHODS = ['info', 'error', 'debug', 'fatal', 'warn', 'trace', 'child'];
const validLogger = (l: Record<string, unknown>) => METHODS.filter((m) => typeof l[m] !== 'function').length === 0;

let sink: unknown;

// The headers of a cached hit besides helmet's (lifecycle, cache-control, cached-reply).
const OWN_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'content-length': '5240',
  etag: '"users-1-0f3a9c2b7e1d0a5b"',
  'x-request-id': '3f1e7c1a-8a7b-4b8e-9f3a-1c2d3e4f5a6b',
  'cache-control': 'private, no-cache',
  'x-cache': 'hit',
};
const helmetHeaders = securityHeaders(SERVICE_HELMET);
const everyHelmetHeader = { ...helmetHeaders.all, ...helmetHeaders.document, ...OWN_HEADERS };
const jsonHeaders = { ...helmetHeaders.all, ...OWN_HEADERS };
function writeHead(headers: Record<string, string>): number {
  const res = new ServerResponse(new IncomingMessage(new Socket()));
  res.writeHead(200, headers);
  return (res as unknown as { _header: string })._header.length;
}

const pairs: [string, number, [string, (i: number) => unknown][]][] = [
  [
    "request.log (Fastify's per-request logger)",
    CALLS,
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
  [
    'the headers of a cached JSON hit (writeHead)',
    RESPONSE_CALLS,
    [
      [`every helmet header (${Object.keys(everyHelmetHeader).length} headers)`, () => writeHead(everyHelmetHeader)],
      [`without the document-only ones (${Object.keys(jsonHeaders).length} headers)`, () => writeHead(jsonHeaders)],
    ],
  ],
];

function round(fn: (i: number) => unknown, calls: number): number {
  const t = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) sink = fn(i);
  return Number(process.hrtime.bigint() - t) / calls;
}

for (const [title, calls, variants] of pairs) {
  const times = new Map<string, number[]>(variants.map(([name]) => [name, []]));
  for (let r = 0; r < ROUNDS; r++) for (const [name, fn] of variants) times.get(name)!.push(round(fn, calls));
  process.stdout.write(`${title}\n`);
  for (const [name, t] of times) {
    t.sort((a, b) => a - b);
    process.stdout.write(
      `  ${name}: ${Math.round(t[Math.floor(t.length / 2)])} ns per request (rounds ${Math.round(t[0])}-${Math.round(t.at(-1)!)})\n`,
    );
  }
}
void sink;
