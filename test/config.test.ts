import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadConfig, VARIABLES } from '../src/config/index.ts';
import { configProblems } from './helpers/config.ts';

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
  for (const name of ['DATABASE_URL', 'PAYSTACK_SECRET_KEY', 'JWT_SECRET', 'OPS_TOKEN']) assert.ok(p.some((m) => m.startsWith(name)), `missing ${name}`);
  const weak = problems({ NODE_ENV: 'production', DATABASE_URL: 'postgres://x@db/app', PAYSTACK_SECRET_KEY: 'sk_live_xxxxxxxx', JWT_SECRET: 'secret', OPS_TOKEN: 'a-long-ops-token-123', FAULT_INJECTION: 'true' });
  assert.ok(weak.some((m) => m.startsWith('JWT_SECRET is too weak')));
  assert.ok(weak.some((m) => m.startsWith('FAULT_INJECTION')));
  const ok = problems({ NODE_ENV: 'production', DATABASE_URL: 'postgres://x@db/app', PAYSTACK_SECRET_KEY: 'sk_live_xxxxxxxx', JWT_SECRET: 'k7Qw9zR2mX4vB8nL1pT6yH3cF5gJ0dSa', OPS_TOKEN: 'a-long-ops-token-123' });
  assert.deepEqual(ok, []);
});

test('.env.example documents every variable the service reads (run `npm run docs:config`)', async () => {
  const { envExample } = await import('../scripts/docs-config.ts');
  const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
  assert.equal(example, envExample());
  for (const name of Object.keys(VARIABLES)) assert.match(example, new RegExp(`^# ${name}=`, 'm'), `${name} missing from .env.example`);
});

test('the README configuration table is generated from the same table (run `npm run docs:config`)', async () => {
  const { withConfigTable } = await import('../scripts/docs-config.ts');
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  assert.equal(readme, withConfigTable(readme));
});
