import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { test } from 'node:test';

import { buildTestApp } from './helpers/app.ts';
import { trackChild } from './helpers/children.ts';
import { makeCourse, makeUser } from './helpers/factories.ts';
import { type ReceivedSpan, startOtlpReceiver, startReceiverProcess } from './helpers/otlp-receiver.ts';
import { buildPayApp, initializePayment } from './helpers/payments.ts';
import { TestRedis } from './helpers/redis.ts';

const SERVER = 2; // SpanKind.SERVER in OTLP's numbering (SPAN_KIND_SERVER)
const CLIENT = 3;
const STATUS_ERROR = 2;

/** The request's server span and the spans under it (any depth). */
function traceOf(spans: ReceivedSpan[], requestId: string) {
  const server = spans.find((s) => s.kind === SERVER && s.attributes['it360.request_id'] === requestId);
  if (!server) return undefined;
  return { server, all: spans.filter((s) => s.traceId === server.traceId) };
}

async function tracedReceiver(t: { after(fn: () => unknown): void }) {
  const receiver = await startOtlpReceiver();
  t.after(() => receiver.close());
  return receiver;
}

test('a payment initialize is one trace: the server span, then a span per database, cache and Paystack call, and the HTTP exchange under Paystack', async (t) => {
  const receiver = await tracedReceiver(t);
  const app = await buildPayApp(t, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, REDIS_URL: 'redis://127.0.0.1:6379' });
  const inst = await makeUser(app, 'instructor');
  const student = await makeUser(app);
  const course = await makeCourse(app, inst, { price: 500_000 });

  const res = await initializePayment(app, student, course.id);
  assert.equal(res.statusCode, 201);
  const requestId = String(res.headers['x-request-id']);

  const { server, all } = await receiver.waitFor((spans) => {
    const tr = traceOf(spans, requestId);
    // The server span ends at onSend; the dependency spans before it: all there once Paystack's HTTP span is.
    return tr &&
      tr.all.some((s) => s.attributes['it360.dependency'] === 'paystack') &&
      tr.all.some((s) => s.kind === CLIENT && s.attributes['http.request.method'])
      ? tr
      : undefined;
  });
  assert.equal(server.parentSpanId, undefined, 'the server span is the root');
  assert.equal(server.attributes['http.route'], '/api/v1/payments/initialize');
  assert.equal(server.name, 'POST /api/v1/payments/initialize');
  assert.equal(server.attributes['http.response.status_code'], 201);
  assert.equal(server.resource['service.name'], 'it360acad');

  const deps = all.filter((s) => s.attributes['it360.dependency'] !== undefined);
  for (const d of ['database', 'cache', 'paystack']) {
    const spans = deps.filter((s) => s.attributes['it360.dependency'] === d);
    assert.ok(spans.length > 0, `a ${d} span (got ${deps.map((s) => s.name).join(', ')})`);
    for (const s of spans) {
      assert.equal(s.parentSpanId, server.spanId, `${s.name} is a child of the server span`);
      assert.equal(s.kind, CLIENT);
      assert.equal(s.attributes['it360.outcome'], 'ok');
      assert.equal(typeof s.attributes['it360.budget_ms'], 'number');
      assert.equal(typeof s.attributes['it360.time_left_ms'], 'number');
      assert.ok((s.attributes['it360.budget_ms'] as number) > 0);
      assert.ok((s.attributes['it360.time_left_ms'] as number) <= 10_000);
      assert.equal(typeof s.attributes['it360.op'], 'string');
      assert.notEqual(s.status.code, STATUS_ERROR);
    }
  }
  assert.equal(deps.find((s) => s.attributes['it360.dependency'] === 'database')!.attributes['db.system.name'], 'postgresql');
  assert.equal(deps.find((s) => s.attributes['it360.dependency'] === 'cache')!.attributes['db.system.name'], 'redis');
  // undici's span for the exchange with the simulator, under the paystack call's span.
  const paystack = deps.filter((s) => s.attributes['it360.dependency'] === 'paystack');
  const http = all.find(
    (s) => s.kind === CLIENT && s.attributes['http.request.method'] === 'POST' && s.attributes['it360.dependency'] === undefined,
  );
  assert.ok(http, 'an HTTP client span for the Paystack exchange');
  assert.ok(
    paystack.some((p) => p.spanId === http.parentSpanId),
    'the HTTP span is a child of a paystack span',
  );
});

test('background work is traced on its own: a webhook event is processed under a root task span, linked to the webhook request, with its database calls as children', async (t) => {
  const receiver = await tracedReceiver(t);
  const app = await buildPayApp(t, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
  const inst = await makeUser(app, 'instructor');
  const student = await makeUser(app);
  const course = await makeCourse(app, inst, { price: 300_000 });
  const res = await initializePayment(app, student, course.id);
  assert.equal(res.statusCode, 201);
  await app.sim.complete(res.json<{ reference: string }>().reference, 'success');

  const { task, children, webhook } = await receiver.waitFor((spans) => {
    const task = spans.find(
      (s) =>
        s.name === 'task webhook' &&
        String(s.attributes['it360.task_id']).startsWith('webhook-') &&
        !String(s.attributes['it360.task_id']).startsWith('webhooks-'),
    );
    if (!task) return undefined;
    const children = spans.filter((s) => s.parentSpanId === task.spanId);
    const webhook = spans.find((s) => s.kind === SERVER && s.attributes['http.route'] === '/api/v1/payments/webhook');
    return children.some((c) => c.attributes['it360.dependency'] === 'database') && webhook ? { task, children, webhook } : undefined;
  });
  assert.equal(task.parentSpanId, undefined, 'a root span');
  assert.notEqual(task.traceId, webhook.traceId, 'a trace of its own');
  assert.deepEqual(task.links, [{ traceId: webhook.traceId, spanId: webhook.spanId }], 'linked to the webhook request that started it');
  for (const c of children) assert.equal(c.traceId, task.traceId);
});

test('Redis frozen (SIGSTOP): the cache span carries the timeout, then the open breaker; the request still answers 200 and its log lines carry the trace id', async (t) => {
  const receiver = await tracedReceiver(t);
  const redis = await TestRedis.start();
  t.after(() => redis.stop());
  const app = await buildTestApp(t, {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    REDIS_URL: redis.url,
    BREAKER_CONSECUTIVE_FAILURES: '2',
    BREAKER_HALF_OPEN_MS: '30000',
  });
  const admin = await makeUser(app, 'admin');
  redis.freeze();
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    const res = await app.inject({ method: 'GET', url: `/api/v1/users?pageSize=${20 + i}`, headers: admin.auth });
    assert.equal(res.statusCode, 200);
    ids.push(String(res.headers['x-request-id']));
  }
  assert.equal(app.c.cachePolicy.state(), 'open');
  const cacheSpans = (id: string) => (spans: ReceivedSpan[]) => {
    const tr = traceOf(spans, id);
    const c = tr?.all.filter((s) => s.attributes['it360.dependency'] === 'cache');
    return tr && c && c.length > 0 && tr.all.some((s) => s.attributes['it360.dependency'] === 'database') ? { ...tr, cache: c } : undefined;
  };
  const first = await receiver.waitFor(cacheSpans(ids[0])).catch((err: unknown) => {
    process.stderr.write(`${JSON.stringify(receiver.spans.map((s) => [s.name, s.traceId, s.parentSpanId, s.attributes]))}\n`);
    throw err;
  });
  assert.equal(first.server.name, 'GET /api/v1/users');
  // The query never leaves: it may carry a token on other routes.
  assert.equal(first.server.attributes['url.path'], '/api/v1/users');
  const timedOut = first.cache.find((s) => s.attributes['it360.outcome'] === 'timeout');
  assert.ok(
    timedOut,
    `a cache span with outcome timeout (got ${first.cache.map((s) => String(s.attributes['it360.outcome'])).join(', ')})`,
  );
  assert.equal(timedOut.status.code, STATUS_ERROR);
  assert.equal(timedOut.attributes['it360.error_code'], 'timeout');
  assert.equal(timedOut.parentSpanId, first.server.spanId);
  assert.ok(
    Number(timedOut.endNs - timedOut.startNs) / 1e6 >= (timedOut.attributes['it360.budget_ms'] as number) - 5,
    'the span lasts its budget',
  );
  const last = await receiver.waitFor(cacheSpans(ids[3]));
  const refused = last.cache.find((s) => s.attributes['it360.outcome'] === 'rejected_breaker_open');
  assert.ok(
    refused,
    `a cache span refused by the open breaker (got ${last.cache.map((s) => String(s.attributes['it360.outcome'])).join(', ')})`,
  );
  assert.equal(refused.attributes['it360.error_code'], 'breaker_open');
  assert.equal(refused.status.code, STATUS_ERROR);
  if (process.env.PRINT_TRACE) {
    const show = (s: ReceivedSpan) => ({
      name: s.name,
      parent: s.parentSpanId === undefined ? null : s.parentSpanId === first.server.spanId ? 'server' : s.parentSpanId,
      ms: Number(s.endNs - s.startNs) / 1e6,
      status: s.status,
      attributes: s.attributes,
    });
    process.stderr.write(`${JSON.stringify({ timeout: first.all.map(show), breakerOpen: last.all.map(show) }, null, 1)}\n`);
  }

  // Every log line of the first request (the request line, the cache call's warning) names its trace.
  const lines = app.logs.filter((l) => l.requestId === ids[0]);
  assert.ok(lines.length >= 2, `the request's lines: ${JSON.stringify(lines)}`);
  for (const l of lines) assert.equal(l.traceId, first.server.traceId, JSON.stringify(l));
});

test('an incoming W3C traceparent is continued: same trace, the caller span as the server span parent; problem+json bodies carry the trace id', async (t) => {
  const receiver = await tracedReceiver(t);
  const app = await buildTestApp(t, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const parent = '00f067aa0ba902b7';
  const res = await app.inject({
    method: 'GET',
    url: '/api/v1/courses/00000000-0000-4000-8000-000000000000',
    headers: { traceparent: `00-${traceId}-${parent}-01` },
  });
  assert.equal(res.statusCode, 404);
  assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
  const body = res.json<{ traceId: string; requestId: string }>();
  assert.equal(body.traceId, traceId);
  const { server } = await receiver.waitFor((spans) => traceOf(spans, body.requestId));
  assert.equal(server.traceId, traceId);
  assert.equal(server.parentSpanId, parent);
  assert.equal(server.attributes['http.response.status_code'], 404);
  const line = app.logs.find((l) => l.requestId === body.requestId && l.msg === 'request completed');
  assert.equal(line?.traceId, traceId);

  // Without one, a new trace: still named in the body.
  const fresh = await app.inject({ method: 'GET', url: '/api/v1/courses/00000000-0000-4000-8000-000000000000' });
  const freshBody = fresh.json<{ traceId: string; requestId: string }>();
  assert.match(freshBody.traceId, /^[0-9a-f]{32}$/);
  assert.notEqual(freshBody.traceId, traceId);
  const fromReceiver = await receiver.waitFor((spans) => traceOf(spans, freshBody.requestId));
  assert.equal(fromReceiver.server.traceId, freshBody.traceId);
  assert.equal(fromReceiver.server.parentSpanId, undefined);
});

test('OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf: the spans go out as OTLP protobuf (application/x-protobuf) to the same URL', async (t) => {
  const receiver = await tracedReceiver(t);
  const app = await buildTestApp(t, {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_SERVICE_NAME: 'it360acad-protobuf',
  });
  const res = await app.inject({ method: 'GET', url: '/api/v1/courses' });
  assert.equal(res.statusCode, 200);
  // Not decoded here: protobuf carries strings as their UTF-8 bytes, so the service name and
  // the server span's name are in the body as they are; nothing arrives as JSON.
  const body = await receiver.waitFor(
    () => receiver.protobufBodies.find((b) => b.includes('GET /api/v1/courses') && b.includes('it360acad-protobuf')),
    15_000,
  );
  assert.ok(body.length > 0);
  assert.equal(receiver.spans.length, 0, 'no JSON export');
});

test('tracing off: problem bodies and log lines carry no traceId', async (t) => {
  const app = await buildTestApp(t);
  const res = await app.inject({ method: 'GET', url: '/api/v1/courses/00000000-0000-4000-8000-000000000000' });
  assert.equal(res.statusCode, 404);
  assert.equal('traceId' in res.json(), false);
  assert.ok(app.logs.length > 0);
  assert.ok(app.logs.every((l) => !('traceId' in l)));
});

/** Reads the trace export's series from /metrics. */
async function traceMetrics(app: Awaited<ReturnType<typeof buildTestApp>>) {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  const read = (series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : 0;
  };
  return {
    exported: read('it360_trace_spans_exported_total'),
    queueFull: read('it360_trace_spans_dropped_total{reason="queue_full"}'),
    exportFailed: read('it360_trace_spans_dropped_total{reason="export_failed"}'),
    timeouts: read('it360_trace_exports_failed_total{reason="timeout"}'),
    busy: read('it360_trace_exports_failed_total{reason="busy"}'),
    errors: read('it360_trace_exports_failed_total{reason="error"}'),
    queued: read('it360_trace_queue_spans'),
  };
}

test('collector frozen (SIGSTOP) under load: requests keep answering, the export gives up at its timeout and drops what does not fit the queue (counted in /metrics), heap stays bounded', async (t) => {
  const receiver = await startReceiverProcess((p) => trackChild(p));
  t.after(() => receiver.stop());
  const app = await buildTestApp(t, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, REDIS_URL: 'redis://127.0.0.1:6379' });
  const inst = await makeUser(app, 'instructor');
  await makeCourse(app, inst);
  // Real HTTP (not inject, whose requests the heap measurement would also see).
  const url = await app.c.app.listen({ host: '127.0.0.1', port: 0 });
  const read = async () => {
    // A local read served from the cache; 10 s means the service hangs.
    const res = await fetch(`${url}/api/v1/courses`, { signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    return { statusCode: res.status };
  };
  assert.equal((await read()).statusCode, 200);
  // The collector works: spans arrive.
  for (let i = 0; i < 20 && (await receiver.stats()).spans === 0; i++) await new Promise((r) => setTimeout(r, 250));
  assert.ok((await receiver.stats()).spans > 0, 'spans reach the receiver before it is frozen');

  const { runInNewContext } = await import('node:vm');
  const v8 = await import('node:v8');
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const heapBefore = process.memoryUsage().heapUsed;

  receiver.freeze();
  const started = performance.now();
  let slowest = 0;
  let requests = 0;
  // Enough requests to fill the 4096-span queue (each makes a server span and a cache
  // span or two) while the frozen collector holds the export; at most 90 s on a slow machine.
  while (performance.now() - started < 90_000) {
    const batch = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const t0 = performance.now();
        const res = await read();
        return { status: res.statusCode, ms: performance.now() - t0 };
      }),
    );
    requests += batch.length;
    for (const r of batch) {
      assert.equal(r.status, 200);
      slowest = Math.max(slowest, r.ms);
    }
    if (requests % 500 === 0) {
      const m = await traceMetrics(app);
      if (m.queueFull > 0 && m.timeouts > 0 && requests >= 300) break;
    }
  }
  const m = await traceMetrics(app);
  gc();
  const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
  process.stderr.write(
    `collector frozen: ${requests} requests in ${Math.round(performance.now() - started)} ms, slowest ${Math.round(slowest)} ms, heap +${(heapGrowth / 1048576).toFixed(1)} MiB, metrics ${JSON.stringify(m)}\n`,
  );
  // A request served from the cache takes milliseconds; one that waited on the export would
  // take the exporter's 5 s timeout. 4 s sits between, leaving a loaded machine (this app runs
  // in the test's own process, beside other test files) seconds of stalls before it fails.
  assert.ok(slowest < 4000, `slowest request ${Math.round(slowest)} ms`);
  assert.ok(m.queueFull > 0, 'spans beyond the queue are dropped and counted');
  assert.ok(m.timeouts > 0, 'the export to the frozen collector gave up at its timeout');
  assert.ok(m.queued <= 4096, `queued ${m.queued}`);
  // 4096 queued spans of about 1-2 KB: a few MB. 64 MiB is generous, and far below what
  // an unbounded queue would hold after thousands of requests.
  assert.ok(heapGrowth < 64 * 1048576, `heap grew ${(heapGrowth / 1048576).toFixed(1)} MiB`);

  // Thawed, the collector gets spans again.
  receiver.thaw();
  const exportedBefore = m.exported;
  for (let i = 0; i < 80; i++) {
    await read();
    if ((await traceMetrics(app)).exported > exportedBefore) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok((await traceMetrics(app)).exported > exportedBefore, 'exports resume once the collector answers');
});

test('closing with the collector frozen: the final flush is bounded (2 s), the service closes', async (t) => {
  const receiver = await startReceiverProcess((p) => trackChild(p));
  t.after(() => receiver.stop());
  const app = await buildTestApp(t, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
  receiver.freeze();
  for (let i = 0; i < 20; i++) await app.inject({ method: 'GET', url: '/api/v1/courses' });
  const started = performance.now();
  await app.c.close();
  const ms = performance.now() - started;
  // The flush gives up after 2 s; the rest of closing takes well under a second. 8 s is generous.
  assert.ok(ms < 8000, `closing took ${Math.round(ms)} ms`);
  assert.ok(app.logs.some((l) => l.msg === 'tracing: the last spans were not all exported at shutdown'));
});

test('tracing off: no OpenTelemetry module is loaded, even with the whole service imported; on, the SDK is', async () => {
  const probe = (url?: string) =>
    new Promise<{ tracing: boolean; loaded: string[] }>((resolve, reject) => {
      const child = fork(new URL('./helpers/otel-probe.ts', import.meta.url), url ? [url] : [], {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      });
      trackChild(child);
      let out = '';
      child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      child.once('exit', (code) =>
        code === 0 ? resolve(JSON.parse(out) as { tracing: boolean; loaded: string[] }) : reject(new Error(`probe exited ${code}`)),
      );
    });
  const off = await probe();
  assert.equal(off.tracing, false);
  // @opentelemetry/api is the one exception, and not ours: prom-client loads it (for
  // exemplars) whether or not we trace. It is the no-op API, no SDK behind it.
  assert.deepEqual(
    off.loaded.filter((p) => !p.includes('@opentelemetry/api/')),
    [],
  );
  // The probe sees modules when they are there (a check that could never fail proves nothing).
  const on = await probe('http://127.0.0.1:9/v1/traces');
  assert.equal(on.tracing, true);
  assert.ok(
    on.loaded.some((p) => p.includes('sdk-trace')),
    `loaded: ${on.loaded.length}`,
  );
});
