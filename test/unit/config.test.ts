import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { loadConfig, VARIABLES } from '../../src/config/index.ts';
import { configProblems } from '../helpers/config.ts';

const problems = configProblems;

test('defaults load and are the values of SPEC.md', () => {
  const c = loadConfig({});
  assert.equal(c.requestTimeoutMs, 10000);
  assert.equal(c.replyMarginMs, 250);
  assert.equal(c.workerTimeoutMs, 30000);
  assert.equal(c.redisCommandTimeoutMs, 250);
  assert.equal(c.dbConnectTimeoutMs, 3000);
  assert.equal(c.dbStatementTimeoutMs, 30000);
  assert.equal(c.dbLockTimeoutMs, 2000);
  assert.equal(c.paystackTimeoutMs, 8000);
  assert.equal(c.paystackVerifyWaitMs, 3000);
  assert.equal(c.port, 3000);
  assert.equal(c.host, '127.0.0.1');
  assert.ok(Object.isFrozen(c));
});

test('bad values are each named, all at once', () => {
  const p = problems({ PORT: 'eighty', REQUEST_TIMEOUT_MS: '-5', REDIS_URL: 'http://x', NODE_ENV: 'staging' });
  assert.equal(p.length, 4);
  assert.ok(p.some((m) => m.startsWith('PORT=')));
  assert.ok(p.some((m) => m.startsWith('REQUEST_TIMEOUT_MS')));
  assert.ok(p.some((m) => m.startsWith('REDIS_URL')));
  assert.ok(p.some((m) => m.startsWith('NODE_ENV')));
});

test('a per-call timeout that does not fit in the request deadline is refused, naming the variables', () => {
  const p = problems({ REQUEST_TIMEOUT_MS: '5000', PAYSTACK_TIMEOUT_MS: '8000', REDIS_COMMAND_TIMEOUT_MS: '4800' });
  assert.ok(p.some((m) => m.includes('PAYSTACK_TIMEOUT_MS') && m.includes('REQUEST_TIMEOUT_MS')));
  assert.ok(p.some((m) => m.includes('REDIS_COMMAND_TIMEOUT_MS')));
  const w = problems({ REQUEST_TIMEOUT_MS: '30000', WORKER_TIMEOUT_MS: '30000' });
  assert.ok(w.some((m) => m.includes('REQUEST_TIMEOUT_MS') && m.includes('WORKER_TIMEOUT_MS')));
});

test('production refuses the embedded and simulated defaults and weak secrets', () => {
  const p = problems({ NODE_ENV: 'production' });
  for (const name of ['DATABASE_URL', 'PAYSTACK_SECRET_KEY', 'JWT_SECRET', 'OPS_TOKEN', 'SMTP_URL', 'PUBLIC_URL'])
    assert.ok(
      p.some((m) => m.startsWith(name)),
      `missing ${name}`,
    );
  const weak = problems({
    NODE_ENV: 'production',
    DATABASE_URL: 'postgres://x@db/app',
    PAYSTACK_SECRET_KEY: 'sk_live_xxxxxxxx',
    JWT_SECRET: 'secret',
    OPS_TOKEN: 'a-long-ops-token-123',
    FAULT_INJECTION: 'true',
  });
  assert.ok(weak.some((m) => m.startsWith('JWT_SECRET is too weak')));
  assert.ok(weak.some((m) => m.startsWith('FAULT_INJECTION')));
  const ok = problems({
    NODE_ENV: 'production',
    DATABASE_URL: 'postgres://x@db/app',
    PAYSTACK_SECRET_KEY: 'sk_live_xxxxxxxx',
    JWT_SECRET: 'k7Qw9zR2mX4vB8nL1pT6yH3cF5gJ0dSa',
    OPS_TOKEN: 'Zr4mQ8vX1pL7tB2nK9cW5yH3fJ6dS0aGuE',
    SMTP_URL: 'smtps://mailer:pw@smtp.example.com:465',
    PUBLIC_URL: 'https://academy.example.com',
  });
  assert.deepEqual(ok, []);
});

test('.env.example documents every variable the service reads (run `npm run docs:config`)', async () => {
  const { envExample } = await import('../../scripts/docs-config.ts');
  const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
  assert.equal(example, envExample());
  for (const name of Object.keys(VARIABLES)) assert.match(example, new RegExp(`^# ${name}=`, 'm'), `${name} missing from .env.example`);
});

test('the README configuration table is generated from the same table (run `npm run docs:config`)', async () => {
  const { withConfigTable } = await import('../../scripts/docs-config.ts');
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  assert.equal(readme, withConfigTable(readme));
});

// Shapes of a production environment that is fine but for the variable under test.
const PROD = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://x@db/app',
  PAYSTACK_SECRET_KEY: 'sk_live_xxxxxxxx',
  JWT_SECRET: 'k7Qw9zR2mX4vB8nL1pT6yH3cF5gJ0dSa',
  OPS_TOKEN: 'Zr4mQ8vX1pL7tB2nK9cW5yH3fJ6dS0aGuE',
  SMTP_URL: 'smtps://mailer:pw@smtp.example.com:465',
  PUBLIC_URL: 'https://academy.example.com',
};

test('production refuses an OPS_TOKEN with too little entropy, naming it', () => {
  assert.deepEqual(problems(PROD), []);
  // A run of one character, a short repeat, too short, a placeholder: each refused.
  for (const weak of [
    'a'.repeat(40),
    'ab'.repeat(20),
    'x1'.repeat(24),
    'Zr4mQ8vX1pL7tB2nK9cW5yH3',
    'ops-token-for-tests-0123456789',
    'my-example-ops-token-Zr4mQ8vX1pL7tB2nK9c',
  ]) {
    const p = problems({ ...PROD, OPS_TOKEN: weak });
    assert.equal(p.length, 1, `${weak}: ${p.join('; ')}`);
    assert.match(p[0], /^OPS_TOKEN is too weak/, weak);
  }
  // What the message recommends, and what the benchmarks generate, are accepted.
  for (let i = 0; i < 200; i++) assert.deepEqual(problems({ ...PROD, OPS_TOKEN: randomBytes(32).toString('base64') }), []);
  for (let i = 0; i < 200; i++) assert.deepEqual(problems({ ...PROD, OPS_TOKEN: randomBytes(32).toString('hex') }), []);
  // A generated key may hold a placeholder word's letters by chance (about one base64 key
  // in 25,000 holds "test" in some case): only a word standing on its own counts.
  for (const generated of ['q7TeStZr4mQ8vX1pL7tB2nK9cW5yH3aF6dJ0sE+/gU=', 'Zr4mQ8vX1pL7/sEcReT+tB2nK9cW5yH3aF6dJ0sEgU=']) {
    assert.deepEqual(problems({ ...PROD, OPS_TOKEN: generated }), [], generated);
    assert.deepEqual(problems({ ...PROD, JWT_SECRET: generated }), [], generated);
  }
  for (const copied of [
    'my-example-ops-token-Zr4mQ8vX1pL7tB2nK9c',
    'Zr4mQ8vX1pL7tB2nK9cW5yH3aF6dJ0.test',
    'TEST_Zr4mQ8vX1pL7tB2nK9cW5yH3aF6dJ0sEgU',
  ])
    assert.match(problems({ ...PROD, OPS_TOKEN: copied }).join(), /^OPS_TOKEN is too weak/, copied);
  // Outside production the token is only checked for length (tests use readable ones).
  assert.deepEqual(problems({ OPS_TOKEN: 'ops-token-for-tests-0123456789' }), []);
});

test('production refuses a plain http:// PAYSTACK_BASE_URL unless its host is a loopback address', () => {
  for (const url of ['http://api.paystack.co', 'http://10.0.0.5:8080', 'http://paystack-sim:4010', 'http://127.0.0.1.example.com']) {
    const p = problems({ ...PROD, PAYSTACK_BASE_URL: url });
    assert.equal(p.length, 1, `${url}: ${p.join('; ')}`);
    assert.match(p[0], /^PAYSTACK_BASE_URL/, url);
    assert.match(p[0], /https/);
  }
  for (const url of [
    'https://api.paystack.co',
    'http://127.0.0.1:4010',
    'http://127.8.9.10:9',
    'http://localhost:4010',
    'http://[::1]:4010',
  ]) {
    assert.deepEqual(problems({ ...PROD, PAYSTACK_BASE_URL: url }), [], url);
  }
  // Outside production a simulator anywhere is fine.
  assert.deepEqual(problems({ PAYSTACK_BASE_URL: 'http://paystack-sim:4010' }), []);
});

test('every configuration problem is reported in one pass, the production ones included', () => {
  const p = problems({
    NODE_ENV: 'production',
    PORT: 'eighty',
    OPS_TOKEN: 'a'.repeat(40),
    PAYSTACK_BASE_URL: 'http://paystack.internal',
    REQUEST_TIMEOUT_MS: '5000',
    PAYSTACK_TIMEOUT_MS: '8000',
  });
  for (const name of [
    'PORT=',
    'DATABASE_URL',
    'PAYSTACK_SECRET_KEY',
    'JWT_SECRET',
    'OPS_TOKEN is too weak',
    'PAYSTACK_BASE_URL',
    'PAYSTACK_TIMEOUT_MS (8000)',
  ]) {
    assert.ok(
      p.some((m) => m.startsWith(name)),
      `missing "${name}" in:\n${p.join('\n')}`,
    );
  }
  // A combination whose part did not parse is not checked (no message about NaN).
  const q = problems({ REQUEST_TIMEOUT_MS: 'soon', PAYSTACK_TIMEOUT_MS: '8000' });
  assert.equal(q.length, 1, q.join('\n'));
  assert.ok(!q.some((m) => m.includes('NaN')));
});

test('a weak JWT_SECRET and a short OPS_TOKEN are reported together, each once and for what it is', () => {
  const p = problems({ ...PROD, JWT_SECRET: 'changeme', OPS_TOKEN: 'short', PAYSTACK_SECRET_KEY: 'sk', DATABASE_URL: 'mysql://db/x' });
  const about = (name: string) => p.filter((m) => m.startsWith(name));
  assert.equal(about('JWT_SECRET').length, 1, p.join('\n'));
  assert.match(about('JWT_SECRET')[0], /too weak/);
  assert.equal(about('OPS_TOKEN').length, 1, p.join('\n'));
  assert.match(about('OPS_TOKEN')[0], /too weak/);
  // A value given but refused is named once, for what is wrong with it, never as missing.
  assert.equal(about('PAYSTACK_SECRET_KEY').length, 1, p.join('\n'));
  assert.equal(about('DATABASE_URL').length, 1, p.join('\n'));
  assert.ok(!p.some((m) => /is required/.test(m)), p.join('\n'));
  assert.equal(p.length, 4, p.join('\n'));
});
