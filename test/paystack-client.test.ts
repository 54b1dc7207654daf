/**
 * The Paystack client against the simulator over real HTTP: the happy path, and every
 * way Paystack can be slow, hung, failing or rate-limited, with time bounds asserted.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import { inspect } from 'node:util';

import { isAppError } from '../src/errors/index.ts';
import {
  createPaystackClient,
  type PaystackAttemptEvent,
  type PaystackClient,
  type PaystackClientOptions,
} from '../src/infra/paystack/client.ts';
import {
  isPaystackAmbiguousError,
  isPaystackDuplicateReferenceError,
  isPaystackHttpError,
  isPaystackNetworkError,
  isPaystackNotFoundError,
  isPaystackOutage,
  isPaystackRateLimitedError,
  isPaystackTimeoutError,
} from '../src/infra/paystack/errors.ts';
import { signPaystackBody, verifyPaystackSignature } from '../src/infra/paystack/signature.ts';
import { type RequestContext, runInContext } from '../src/resilience/deadline.ts';
import { createPaystackSimulator, type PaystackSimulator } from '../tools/paystack-sim/server.ts';
import { waitFor } from './helpers/wait.ts';

const SECRET = 'sk_test_client_suite';

let sim: PaystackSimulator;
let base: string;
const clients: PaystackClient[] = [];

before(async () => {
  sim = createPaystackSimulator({ secretKey: SECRET });
  base = await sim.listen(0, '127.0.0.1');
});

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sim.close();
});

beforeEach(async () => {
  await control('/__control/reset', {});
});

async function control(path: string, body: unknown): Promise<unknown> {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5_000), // a broken simulator fails the test instead of hanging it
  });
  assert.equal(res.status, 200, `${path} answered ${res.status}`);
  return res.json();
}

async function stats(): Promise<Record<string, number>> {
  return (await fetch(`${base}/__stats`)).json() as Promise<Record<string, number>>;
}

function client(overrides: Partial<PaystackClientOptions> = {}): PaystackClient {
  // 2 s per attempt: far above a local round trip, far below the test runner's patience; 50 ms margin keeps deadline tests short.
  const c = createPaystackClient({ baseUrl: base, secretKey: SECRET, timeoutMs: 2_000, replyMarginMs: 50, ...overrides });
  clients.push(c);
  return c;
}

/** A request context whose deadline is `ms` from now. */
function requestContext(ms: number, signal = new AbortController().signal): RequestContext {
  const now = performance.now();
  return { requestId: 'req-test', method: 'POST', route: '/test', startedAt: now, deadlineAt: now + ms, signal };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const started = performance.now();
  try {
    const value = await fn();
    return { ms: performance.now() - started, value };
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
}

let seq = 0;
const ref = (name: string) => `${name}-${process.pid}-${++seq}`;

async function initialized(c: PaystackClient, amount = 120_000): Promise<string> {
  const reference = ref('tx');
  await c.initialize({ email: 'learner@example.com', amount, reference, currency: 'NGN' });
  return reference;
}

async function paid(c: PaystackClient, amount = 120_000): Promise<{ reference: string; id: number }> {
  const reference = await initialized(c, amount);
  await control('/__control/complete', { reference, outcome: 'success', sendWebhook: false });
  const v = await c.verify(reference);
  return { reference, id: v.id };
}

test('happy path: initialize, pay, verify says success with the amount asked for', async () => {
  const events: PaystackAttemptEvent[] = [];
  const c = client({ onAttempt: (e) => events.push(e) });
  const reference = ref('happy');
  const init = await c.initialize({
    email: 'ada@example.com',
    amount: 250_000,
    reference,
    currency: 'NGN',
    callbackUrl: 'http://127.0.0.1:3000/payments/callback',
    metadata: { courseId: 'c-42' },
  });
  assert.equal(init.reference, reference);
  assert.match(init.authorizationUrl, new RegExp(`^${base}/checkout/${init.accessCode}$`));

  const before = await c.verify(reference);
  assert.equal(before.status, 'abandoned');

  await control('/__control/complete', { reference, outcome: 'success', sendWebhook: false });
  const v = await c.verify(reference);
  assert.equal(v.status, 'success');
  assert.equal(v.reference, reference);
  assert.equal(v.amount, 250_000);
  assert.equal(v.requestedAmount, 250_000);
  assert.equal(v.currency, 'NGN');
  assert.ok(v.paidAt && !Number.isNaN(Date.parse(v.paidAt)));
  assert.equal(v.gatewayResponse, 'Successful');
  assert.deepEqual(v.metadata, { courseId: 'c-42' });
  assert.equal(typeof v.id, 'number');

  assert.deepEqual(
    events.map((e) => [e.op, e.outcome, e.status]),
    [
      ['initialize', 'ok', 200],
      ['verify', 'ok', 200],
      ['verify', 'ok', 200],
    ],
  );
  assert.ok(events.every((e) => e.budgetMs === 2_000 && e.elapsedMs >= 0));
});

test('the checkout page pays, redirects to the callback and sends a signed charge.success webhook', async () => {
  const received: { body: string; signature: string | undefined }[] = [];
  const hook: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), signature: req.headers['x-paystack-signature'] as string | undefined });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  try {
    const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/webhook`;
    await control('/__control', { webhookUrl: hookUrl, webhookDuplicates: 1 });
    const c = client();
    const reference = ref('checkout');
    const init = await c.initialize({
      email: 'ada@example.com',
      amount: 9_900,
      reference,
      currency: 'NGN',
      callbackUrl: 'http://127.0.0.1:9/payments/callback?x=1',
    });

    const page = await fetch(init.authorizationUrl);
    const html = await page.text();
    assert.equal(page.status, 200);
    assert.match(html, /NGN 99\.00/);
    assert.match(html, /ada@example\.com/);
    assert.match(html, /action="\/checkout\/[a-z0-9]+\/pay"/);

    const paidRes = await fetch(`${base}/checkout/${init.accessCode}/pay`, { method: 'POST', redirect: 'manual' });
    assert.equal(paidRes.status, 302);
    const location = new URL(paidRes.headers.get('location')!);
    assert.equal(location.pathname, '/payments/callback');
    assert.equal(location.searchParams.get('x'), '1');
    assert.equal(location.searchParams.get('trxref'), reference);
    assert.equal(location.searchParams.get('reference'), reference);

    // One delivery plus one duplicate, as Paystack's at-least-once delivery can produce.
    // Deliveries are fire-and-forget: wait for both (10 s is for a loaded machine; on
    // loopback they come in milliseconds), then check there are exactly two.
    await waitFor(() => received.length >= 2, 10_000, 'two webhook deliveries').catch(() => undefined);
    assert.equal(received.length, 2);
    assert.equal(received[0].body, received[1].body);
    for (const r of received) assert.ok(verifyPaystackSignature(SECRET, r.body, r.signature));
    const event = JSON.parse(received[0].body);
    assert.equal(event.event, 'charge.success');
    assert.equal(event.data.reference, reference);
    assert.equal(event.data.status, 'success');
    assert.equal(event.data.amount, 9_900);

    assert.equal((await c.verify(reference)).status, 'success');
  } finally {
    await new Promise((r) => hook.close(r));
  }
});

test('hung Paystack: initialize throws PaystackTimeoutError within its bound', async () => {
  await control('/__control', { mode: 'hang' });
  // 300 ms per attempt, so three attempts stay well inside the 2 s bound asserted below.
  const c = client({ timeoutMs: 300 });
  const r = await timed(() => c.initialize({ email: 'a@example.com', amount: 1_000, reference: ref('hang'), currency: 'NGN' }));
  assert.ok(isPaystackTimeoutError(r.error), `expected a timeout, got ${inspect(r.error)}`);
  assert.equal(r.error.phase, 'headers');
  assert.equal(r.error.byRequest, false);
  assert.ok(isPaystackOutage(r.error));
  // Three attempts of 300 ms and two short backoffs; nowhere near undici's 300 s default.
  assert.ok(r.ms < 2_000, `took ${Math.round(r.ms)} ms`);
  assert.equal((await stats()).initialize, 3);
});

test('headers sent, body never finished: verify times out within its bound', async () => {
  const c = client({ timeoutMs: 300 });
  const reference = await initialized(c);
  await control('/__control', { mode: 'hang-body', ops: ['verify'] });
  const r = await timed(() => c.verify(reference));
  assert.ok(isPaystackTimeoutError(r.error), `expected a timeout, got ${inspect(r.error)}`);
  assert.equal(r.error.phase, 'body');
  assert.ok(r.ms < 2_000, `took ${Math.round(r.ms)} ms`);
});

test('the request deadline caps the attempt, whatever the client timeout', async () => {
  await control('/__control', { mode: 'hang' });
  const c = client({ timeoutMs: 5_000, replyMarginMs: 50 });
  const r = await timed(() =>
    runInContext(requestContext(200), () =>
      c.initialize({ email: 'a@example.com', amount: 1_000, reference: ref('deadline'), currency: 'NGN' }),
    ),
  );
  assert.ok(isPaystackTimeoutError(r.error), `expected a timeout, got ${inspect(r.error)}`);
  assert.equal(r.error.byRequest, true);
  assert.ok(r.error.budgetMs <= 150, `budget ${r.error.budgetMs}`);
  assert.ok(!isPaystackOutage(r.error), 'a deadline-clipped timeout says nothing about Paystack health');
  assert.ok(r.ms < 400, `took ${Math.round(r.ms)} ms`);
  assert.equal((await stats()).initialize, 1, 'no time was left for a retry');
});

test('the request context aborting (client gone) aborts the attempt at once', async () => {
  await control('/__control', { mode: 'hang' });
  const c = client({ timeoutMs: 5_000 });
  const gone = new AbortController();
  // The client hangs up 100 ms in, long before either the 5 s timeout or the 10 s deadline.
  setTimeout(() => gone.abort(), 100);
  const r = await timed(() => runInContext(requestContext(10_000, gone.signal), () => c.verify('any-ref')));
  assert.ok(isPaystackTimeoutError(r.error), `expected a timeout, got ${inspect(r.error)}`);
  assert.equal(r.error.byRequest, true);
  assert.ok(r.ms < 600, `took ${Math.round(r.ms)} ms`);
  assert.equal((await stats()).verify, 1);
});

test('no call starts when the request has less time left than the reply margin', async () => {
  const c = client({ replyMarginMs: 250 });
  const r = await timed(() => runInContext(requestContext(100), () => c.verify('any-ref')));
  assert.ok(isAppError(r.error) && r.error.code === 'deadline_exceeded', `got ${inspect(r.error)}`);
  assert.equal((await stats()).verify, 0);
});

test("maxWaitMs caps the whole call (the verify endpoint's wait)", async () => {
  await control('/__control', { mode: 'hang' });
  const c = client({ timeoutMs: 5_000 });
  const r = await timed(() => c.verify('any-ref', { maxWaitMs: 250 }));
  assert.ok(isPaystackTimeoutError(r.error), `got ${inspect(r.error)}`);
  assert.ok(r.ms < 600, `took ${Math.round(r.ms)} ms`);
});

test('verify retries through 5xx answers and succeeds', async () => {
  const c = client();
  const reference = await initialized(c);
  await control('/__control', { mode: 'fail', failStatus: 502, ops: ['verify'], times: 2 });
  const v = await c.verify(reference);
  assert.equal(v.reference, reference);
  assert.equal((await stats()).verify, 3);
});

test('verify gives up after its attempts, and sooner when time is short', async () => {
  const c = client();
  const reference = await initialized(c);
  await control('/__control', { mode: 'fail', ops: ['verify'] });

  const r = await timed(() => c.verify(reference));
  assert.ok(isPaystackHttpError(r.error) && r.error.status === 500, `got ${inspect(r.error)}`);
  assert.equal((await stats()).verify, 3);

  await control('/__control/reset', {});
  await control('/__control', { mode: 'fail', ops: ['verify'] });
  // 150 ms left minus a 50 ms margin: after one failure and a backoff, less than a useful attempt remains.
  const short = await timed(() => runInContext(requestContext(150), () => c.verify(reference)));
  assert.ok(isPaystackHttpError(short.error) && short.error.status === 500, `got ${inspect(short.error)}`);
  assert.ok(short.ms < 150, `took ${Math.round(short.ms)} ms`);
  assert.equal((await stats()).verify, 1);
});

test('429: verify waits for the advertised reset, then succeeds', async () => {
  const c = client();
  const reference = await initialized(c);
  await control('/__control', { mode: 'ratelimit', ops: ['verify'], times: 1, resetS: 1 });
  const r = await timed(() => c.verify(reference));
  assert.equal(r.value?.reference, reference, `got ${inspect(r.error)}`);
  assert.ok(r.ms >= 900, `retried after ${Math.round(r.ms)} ms, before the reset`);
  assert.ok(r.ms < 2_000, `took ${Math.round(r.ms)} ms`);
  assert.equal((await stats()).verify, 2);
});

test('429 with a reset beyond the time left is reported at once, with when to come back', async () => {
  const c = client();
  const reference = await initialized(c);
  await control('/__control', { mode: 'ratelimit', ops: ['verify'], resetS: 1 });
  const r = await timed(() => runInContext(requestContext(500), () => c.verify(reference)));
  assert.ok(isPaystackRateLimitedError(r.error), `got ${inspect(r.error)}`);
  assert.ok(r.error.retryAfterS >= 1);
  assert.ok(r.ms < 300, `took ${Math.round(r.ms)} ms`);
  assert.equal((await stats()).verify, 1);
});

test('initialize with a used reference throws PaystackDuplicateReferenceError (first attempt)', async () => {
  const c = client();
  const reference = await initialized(c);
  const r = await timed(() => c.initialize({ email: 'a@example.com', amount: 1_000, reference, currency: 'NGN' }));
  assert.ok(isPaystackDuplicateReferenceError(r.error), `got ${inspect(r.error)}`);
  assert.equal(r.error.afterRetry, false);
  assert.equal(r.error.reference, reference);
  assert.equal(r.error.status, 400);
});

test('initialize whose answer was lost: the retry (same reference) reports "already created"', async () => {
  await control('/__control', { mode: 'hang-body', ops: ['initialize'], times: 1 });
  const c = client({ timeoutMs: 300 });
  const reference = ref('lost');
  const r = await timed(() => c.initialize({ email: 'a@example.com', amount: 4_500, reference, currency: 'NGN' }));
  assert.ok(isPaystackDuplicateReferenceError(r.error), `got ${inspect(r.error)}`);
  assert.equal(r.error.afterRetry, true);
  assert.equal((await stats()).initialize, 2);
  // It does exist at Paystack: verify finds it.
  assert.equal((await c.verify(reference)).amount, 4_500);
});

test('verify of an unknown reference is PaystackNotFoundError and is not retried', async () => {
  const c = client();
  const r = await timed(() => c.verify('no-such-reference'));
  assert.ok(isPaystackNotFoundError(r.error), `got ${inspect(r.error)}`);
  assert.equal(r.error.key, 'no-such-reference');
  assert.equal(r.error.code, 'transaction_not_found');
  assert.equal((await stats()).verify, 1);
});

test('refund, fetchRefund and listRefunds (by Paystack transaction id)', async () => {
  await control('/__control', { refundDelayMs: 100 });
  const c = client();
  const { reference, id } = await paid(c, 80_000);
  const refund = await c.refund({ transaction: reference, amount: 30_000 });
  assert.equal(refund.status, 'pending');
  assert.equal(refund.amount, 30_000);
  assert.equal(refund.transactionReference, reference);
  assert.equal(refund.transactionId, id);

  const fetched = await c.fetchRefund(refund.id);
  assert.equal(fetched.id, refund.id);
  assert.equal(fetched.transactionReference, reference);

  // The simulator processes it after the 100 ms delay set above.
  await waitFor(async () => (await c.fetchRefund(refund.id)).status === 'processed', 10_000, 'refund processed');
  const list = await c.listRefunds({ transaction: id });
  assert.deepEqual(
    list.items.map((r) => [r.id, r.status, r.amount]),
    [[refund.id, 'processed', 30_000]],
  );
  assert.equal(list.meta.total, 1);

  // More than is left to refund is a definite refusal, not an ambiguous outcome.
  const over = await timed(() => c.refund({ transaction: reference, amount: 60_000 }));
  assert.ok(isPaystackHttpError(over.error) && over.error.status === 400, `got ${inspect(over.error)}`);
  assert.ok(!isPaystackAmbiguousError(over.error));

  const missing = await timed(() => c.fetchRefund(1));
  assert.ok(isPaystackNotFoundError(missing.error), `got ${inspect(missing.error)}`);
});

test('refund that times out is PaystackAmbiguousError and is never retried', async () => {
  const c = client({ timeoutMs: 300 });
  const { reference } = await paid(c);
  await control('/__control', { mode: 'hang', ops: ['refund'] });
  const r = await timed(() => c.refund({ transaction: reference }));
  assert.ok(isPaystackAmbiguousError(r.error), `got ${inspect(r.error)}`);
  assert.ok(isPaystackTimeoutError(r.error.cause));
  assert.equal(r.error.transaction, reference);
  assert.ok(r.ms < 1_000, `took ${Math.round(r.ms)} ms`);
  assert.equal((await stats()).refund, 1);
});

test('refund whose answer stalled: ambiguous, and a lookup finds that it did happen', async () => {
  await control('/__control', { refundDelayMs: 5_000 });
  const c = client({ timeoutMs: 300 });
  const { reference, id } = await paid(c, 50_000);
  await control('/__control', { mode: 'hang-body', ops: ['refund'] });
  const r = await timed(() => c.refund({ transaction: reference }));
  assert.ok(isPaystackAmbiguousError(r.error), `got ${inspect(r.error)}`);
  assert.equal((await stats()).refund, 1);
  const found = await c.listRefunds({ transaction: id });
  assert.deepEqual(
    found.items.map((x) => [x.amount, x.status]),
    [[50_000, 'pending']],
  );
});

test('refund on a 5xx is ambiguous too; a refused connection is not (nothing was sent)', async () => {
  const c = client();
  const { reference } = await paid(c);
  await control('/__control', { mode: 'fail', ops: ['refund'] });
  const r = await timed(() => c.refund({ transaction: reference }));
  assert.ok(isPaystackAmbiguousError(r.error), `got ${inspect(r.error)}`);
  assert.equal((await stats()).refund, 1);

  // A port nobody listens on: the first bound-and-closed port the OS gave us.
  const probe = createServer();
  await new Promise<void>((res) => probe.listen(0, '127.0.0.1', res));
  const deadPort = (probe.address() as AddressInfo).port;
  await new Promise((res) => probe.close(res));
  const dead = client({ baseUrl: `http://127.0.0.1:${deadPort}` });
  const refused = await timed(() => dead.refund({ transaction: reference }));
  assert.ok(isPaystackNetworkError(refused.error), `got ${inspect(refused.error)}`);
  assert.equal(refused.error.code, 'ECONNREFUSED');
  assert.equal(refused.error.beforeSend, true);
});

test('listTransactions pages and filters', async () => {
  await control('/__control/reset', { data: true });
  const c = client();
  await paid(c, 1_000);
  await initialized(c, 2_000);
  await initialized(c, 3_000);
  const all = await c.listTransactions({ perPage: 2, page: 1 });
  assert.equal(all.items.length, 2);
  assert.deepEqual(all.meta, { total: 3, page: 1, perPage: 2, pageCount: 2 });
  const ok = await c.listTransactions({ perPage: 10, page: 1, status: 'success', from: new Date(Date.now() - 60_000) });
  assert.deepEqual(
    ok.items.map((t) => [t.status, t.amount]),
    [['success', 1_000]],
  );
});

test('loose Paystack answers: metadata in any form, and amounts as they are', async () => {
  const c = client();
  const cases: [unknown, unknown][] = [
    [{ a: 1 }, { a: 1 }],
    ['{"a":2}', { a: 2 }],
    ['', null],
    [0, null],
    [null, null],
  ];
  for (const [sent, expected] of cases) {
    const reference = ref('meta');
    await control('/__control/transaction', { reference, amount: 5_000, requestedAmount: 4_000, status: 'success', metadata: sent });
    const v = await c.verify(reference);
    assert.deepEqual(v.metadata, expected, `metadata ${JSON.stringify(sent)}`);
    // The caller compares requested_amount (when sent) with what it asked for; a mismatch is visible.
    assert.equal(v.amount, 5_000);
    assert.equal(v.requestedAmount, 4_000);
  }
});

test('the secret key never appears in errors', async () => {
  const c = client({ secretKey: 'sk_test_wrong_key_123' });
  const r = await timed(() => c.verify('x'));
  assert.ok(isPaystackHttpError(r.error) && r.error.status === 401, `got ${inspect(r.error)}`);
  const text = inspect(r.error, { depth: 10 }) + JSON.stringify(r.error);
  assert.ok(!text.includes('sk_test_wrong_key_123'));
  assert.ok(!inspect(c, { depth: 10 }).includes('sk_test_wrong_key_123'));
});

test('simulator close() is prompt even with hung requests open', async () => {
  const other = createPaystackSimulator({ secretKey: SECRET });
  const url = await other.listen(0, '127.0.0.1');
  await fetch(`${url}/__control`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mode: 'hang' }),
  });
  const c = client({ baseUrl: url, timeoutMs: 5_000 });
  const pending = timed(() => c.verify('hung'));
  // The request has reached the simulator and hangs there (counted even when a fault swallows it).
  await waitFor(
    async () => ((await (await fetch(`${url}/__stats`)).json()) as { verify: number }).verify >= 1,
    10_000,
    'the request hanging at the simulator',
  );
  const closing = await timed(() => other.close());
  assert.ok(closing.ms < 1_000, `close took ${Math.round(closing.ms)} ms`);
  const r = await pending;
  assert.ok(isPaystackNetworkError(r.error) || isPaystackTimeoutError(r.error), `got ${inspect(r.error)}`);
});

test('the policy wraps every attempt; what it refuses is final, its own timeout is a timeout', async () => {
  const seen: string[] = [];
  let refuse = false;
  // The policy's own timeout: roomy while the calls are meant to succeed (a loaded machine
  // can take hundreds of ms to answer on loopback), short when the point is that it fires
  // first: 300 ms, below both the client's 2 s and the caller's 1.5 s wait.
  let policyTimeoutMs = 2_000;
  const policy = {
    execute<T>(op: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
      seen.push(op);
      if (refuse) return Promise.reject(new Error('breaker open'));
      return fn(AbortSignal.timeout(policyTimeoutMs));
    },
  };
  const c = client({ policy, timeoutMs: 2_000 });
  const reference = await initialized(c);
  await control('/__control', { mode: 'fail', ops: ['verify'], times: 1 });
  await c.verify(reference);
  assert.deepEqual(seen, ['initialize', 'verify', 'verify']);

  refuse = true;
  const refused = await timed(() => c.verify(reference));
  assert.equal((refused.error as Error).message, 'breaker open');
  assert.equal(seen.length, 4, 'a refusal by the policy is not retried');

  refuse = false;
  policyTimeoutMs = 300;
  await control('/__control', { mode: 'hang', ops: ['verify'] });
  const slow = await timed(() => c.verify(reference, { maxWaitMs: 1_500 }));
  assert.ok(isPaystackTimeoutError(slow.error), `got ${inspect(slow.error)}`);
  // The policy's timeout, not the caller's wait, ended it.
  assert.equal(slow.error.byRequest, false);
  assert.ok(slow.ms < 1_400, `took ${Math.round(slow.ms)} ms`);
});

test('webhook signature: good, bad, missing, tampered, malformed', () => {
  const body = JSON.stringify({ event: 'charge.success', data: { reference: 'r-1', amount: 100 } });
  const good = signPaystackBody(SECRET, body);
  assert.match(good, /^[0-9a-f]{128}$/);
  assert.equal(verifyPaystackSignature(SECRET, body, good), true);
  assert.equal(verifyPaystackSignature(SECRET, Buffer.from(body), good), true);
  assert.equal(verifyPaystackSignature(SECRET, body, good.toUpperCase()), true);
  assert.equal(verifyPaystackSignature('sk_test_other', body, good), false);
  assert.equal(verifyPaystackSignature(SECRET, body, undefined), false);
  assert.equal(verifyPaystackSignature(SECRET, body, ''), false);
  assert.equal(verifyPaystackSignature(SECRET, body.replace('100', '900'), good), false);
  assert.equal(verifyPaystackSignature(SECRET, body, good.slice(0, -1)), false);
  assert.equal(verifyPaystackSignature(SECRET, body, `${good.slice(0, -1)}z`), false);
  assert.equal(verifyPaystackSignature(SECRET, body, `${good}00`), false);
  // Re-serialised JSON is different bytes: only the raw body verifies.
  assert.equal(verifyPaystackSignature(SECRET, JSON.stringify(JSON.parse(body), null, 1), good), false);
});
