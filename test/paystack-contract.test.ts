/**
 * The simulator speaks Paystack: for every endpoint our client uses, its actual answers
 * over HTTP are validated against the response schemas of Paystack's own OpenAPI
 * document (../shared/paystack/openapi.yaml) with Ajv.
 *
 * Where the document and real Paystack disagree, the schema is patched below, one
 * named patch per disagreement, each saying why; the simulator follows real Paystack.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { createPaystackSimulator, type PaystackSimulator } from '../src/paystack-sim/server.ts';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const SECRET = 'sk_test_contract';
const DOC_ID = 'paystack-openapi.json';

// The OpenAPI document and the JSON answers are untyped data, walked by key.
type Json = Record<string, any>;

const doc = parseYaml(readFileSync(new URL('../../shared/paystack/openapi.yaml', import.meta.url), 'utf8')) as Json;

/**
 * OpenAPI 3.0 `nullable: true` is not JSON Schema. With a `type`, it adds "null" to the
 * type (and to an `enum`); without one the schema already allows anything, so the
 * keyword is dropped. Ajv's own `nullable` support refuses the typeless form, which the
 * document uses a lot (`paid_at`-style fields with only `nullable: true`).
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

const schemas = doc.components.schemas as Json;

// Patch 1: `Error` (used by every 401/404 response) requires `data` and limits `code` to
// ["requested_amount", "id"]. Real Paystack error bodies are `{ status: false, message,
// meta?, type, code }` with no `data`, and codes such as duplicate_reference or
// transaction_not_found (the document's own TransactionInitializeBadRequestModel example
// shows exactly that shape).
schemas.Error.required = ['status', 'message'];
delete schemas.Error.properties.code.enum;

// Patch 2: TransactionListResponseArray types `paidAt` as a plain string, but the list
// also returns unpaid transactions, whose paid time is null (the same document marks
// `paid_at` nullable right beside it, and `paidAt` nullable on verify).
schemas.TransactionListResponseArray.properties.paidAt.nullable = true;

convertNullable(doc);

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(doc, DOC_ID);

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

function assertMatches(v: ValidateFunction, body: unknown, what: string): void {
  const valid = v(body);
  assert.ok(valid, `${what} does not match openapi.yaml:\n${JSON.stringify(v.errors, null, 2)}\nbody: ${JSON.stringify(body).slice(0, 2000)}`);
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

test('missing or wrong key is a 401 matching Unauthorized (Error, patch 1)', async () => {
  const res = await call('POST', '/transaction/initialize', { email: 'a@example.com', amount: 100 }, false);
  assert.equal(res.status, 401);
  assertMatches(responseValidator('/transaction/initialize', 'post', '401'), res.body, 'initialize 401');
});

test('GET /transaction/verify/:reference: pending and successful transactions match VerifyResponse', async () => {
  await call('POST', '/transaction/initialize', { email: 'b@example.com', amount: 50_000, reference: 'contract-verify-1', currency: 'NGN' });
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

test('GET /transaction/verify/:reference: unknown reference is a 400 (document: 404) with an Error body', async () => {
  const res = await call('GET', '/transaction/verify/contract-no-such-ref');
  // openapi.yaml declares 404 NotFound here; real Paystack answers 400 with code
  // transaction_not_found, which is what the simulator does. The body is the same
  // Error shape either way, so it is checked against the document's 404 schema.
  assert.equal(res.status, 400);
  assertMatches(responseValidator('/transaction/verify/{reference}', 'get', '404'), res.body, 'verify not found');
  assert.equal(res.body.code, 'transaction_not_found');
  assert.equal(res.body.message, 'Transaction reference not found');
});

test('GET /transaction: list matches TransactionListResponse (paid and unpaid items)', async () => {
  await call('POST', '/transaction/initialize', { email: 'c@example.com', amount: 7_000, reference: 'contract-list-1', currency: 'NGN', metadata: '{"k":"v"}' });
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
  await fetch(`${base}/__control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refundDelayMs: 50 }) });
  await call('POST', '/transaction/initialize', { email: 'd@example.com', amount: 90_000, reference: 'contract-refund-1', currency: 'NGN' });
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

  // Three times the 50 ms processing delay set above, so a processed refund is validated too.
  await new Promise((r) => setTimeout(r, 150));
  const listed = await call('GET', `/refund?transaction=${transactionId}`);
  assert.equal(listed.status, 200);
  assertMatches(responseValidator('/refund', 'get', '200'), listed.body, 'list refunds');
  assert.equal(listed.body.data.length, 1);
  assert.equal(listed.body.data[0].status, 'processed');

  // The per-transaction filter is not in openapi.yaml; Paystack matches the numeric id only.
  const byReference = await call('GET', '/refund?transaction=contract-refund-1');
  assertMatches(responseValidator('/refund', 'get', '200'), byReference.body, 'list refunds (by reference)');
  assert.equal(byReference.body.data.length, 0);
});

test('GET /refund/:id: unknown refund is a 404 matching NotFound (Error, patch 1)', async () => {
  const res = await call('GET', '/refund/999999999');
  assert.equal(res.status, 404);
  assertMatches(responseValidator('/refund/{id}', 'get', '404'), res.body, 'fetch refund 404');
});

test('refusals and injected failures carry the Error body', async () => {
  const error = responseValidator('/refund/{id}', 'get', '404'); // the document's Error schema, patched

  const notPaid = await call('POST', '/transaction/initialize', { email: 'e@example.com', amount: 1_000, reference: 'contract-unpaid-1', currency: 'NGN' });
  assert.equal(notPaid.status, 200);
  const refuse = await call('POST', '/refund', { transaction: 'contract-unpaid-1' });
  assert.equal(refuse.status, 400);
  assertMatches(error, refuse.body, 'refund of an unpaid transaction');

  const badAmount = await call('POST', '/transaction/initialize', { email: 'e@example.com', amount: 0, reference: 'contract-zero' });
  assert.equal(badAmount.status, 400);
  assertMatches(responseValidator('/transaction/initialize', 'post', '400'), badAmount.body, 'initialize with amount 0');

  // The document declares 5xx only as "default: Server error" with no schema; Paystack's
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
