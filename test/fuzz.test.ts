import assert from 'node:assert/strict';
import { test } from 'node:test';

import fc from 'fast-check';

import { signPaystackBody } from '../src/infra/paystack/signature.ts';
import { buildTestApp, type TestApp } from './helpers/app.ts';
import { makeCourse, makeUser } from './helpers/factories.ts';
import { type FuzzRequest, HOSTILE_STRINGS, hostileValue, type Known, requestsFor } from './helpers/fuzz.ts';
import { apiOperations, contractChecker, operationAt } from './helpers/routes.ts';

// Per operation and CI run; about 21 operations, so ~2,100 requests plus the signed
// webhooks: every kind of mutation many times over, in about 20 s here.
const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
const WEBHOOK_RUNS = Number(process.env.FUZZ_WEBHOOK_RUNS ?? 80);
const CALLBACK_RUNS = Number(process.env.FUZZ_CALLBACK_RUNS ?? 40);
// A request that takes longer than this has hung for our purposes: the slowest honest
// path (a login's scrypt behind the bulkhead, a Paystack call) takes well under a second.
const HANG_MS = 5000;
const SIM_KEY = 'sk_test_simulator';
// No shrinking: every request changes the database, so a shrunk replay is not the same
// case anyway, and shrinking can take minutes. The failing request is printed as found.
const FC_OPTIONS = (numRuns: number) => ({ numRuns, endOnFailure: true, includeErrorInReport: true });

/** Every row of every table, hashed: equal before and after means nothing changed. */
async function fingerprint(app: TestApp): Promise<string> {
  // webhook_events' processing columns are left out: an accepted webhook is processed
  // after its 200, so they may change later by design.
  const rows = await app.c.db.query<{ h: string }>(
    'fuzz.fingerprint',
    `SELECT md5(concat_ws('|',
       (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM users t),
       (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM courses t),
       (SELECT string_agg(t::text, ',' ORDER BY t.reference) FROM payments t),
       (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM enrollments t),
       (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM refresh_tokens t),
       (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM lessons t),
       (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM lesson_progress t),
       (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM certificates t),
       (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM account_tokens t),
       (SELECT string_agg(concat_ws(':', id, kind, recipient, subject), ',' ORDER BY id) FROM mail_outbox),
       (SELECT string_agg(concat_ws(':', id, event, reference, status), ',' ORDER BY id) FROM webhook_events))) AS h`,
  );
  return rows[0].h;
}

async function send(app: TestApp, req: FuzzRequest) {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${HANG_MS * 2} ms: ${req.method} ${req.url.slice(0, 200)} [${req.label}]`)),
      HANG_MS * 2,
    );
  });
  const started = performance.now();
  try {
    const res = await Promise.race([
      app.inject({
        method: req.method as 'GET',
        url: req.url,
        headers: req.headers,
        payload: req.payload,
        remoteAddress: req.remoteAddress,
      }),
      hang,
    ]);
    return { res, ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

/** The invariants every answer to hostile input must keep. */
function checkAnswer(req: FuzzRequest, res: Awaited<ReturnType<typeof send>>['res'], ms: number): void {
  const what = `${req.method} ${req.url.slice(0, 160)} [${req.label}] -> ${res.statusCode} ${res.body.slice(0, 300)}`;
  assert.ok(ms < HANG_MS, `took ${Math.round(ms)} ms: ${what}`);
  assert.ok(res.statusCode < 500, `server error: ${what}`);
  assert.ok(res.headers['x-request-id'], `no x-request-id: ${what}`);
  if (res.statusCode >= 400) {
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/, `not problem+json: ${what}`);
    const body = res.json();
    assert.equal(body.status, res.statusCode, what);
    assert.equal(typeof body.code, 'string', what);
    assert.equal(body.requestId, res.headers['x-request-id'], `requestId: ${what}`);
    assert.doesNotMatch(res.body, /\bat .+\.(ts|js):\d+|node_modules|stack/i, `internals in the body: ${what}`);
  }
}

test('every route, fuzzed from its OpenAPI schema: a 4xx problem or a success, never a 5xx or a hang, and only the statuses and media types the document declares (2xx bodies match its schema); rejected writes change nothing', async (t) => {
  const started = performance.now();
  // Read before the app starts: building the document (another app) and compiling its
  // validators hold this process's event loop, which the app under test would read as load.
  const operations = await apiOperations();
  // The document is the contract: an answer it does not declare fails the run.
  const checkContract = await contractChecker();
  // Low rate limits: the limited path is fuzzed too, and a few scrypt hashes instead of
  // a hundred keep the run short.
  const app = await buildTestApp(t, {
    REQUEST_TIMEOUT_MS: String(HANG_MS),
    PAYSTACK_TIMEOUT_MS: '1500',
    PAYSTACK_VERIFY_WAIT_MS: '1000',
    LOGIN_MAX_FAILURES_PER_ADDRESS: '10',
    REGISTER_MAX_PER_ADDRESS: '5',
  });
  const admin = await makeUser(app, 'admin');
  const inst = await makeUser(app, 'instructor');
  const student = await makeUser(app, 'student');
  const victim = await makeUser(app, 'student');
  const course = await makeCourse(app, inst, { price: 250_000 });
  const draft = await makeCourse(app, inst, { isPublished: false });
  const init = await app.inject({
    method: 'POST',
    url: '/api/v1/payments/initialize',
    headers: student.auth,
    payload: { courseId: course.id },
  });
  assert.equal(init.statusCode, 201, init.body);
  // Learning: lessons in the published course and the draft, and a free course the student is enrolled in.
  const free = await makeCourse(app, inst, { price: 0 });
  const lessonIds: string[] = [];
  for (const c of [course.id, draft.id, free.id]) {
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/courses/${c}/lessons`,
      headers: inst.auth,
      payload: { title: 'A lesson', kind: 'text', bodyMarkdown: '# Text', durationS: 60, isPreview: c === course.id },
    });
    assert.equal(res.statusCode, 201, res.body);
    lessonIds.push(res.json().id as string);
  }
  assert.equal(
    (await app.inject({ method: 'POST', url: '/api/v1/payments/initialize', headers: student.auth, payload: { courseId: free.id } })).json()
      .status,
    'success',
  );
  // The admin's own id is left out: with a second admin made by the fuzzer, it could
  // deactivate itself and every later case would only test a 401.
  const known: Known = {
    uuids: [inst.id, student.id, victim.id, course.id, draft.id, free.id, ...lessonIds],
    references: [init.json().reference],
    slugs: [course.slug, draft.slug, free.slug],
  };
  const tokens = { admin: admin.accessToken, instructor: inst.accessToken, student: student.accessToken };

  // A path value that is empty or a dot segment makes the request one for another path
  // ("/users/" is the list; "/verify/.." is removed before routing, RFC 3986 5.2.4): it is
  // judged by the operation the router reaches, as the document would be read for it.
  const documented = (op: (typeof operations)[number], req: FuzzRequest, res: Awaited<ReturnType<typeof send>>['res']) => {
    const served = operationAt(operations, req.method, req.url) ?? op;
    checkContract(served, res.statusCode, res.headers['content-type'] as string | undefined, res.body);
  };

  let cases = 0;
  for (const op of operations) {
    await t.test(op.key, async () => {
      await fc.assert(
        fc.asyncProperty(requestsFor(op, known, tokens), async (req) => {
          cases += 1;
          const write = req.method !== 'GET';
          const before = write ? await fingerprint(app) : '';
          const { res, ms } = await send(app, req);
          checkAnswer(req, res, ms);
          documented(op, req, res);
          if (write && res.statusCode >= 400)
            assert.equal(
              await fingerprint(app),
              before,
              `a rejected ${req.method} changed the database: ${req.url} [${req.label}] -> ${res.statusCode}`,
            );
        }),
        FC_OPTIONS(RUNS),
      );
    });
  }

  await t.test('POST /api/v1/payments/webhook with a valid signature over hostile bodies', async () => {
    const webhook = operations.find((o) => o.key === 'POST /api/v1/payments/webhook')!;
    const event = fc.record({
      event: fc.oneof(
        fc.constantFrom('charge.success', 'refund.processed', 'refund.failed', 'transfer.success'),
        fc.constantFrom(...HOSTILE_STRINGS),
      ),
      data: fc.oneof(
        fc.record({
          reference: fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), hostileValue({})),
          status: hostileValue({}),
          amount: hostileValue({ type: 'integer' }),
          id: hostileValue({ type: 'integer' }),
          metadata: fc.jsonValue({ maxDepth: 2 }),
        }),
        hostileValue({}),
      ),
    });
    const raw = fc.oneof(
      event.map((e) => JSON.stringify(e)),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.constantFrom(
        'null',
        '',
        'not json',
        '[]',
        '"x"',
        '1',
        '{"event":"charge.success","data":null}',
        '{"event":"charge.success","data":{"reference":"a\\u0000b"}}',
        '{"event":"refund.\\u0000","data":{"reference":"it360-abc","status":"\\ud800"}}',
        '{"event":"charge.success","data":{"reference":"it360-abc","status":"success","metadata":{"n\\u0000":"a\\u0000","s":"\\udfff"}}}',
        `{"event":"charge.success","data":{"reference":"it360-abc","metadata":${'['.repeat(60_000)}${']'.repeat(60_000)}}}`,
        `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
      ),
    );
    await fc.assert(
      fc.asyncProperty(raw, async (body) => {
        cases += 1;
        const req = {
          method: 'POST',
          url: '/api/v1/payments/webhook',
          headers: { 'content-type': 'application/json', 'x-paystack-signature': signPaystackBody(SIM_KEY, body) },
          payload: body,
          label: 'signed',
        };
        const { res, ms } = await send(app, req);
        checkAnswer(req, res, ms);
        documented(webhook, req, res);
      }),
      FC_OPTIONS(WEBHOOK_RUNS),
    );
  });

  await t.test('GET /payments/callback (hidden, HTML) with hostile references', async () => {
    const value = fc.oneof(
      fc.constantFrom(...HOSTILE_STRINGS),
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.constant(known.references[0]),
    );
    await fc.assert(
      fc.asyncProperty(value, fc.constantFrom('reference', 'trxref'), fc.boolean(), async (v, name, twice) => {
        cases += 1;
        const q = `${name}=${encodeURIComponent(v.replace(/[\ud800-\udfff]/gu, ''))}`;
        // Each case from an address of its own: the page's per-address limit (30 a minute,
        // tested in payments-trust) would otherwise answer most cases with a 429.
        const remoteAddress = `10.77.${Math.floor(cases / 250) % 250}.${cases % 250}`;
        const req = {
          method: 'GET',
          url: `/payments/callback?${q}${twice ? `&${q}` : ''}`,
          headers: {},
          remoteAddress,
          label: 'callback page',
        };
        const { res, ms } = await send(app, req);
        assert.ok(ms < HANG_MS && res.statusCode < 500, `${req.url} -> ${res.statusCode}`);
        assert.match(String(res.headers['content-type']), /^text\/html/);
        assert.doesNotMatch(res.body, /<script|onerror=/i, `markup from the query reached the page: ${req.url}`);
      }),
      FC_OPTIONS(CALLBACK_RUNS),
    );
  });

  await t.test('GET /certificates/:id (hidden, HTML) with hostile ids', async () => {
    const value = fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), fc.string({ unit: 'binary', maxLength: 80 }));
    await fc.assert(
      fc.asyncProperty(value, async (v) => {
        cases += 1;
        const req = {
          method: 'GET',
          url: `/certificates/${encodeURIComponent(v.replace(/[\ud800-\udfff]/gu, ''))}`,
          headers: {},
          label: 'certificate page',
        };
        const { res, ms } = await send(app, req);
        assert.ok(ms < HANG_MS && res.statusCode < 500, `${req.url} -> ${res.statusCode}`);
        if (res.statusCode === 404 && /^text\/html/.test(String(res.headers['content-type'])))
          assert.doesNotMatch(res.body, /<script|onerror=/i, `markup from the path reached the page: ${req.url}`);
      }),
      FC_OPTIONS(CALLBACK_RUNS),
    );
  });

  await t.test('GET /reset-password and /verify-email (hidden, HTML) with hostile tokens', async () => {
    const value = fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), fc.string({ unit: 'binary', maxLength: 60 }));
    await fc.assert(
      fc.asyncProperty(value, fc.constantFrom('/reset-password', '/verify-email'), async (v, path) => {
        cases += 1;
        const req = {
          method: 'GET',
          url: `${path}?token=${encodeURIComponent(v.replace(/[\ud800-\udfff]/gu, ''))}`,
          headers: {},
          label: 'account page',
        };
        const before = await fingerprint(app);
        const { res, ms } = await send(app, req);
        assert.ok(ms < HANG_MS && res.statusCode === 200, `${req.url} -> ${res.statusCode}`);
        assert.match(String(res.headers['content-type']), /^text\/html/);
        // The page is the same whatever the query: nothing of it reaches the markup, and loading it uses nothing up.
        assert.doesNotMatch(res.body, /token=|onerror=/i, `the query reached the page: ${req.url}`);
        assert.equal(await fingerprint(app), before, `loading ${req.url} changed the database`);
      }),
      FC_OPTIONS(CALLBACK_RUNS),
    );
  });

  process.stdout.write(`# fuzz: ${cases} requests in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
});
