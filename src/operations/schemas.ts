import { Type } from 'typebox';

/** The /ops/data document: what the dashboard draws. */

const State = Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down')]);
const NullableMs = Type.Union([Type.Number(), Type.Null()]);
const BreakerName = Type.Union([Type.Literal('closed'), Type.Literal('open'), Type.Literal('half-open'), Type.Literal('isolated')]);

export const RequestRecordSchema = Type.Object({
  at: Type.Integer({ description: 'when it finished, ms since the epoch' }),
  pid: Type.Integer({ description: 'the worker that served it' }),
  method: Type.String(),
  route: Type.String(),
  statusCode: Type.Integer(),
  durationMs: Type.Number(),
  requestId: Type.String(),
  code: Type.Optional(Type.String({ description: 'problem code it was answered with' })),
  pastDeadline: Type.Boolean({ description: 'answered 503 deadline_exceeded' }),
  waitedOn: Type.Optional(
    Type.Object({
      dependency: Type.String(),
      op: Type.String(),
      outcome: Type.Union([Type.Literal('ok'), Type.Literal('error'), Type.Literal('timeout'), Type.Literal('rejected')]),
      elapsedMs: Type.Number(),
    }),
  ),
});

export const DependencyView = Type.Object({
  name: Type.String(),
  state: State,
  /** This worker's readiness check (the probe, or for Paystack its breaker and recent calls). */
  probe: Type.Object({ status: State, latencyMs: Type.Optional(Type.Number()), detail: Type.Optional(Type.String()) }),
  breakers: Type.Object(
    { closed: Type.Integer(), open: Type.Integer(), 'half-open': Type.Integer(), isolated: Type.Integer() },
    { description: 'workers per breaker state' },
  ),
  calls: Type.Integer(),
  errors: Type.Integer(),
  timeouts: Type.Integer(),
  rejected: Type.Integer(),
  slowCalls: Type.Integer({
    description:
      'calls noticed still waiting past half their budget (at most 4 s), over the window; each is also logged (at most a line a second)',
  }),
  errorRate: Type.Number({ description: 'failed calls (error, timeout, rejected) / calls, 0-1, over the window' }),
  p50Ms: NullableMs,
  p99Ms: NullableMs,
  maxMs: NullableMs,
  series: Type.Array(
    Type.Object({ start: Type.Integer(), calls: Type.Integer(), failures: Type.Integer(), p50Ms: NullableMs, p99Ms: NullableMs }),
  ),
});

export const WorkerView = Type.Object({
  pid: Type.Integer(),
  workerId: Type.Optional(Type.Integer()),
  slot: Type.Optional(Type.Integer()),
  reason: Type.Optional(Type.String({ description: 'why it was started' })),
  uptimeS: Type.Number(),
  restarts: Type.Integer({ description: 'workers started in its slot after the first' }),
  inflight: Type.Optional(Type.Integer()),
  rssBytes: Type.Optional(Type.Number()),
  cacheLocal: Type.Optional(
    Type.Object(
      {
        entries: Type.Integer(),
        bytes: Type.Number({ description: 'estimated heap held' }),
        maxBytes: Type.Number({ description: 'CACHE_L1_MAX_BYTES' }),
        hitRatio: Type.Number({ description: 'share of lookups answered in-process since the worker started' }),
      },
      { description: 'the in-process cache tier' },
    ),
  ),
  answered: Type.Boolean({ description: 'false: it did not answer within 1 s (hung or saturated)' }),
  breakers: Type.Object({
    database: Type.Optional(BreakerName),
    cache: Type.Optional(BreakerName),
    paystack: Type.Optional(BreakerName),
    mail: Type.Optional(BreakerName),
  }),
});

export const FlaggedPaymentSchema = Type.Object({
  reference: Type.String(),
  userId: Type.String(),
  courseId: Type.String(),
  amount: Type.Integer({ description: 'minor units we asked for' }),
  currency: Type.String(),
  reason: Type.String({ description: 'what Paystack reported instead' }),
  flaggedAt: Type.String({ format: 'date-time' }),
});

export const MailOutboxViewSchema = Type.Object({
  pending: Type.Integer({ description: 'rows waiting to be sent' }),
  failed: Type.Integer({ description: 'rows given up on (24 h of failures, or refused for good)' }),
  oldestPendingS: Type.Integer({ description: 'age of the oldest pending row, seconds' }),
  failedMessages: Type.Array(
    Type.Object({
      id: Type.String(),
      messageId: Type.String(),
      kind: Type.String(),
      recipient: Type.String(),
      attempts: Type.Integer(),
      lastError: Type.Union([Type.String(), Type.Null()]),
      createdAt: Type.String({ format: 'date-time' }),
    }),
    { description: 'the newest failed rows (at most 50) with their last error' },
  ),
});

export const OpsDataSchema = Type.Object({
  generatedAt: Type.String({ format: 'date-time' }),
  status: State,
  supervised: Type.Boolean({ description: 'false: a process without a supervisor, showing only itself' }),
  windowMinutes: Type.Integer(),
  bucketSeconds: Type.Integer(),
  dependencies: Type.Array(DependencyView),
  timedOut: Type.Array(RequestRecordSchema),
  slowest: Type.Array(RequestRecordSchema),
  workers: Type.Array(WorkerView),
  restartsByReason: Type.Record(Type.String(), Type.Integer()),
  flaggedPayments: Type.Optional(
    Type.Array(FlaggedPaymentSchema, {
      description:
        'payments whose verify reported another amount or currency: a person refunds or settles each (newest first, at most 100)',
    }),
  ),
  mailOutbox: Type.Optional(MailOutboxViewSchema),
});

const CheckSchema = Type.Object({
  status: State,
  latencyMs: Type.Optional(Type.Number()),
  breaker: BreakerName,
  detail: Type.Optional(Type.String({ description: 'why it is not ok, in operator words' })),
});

/** The /readyz document: the overall state and each dependency's check. */
export const ReadinessSchema = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down')], {
      description: 'down only when the database is unusable (then the answer is 503); degraded when anything else is',
    }),
    checks: Type.Record(Type.String(), CheckSchema, { description: 'by dependency: database, cache, paystack, mail' }),
  },
  {
    example: {
      status: 'ok',
      checks: {
        database: { status: 'ok', latencyMs: 2, breaker: 'closed' },
        cache: { status: 'ok', latencyMs: 1, breaker: 'closed' },
        paystack: { status: 'ok', breaker: 'closed' },
        mail: { status: 'ok', breaker: 'closed' },
      },
    },
  },
);

export type OpsData = Type.Static<typeof OpsDataSchema>;
export type DependencyViewT = Type.Static<typeof DependencyView>;
export type WorkerViewT = Type.Static<typeof WorkerView>;
