/**
 * The simulator speaks Paystack: for every endpoint our client uses, its actual answers
 * over HTTP are validated against the response schemas of Paystack's own OpenAPI
 * document (vendor/paystack-openapi/openapi.yaml) with Ajv.
 *
 * The document is not edited to pass. Where it and real Paystack disagree, the
 * difference is a named exception in test/helpers/paystack-openapi.ts (what the
 * document says, what Paystack does, how it is applied here): a validation error is
 * excused only when a named exception explains it, and a last test checks that every
 * exception is still true of the document and still needed.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

import { createPaystackSimulator, type PaystackSimulator } from '../tools/paystack-sim/server.ts';
import { excusedBy, type Json, KNOWN_DIFFERENCES, loadPaystackOpenApi } from './helpers/paystack-openapi.ts';
import { waitFor } from './helpers/wait.ts';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const SECRET = 'sk_test_contract';
const DOC_ID = 'paystack-openapi.json';

const doc = loadPaystackOpenApi();

/**
 * OpenAPI 3.0 `nullable: true` is not JSON Schema. With a `type`, it adds "null" to the
 * type (and to an `enum`); without one the schema already allows anything, so the
 * keyword is dropped. Ajv's own `nullable` support refuses the typeless form, which the
 * document uses a lot (`paid_at`-style fields with only `nullable: true`). This is the
 * document's dialect translated, not a change to what it allows.
 */
function convertNullable(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(convertNullable);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const n = node as Json;
  if (n.nullable === true && n.type !== undefined) {
    const types = Array.isArray(n.type) ? n.type : [n.type];
    if (!types.includes('null')) n.type = [...types, 'null'];
    if (Array.isArray(n.enum) && !n.enum.includes(null)) n.enum = [...n.enum, null];
  }
  delete n.nullable;
  for (const v of Object.values(n)) convertNullable(v);
}

// Checked on the document as published, before the dialect translation.
const inDocument = new Map(KNOWN_DIFFERENCES.map((d) => [d.id, d.inDocument(doc)]));
convertNullable(doc);

// verbose: each error carries its schema node and the value, so an exception can be
// matched to exactly the node and value it is about.
const ajv = new Ajv({ strict: false, allErrors: true, verbose: true });
addFormats(ajv);
ajv.addSchema(doc, DOC_ID);

/** Exceptions that excused at least one error in this run. */
const used = new Set<string>();

/** The compiled schema of `path` `method` `status` as the document declares it (following response $refs). */
function responseValidator(path: string, method: string, status: string): ValidateFunction {
  let response = doc.paths[path]?.[method]?.responses?.[status] as Json | undefined;
  assert.ok(response, `openapi.yaml has no ${method.toUpperCase()} ${path} ${status}`);
  if (typeof response.$ref === 'string') {
    const name = response.$ref.replace('#/components/responses/', '');
    response = doc.components.responses[name] as Json;
  }
  const schema = response.content?.['application/json']?.schema as Json | undefined;
  assert.ok(schema?.$ref, `${method.toUpperCase()} ${path} ${status} has no JSON schema $ref`);
  return ajv.compile({ $ref: `${DOC_ID}${schema.$ref}` });
}

/** Validates `body`; errors are allowed only when a named known difference explains each one. */
function conforms(v: ValidateFunction, body: unknown): { unexplained: Json[]; excused: string[] } {
  if (v(body)) return { unexplained: [], excused: [] };
  const unexplained: Json[] = [];
  const excused: string[] = [];
  for (const e of v.errors ?? []) {
    const d = excusedBy(doc, e);
    if (d) excused.push(d.id);
    else
      unexplained.push({
        instancePath: e.instancePath,
        schemaPath: e.schemaPath,
        keyword: e.keyword,
        message: e.message,
        params: e.params,
        data: e.data,
      });
  }
  return { unexplained, excused };
}

function assertMatches(v: ValidateFunction, body: unknown, what: string): void {
  const { unexplained, excused } = conforms(v, body);
  assert.deepEqual(
    unexplained,
    [],
    `${what} does not match openapi.yaml (and no known difference explains it):\n${JSON.stringify(unexplained, null, 2)}\nbody: ${JSON.stringify(body).slice(0, 2000)}`,
  );
  for (const id of excused) used.add(id);
}

let sim: PaystackSimulator;
let base: string;

async function call(method: string, path: string, body?: unknown, auth = true): Promise<{ status: number; body: Json }> {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(auth ? { authorization: `Bearer ${SECRET}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5_000), // a broken simulator fails the test instead of hanging it
  });
  return { status: res.status, body: await res.json() };
}

before(async () => {
  sim = createPaystackSimulator({ secretKey: SECRET });
  base = await sim.listen(0, '127.0.0.1');
});

after(async () => {
  await sim.close();
});

test('POST /transaction/initialize: 200 matches TransactionInitializeResponse', async () => {
  const res = await call('POST', '/transaction/initialize', {
    email: 'ada@example.com',
    amount: 250_000,
    reference: 'contract-init-1',
    currency: 'NGN',
    callback_url: 'http://127.0.0.1:3000/payments/callback',
    metadata: { courseId: 'c-1' },
  });
  assert.equal(res.status, 200);
  assertMatches(responseValidator('/transaction/initialize', 'post', '200'), res.body, 'initialize 200');
  assert.match(res.body.data.authorization_url, new RegExp(`^${base}/checkout/`));
});

test('POST /transaction/initialize: duplicate reference is a 400 matching TransactionInitializeBadRequestModel', async () => {
  const body = { email: 'ada@example.com', amount: 1000, reference: 'contract-dup-1', currency: 'NGN' };
  assert.equal((await call('POST', '/transaction/initialize', body)).status, 200);
  const res = await call('POST', '/transaction/initialize', body);
  assert.equal(res.status, 400);
  assertMatches(responseValidator('/transaction/initialize', 'post', '400'), res.body, 'initialize 400');
  assert.equal(res.body.code, 'duplicate_reference');
  assert.equal(res.body.status, false);
});

test('missing or wrong key is a 401 matching Unauthorized (Error)', async () => {
  const res = await call('POST', '/transaction/initialize', { email: 'a@example.com', amount: 100 }, false);
  assert.equal(res.status, 401);
  assertMatches(responseValidator('/transaction/initialize', 'post', '401'), res.body, 'initialize 401');
});

test('GET /transaction/verify/:reference: pending and successful transactions match VerifyResponse', async () => {
  await call('POST', '/transaction/initialize', {
    email: 'b@example.com',
    amount: 50_000,
    reference: 'contract-verify-1',
    currency: 'NGN',
  });
  const verify = responseValidator('/transaction/verify/{reference}', 'get', '200');

  const before = await call('GET', '/transaction/verify/contract-verify-1');
  assert.equal(before.status, 200);
  assertMatches(verify, before.body, 'verify (unpaid)');
  assert.equal(before.body.data.status, 'abandoned');

  const done = await fetch(`${base}/__control/complete`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ reference: 'contract-verify-1', outcome: 'success' }),
  });
  assert.equal(done.status, 200);

  const after = await call('GET', '/transaction/verify/contract-verify-1');
  assertMatches(verify, after.body, 'verify (paid)');
  assert.equal(after.body.data.status, 'success');
  assert.equal(after.body.data.amount, 50_000);
  assert.equal(after.body.data.requested_amount, 50_000);
});

test('GET /transaction/verify/:reference: unknown reference is a 400 (known difference verify-unknown-reference-status) with an Error body', async () => {
  const res = await call('GET', '/transaction/verify/contract-no-such-ref');
  // Known difference verify-unknown-reference-status: the document says 404, Paystack
  // answers 400; the body is the Error shape either way, checked against the 404 schema.
  assert.equal(res.status, 400);
  assertMatches(responseValidator('/transaction/verify/{reference}', 'get', '404'), res.body, 'verify not found');
  assert.equal(res.body.code, 'transaction_not_found');
  assert.equal(res.body.message, 'Transaction reference not found');
});

test('GET /transaction: list matches TransactionListResponse (paid and unpaid items; known difference transaction-list-paidAt-null)', async () => {
  await call('POST', '/transaction/initialize', {
    email: 'c@example.com',
    amount: 7_000,
    reference: 'contract-list-1',
    currency: 'NGN',
    metadata: '{"k":"v"}',
  });
  await fetch(`${base}/__control/transaction`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ reference: 'contract-list-2', amount: 8_000, currency: 'NGN', status: 'success' }),
  });
  const res = await call('GET', '/transaction?perPage=50&page=1');
  assert.equal(res.status, 200);
  assertMatches(responseValidator('/transaction', 'get', '200'), res.body, 'list transactions');
  assert.ok(res.body.data.some((t: Json) => t.status === 'success'));
  assert.ok(res.body.data.some((t: Json) => t.status !== 'success'));

  const filtered = await call('GET', '/transaction?perPage=1&page=1&status=success');
  assertMatches(responseValidator('/transaction', 'get', '200'), filtered.body, 'list transactions (filtered)');
  assert.equal(filtered.body.data.length, 1);
  assert.equal(filtered.body.meta.perPage, 1);
});

test('POST /refund, GET /refund/:id and GET /refund match the Refund* responses', async () => {
  await fetch(`${base}/__control`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refundDelayMs: 50 }),
  });
  await call('POST', '/transaction/initialize', {
    email: 'd@example.com',
    amount: 90_000,
    reference: 'contract-refund-1',
    currency: 'NGN',
  });
  await fetch(`${base}/__control/complete`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ reference: 'contract-refund-1', outcome: 'success' }),
  });

  const created = await call('POST', '/refund', { transaction: 'contract-refund-1', amount: 30_000 });
  assert.equal(created.status, 200);
  assertMatches(responseValidator('/refund', 'post', '200'), created.body, 'create refund');
  assert.equal(created.body.data.status, 'pending');
  const refundId = created.body.data.id as number;
  const transactionId = created.body.data.transaction.id as number;

  const fetched = await call('GET', `/refund/${refundId}`);
  assert.equal(fetched.status, 200);
  assertMatches(responseValidator('/refund/{id}', 'get', '200'), fetched.body, 'fetch refund');
  assert.equal(fetched.body.data.transaction_reference, 'contract-refund-1');

  // Processed after the 50 ms delay set above, so a processed refund is validated too.
  await waitFor(async () => (await call('GET', `/refund/${refundId}`)).body.data.status === 'processed', 10_000, 'refund processed');
  const listed = await call('GET', `/refund?transaction=${transactionId}`);
  assert.equal(listed.status, 200);
  assertMatches(responseValidator('/refund', 'get', '200'), listed.body, 'list refunds');
  assert.equal(listed.body.data.length, 1);
  assert.equal(listed.body.data[0].status, 'processed');

  // Known difference refund-list-transaction-filter: not in the document; Paystack
  // matches the numeric id only.
  const byReference = await call('GET', '/refund?transaction=contract-refund-1');
  assertMatches(responseValidator('/refund', 'get', '200'), byReference.body, 'list refunds (by reference)');
  assert.equal(byReference.body.data.length, 0);
});

test('GET /refund/:id: unknown refund is a 404 matching NotFound (Error; known difference error-code-values)', async () => {
  const res = await call('GET', '/refund/999999999');
  assert.equal(res.status, 404);
  assertMatches(responseValidator('/refund/{id}', 'get', '404'), res.body, 'fetch refund 404');
});

test('refusals and injected failures carry the Error body', async () => {
  const error = responseValidator('/refund/{id}', 'get', '404'); // the document's Error schema

  const notPaid = await call('POST', '/transaction/initialize', {
    email: 'e@example.com',
    amount: 1_000,
    reference: 'contract-unpaid-1',
    currency: 'NGN',
  });
  assert.equal(notPaid.status, 200);
  const refuse = await call('POST', '/refund', { transaction: 'contract-unpaid-1' });
  assert.equal(refuse.status, 400);
  assertMatches(error, refuse.body, 'refund of an unpaid transaction');

  const badAmount = await call('POST', '/transaction/initialize', { email: 'e@example.com', amount: 0, reference: 'contract-zero' });
  assert.equal(badAmount.status, 400);
  assertMatches(responseValidator('/transaction/initialize', 'post', '400'), badAmount.body, 'initialize with amount 0');

  // Known difference server-error-body: the document gives 5xx no schema; Paystack's
  // JSON 5xx bodies have the Error shape, which is what the simulator sends.
  const set = await fetch(`${base}/__control`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mode: 'fail', failStatus: 503, times: 1 }),
  });
  assert.equal(set.status, 200);
  const failed = await call('GET', '/transaction/verify/contract-unpaid-1');
  assert.equal(failed.status, 503);
  assertMatches(error, failed.body, 'injected 503');

  await fetch(`${base}/__control`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mode: 'ratelimit', times: 1 }),
  });
  const limited = await fetch(`${base}/transaction/verify/contract-unpaid-1`, { headers: { authorization: `Bearer ${SECRET}` } });
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('x-ratelimit-remaining'), '0');
  assert.ok(limited.headers.get('x-ratelimit-reset'));
  assertMatches(error, await limited.json(), 'injected 429');
});

test('the harness is not vacuous: bodies Paystack would not send are rejected', () => {
  const verify = responseValidator('/transaction/verify/{reference}', 'get', '200');
  assert.equal(verify({ status: true, message: 'ok', data: { status: 'success' } }), false);
  const init = responseValidator('/transaction/initialize', 'post', '200');
  assert.equal(init({ status: true, message: 'ok', data: { access_code: 'x', reference: 'y' } }), false);
  const list = responseValidator('/refund', 'get', '200');
  assert.equal(list({ status: true, message: 'ok', data: [], meta: { total: 0 } }), false);
});

test('the exceptions excuse only what they name: an unexplained difference still fails', () => {
  const error = responseValidator('/refund/{id}', 'get', '404');
  // A Paystack-style code is excused...
  assert.deepEqual(
    conforms(error, { status: false, message: 'Refund not found', type: 'validation_error', code: 'not_found' }).unexplained,
    [],
  );
  // ...a code that is not a code is not, and neither is anything else wrong beside it.
  assert.equal(conforms(error, { status: false, message: 'x', code: 'Not Found!' }).unexplained.length, 1);
  assert.equal(conforms(error, { status: 'false', message: 'x', code: 'not_found' }).unexplained.length, 1);
  const list = responseValidator('/transaction', 'get', '200');
  const { unexplained } = conforms(list, { status: true, message: 'ok', data: [{ paidAt: 12 }], meta: {} });
  assert.ok(
    unexplained.some((e) => e.instancePath === '/data/0/paidAt'),
    'a paidAt that is neither a string nor null is not excused',
  );
});

test('every known difference is still in the document, and each that excuses errors was needed in this run', () => {
  for (const d of KNOWN_DIFFERENCES) {
    assert.ok(d.document && d.paystack && d.applied, `${d.id} is explained`);
    assert.equal(inDocument.get(d.id), true, `${d.id}: the document no longer says "${d.document}"; remove the exception`);
    if (d.excuses) assert.ok(used.has(d.id), `${d.id} excused nothing in this run: the simulator or the document changed`);
  }
  assert.equal(new Set(KNOWN_DIFFERENCES.map((d) => d.id)).size, KNOWN_DIFFERENCES.length, 'ids are unique');
});
