import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';

import { buildTestApp, type TestApp } from './helpers/app.ts';
import { createTestSchema, type TestSchema } from './helpers/db.ts';
import { eventually } from './helpers/payments.ts';
import { freePort } from './helpers/redis.ts';

const SECRET = 'test-secret-test-secret-test-secret-0123456789';
const OPERATOR = { email: 'ops@academy.example', password: 'operator-password-1' };
const ATTACKER = { email: 'Ops@Academy.example', password: 'attacker-password-1', firstName: 'Eve', lastName: 'Attacker' };
const ROOT = new URL('..', import.meta.url).pathname;

async function register(app: TestApp, body: Record<string, string>) {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: body });
  assert.equal(res.statusCode, 201, res.body);
  const session: { user: { id: string }; accessToken: string; refreshToken: string } = res.json();
  return session;
}

const login = (app: TestApp, email: string, password: string) =>
  app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });

async function roleOf(app: TestApp, email: string): Promise<string | undefined> {
  const rows = await app.c.db.query<{ role: string }>('t.role', 'SELECT role FROM users WHERE email = $1', [email.toLowerCase()]);
  return rows[0]?.role;
}

/** A schema with an attacker's student account registered under the operator's address. */
async function schemaWithAttacker(
  t: TestContext,
): Promise<{ schema: TestSchema; app: TestApp; attacker: Awaited<ReturnType<typeof register>> }> {
  const schema = await createTestSchema();
  t.after(() => schema.release(t));
  const app = await buildTestApp(t, {}, { schema });
  return { schema, app, attacker: await register(app, ATTACKER) };
}

/** Runs a command to its end (bounded), collecting its output. */
function run(
  t: TestContext,
  args: string[],
  env: Record<string, string>,
  o: { stdin?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      JWT_SECRET: SECRET,
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'it360-adm-')),
      ADMIN_PASSWORD: '',
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  proc.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  proc.stdin.end(o.stdin ?? '');
  const kill = () => {
    try {
      process.kill(-proc.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  };
  t.after(kill);
  return new Promise((resolve, reject) => {
    // A boot of the service with its migrations takes seconds; a minute means it hangs.
    const timer = setTimeout(() => {
      kill();
      reject(new Error(`${args.join(' ')} did not finish:\n${stdout}\n${stderr}`));
    }, o.timeoutMs ?? 60_000);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const cli = (t: TestContext, schema: TestSchema, args: string[], env: Record<string, string> = {}, stdin?: string) =>
  run(t, ['src/cli/index.ts', ...args], { DATABASE_URL: schema.url, ...env }, { stdin });

test('bootstrap: creates the first admin when none exists, and is ignored (with a log line) once one does', async (t) => {
  const schema = await createTestSchema();
  t.after(() => schema.release(t));
  const first = await buildTestApp(t, { BOOTSTRAP_ADMIN_EMAIL: OPERATOR.email, BOOTSTRAP_ADMIN_PASSWORD: OPERATOR.password }, { schema });
  const made = (await login(first, OPERATOR.email, OPERATOR.password)).json().user;
  assert.equal(made.role, 'admin');
  assert.ok(made.emailVerifiedAt, 'the operator vouches for the address: verified');
  // Another address later: an admin exists, so nothing is created and the log says why.
  const second = await buildTestApp(
    t,
    { BOOTSTRAP_ADMIN_EMAIL: 'second@academy.example', BOOTSTRAP_ADMIN_PASSWORD: 'second-password-1' },
    { schema },
  );
  assert.equal(await roleOf(second, 'second@academy.example'), undefined);
  assert.ok(
    second.logs.some((l) => /BOOTSTRAP_ADMIN_EMAIL ignored/.test(String(l.msg))),
    'a log line says the bootstrap was ignored',
  );
  assert.equal(JSON.stringify(second.logs).includes('second-password-1'), false);
});

test('bootstrap: an account someone registered under the bootstrap address is never promoted; start-up refuses, saying so', async (t) => {
  const { schema, app, attacker } = await schemaWithAttacker(t);
  await assert.rejects(
    buildTestApp(t, { BOOTSTRAP_ADMIN_EMAIL: OPERATOR.email, BOOTSTRAP_ADMIN_PASSWORD: OPERATOR.password }, { schema }),
    (err: Error) => /BOOTSTRAP_ADMIN_EMAIL/.test(err.message) && /not an admin/.test(err.message) && /create-admin/.test(err.message),
  );
  assert.equal(await roleOf(app, OPERATOR.email), 'student');
  assert.equal((await login(app, OPERATOR.email, OPERATOR.password)).statusCode, 401);
  const mine = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${attacker.accessToken}` } });
  assert.equal(mine.json().role, 'student');
});

test('bootstrap: once an admin exists, a student account under the bootstrap address is left alone and start-up goes on', async (t) => {
  const { schema, app } = await schemaWithAttacker(t);
  const admin = await buildTestApp(
    t,
    { BOOTSTRAP_ADMIN_EMAIL: 'root@academy.example', BOOTSTRAP_ADMIN_PASSWORD: 'root-password-12' },
    { schema },
  );
  assert.equal(await roleOf(admin, 'root@academy.example'), 'admin');
  const later = await buildTestApp(t, { BOOTSTRAP_ADMIN_EMAIL: OPERATOR.email, BOOTSTRAP_ADMIN_PASSWORD: OPERATOR.password }, { schema });
  assert.equal(await roleOf(later, OPERATOR.email), 'student');
  assert.equal((await login(app, OPERATOR.email, ATTACKER.password)).json().user.role, 'student');
});

test('the service started with a bootstrap address someone registered exits non-zero and says why', async (t) => {
  const { schema } = await schemaWithAttacker(t);
  const r = await run(
    t,
    ['src/main.ts'],
    {
      DATABASE_URL: schema.url,
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      WEB_CONCURRENCY: '1',
      BOOTSTRAP_ADMIN_EMAIL: OPERATOR.email,
      BOOTSTRAP_ADMIN_PASSWORD: OPERATOR.password,
    },
    { timeoutMs: 120_000 },
  );
  assert.notEqual(r.code, 0);
  assert.match(r.stdout + r.stderr, /BOOTSTRAP_ADMIN_EMAIL[^\n]*not an admin/);
  // A refused configuration is refused again on every boot: the supervisor stops at the first.
  assert.match(r.stderr, /workers failed to start 1 time within/);
});

test('create-admin on an existing account needs an explicit password; with one it sets it, makes the account an admin and ends its sessions', async (t) => {
  const { schema, app, attacker } = await schemaWithAttacker(t);
  const noPassword = await cli(t, schema, ['create-admin', OPERATOR.email]);
  assert.notEqual(noPassword.code, 0);
  assert.match(noPassword.stderr, /already has an account[^\n]*password/i);
  assert.equal(await roleOf(app, OPERATOR.email), 'student', 'nothing changed');

  const done = await cli(t, schema, ['create-admin', OPERATOR.email], { ADMIN_PASSWORD: OPERATOR.password });
  assert.equal(done.code, 0, done.stderr);
  assert.match(done.stdout, /password set/i);
  assert.match(done.stdout, /sessions? ended/i);
  assert.equal(done.stdout.includes(OPERATOR.password), false, 'a given password is not printed back');
  assert.equal(await roleOf(app, OPERATOR.email), 'admin');
  assert.equal((await login(app, OPERATOR.email, ATTACKER.password)).statusCode, 401, 'the old password no longer works');
  const taken = await login(app, OPERATOR.email, OPERATOR.password);
  assert.equal(taken.statusCode, 200);
  assert.ok(taken.json().user.emailVerifiedAt, 'the operator vouches for the address: verified');
  // The running service hears it through the change feed: the old sessions end.
  await eventually(
    async () =>
      (await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${attacker.accessToken}` } }))
        .statusCode === 401,
    2000,
    'old access token refused',
  );
  assert.equal(
    (await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: attacker.refreshToken } })).statusCode,
    401,
  );
});

test('create-admin reads the password from stdin, so it appears in no command line', async (t) => {
  const { schema, app } = await schemaWithAttacker(t);
  const done = await cli(t, schema, ['create-admin', OPERATOR.email, '--password-stdin'], {}, `${OPERATOR.password}\n`);
  assert.equal(done.code, 0, done.stderr);
  assert.equal((await login(app, OPERATOR.email, OPERATOR.password)).json().user.role, 'admin');
  const short = await cli(t, schema, ['create-admin', 'x@academy.example', '--password-stdin'], {}, 'short\n');
  assert.notEqual(short.code, 0);
  assert.match(short.stderr, /at least 8/);
});

test('create-admin on a new address without a password generates a strong one and prints it once', async (t) => {
  const schema = await createTestSchema();
  t.after(() => schema.release(t));
  const done = await cli(t, schema, ['create-admin', 'new@academy.example']);
  assert.equal(done.code, 0, done.stderr);
  const m = /password: (\S+)/.exec(done.stdout);
  assert.ok(m, done.stdout);
  const password = m[1];
  assert.ok(password.length >= 20, 'at least 120 bits of randomness');
  assert.equal(done.stderr.includes(password), false);
  assert.equal(done.stdout.split(password).length - 1, 1, 'printed exactly once');
  const app = await buildTestApp(t, {}, { schema });
  const made = (await login(app, 'new@academy.example', password)).json().user;
  assert.equal(made.role, 'admin');
  assert.ok(made.emailVerifiedAt, 'the operator vouches for the address: verified');
  // Positional password still works for a new address (kept for scripts).
  const positional = await cli(t, schema, ['create-admin', 'pos@academy.example', 'positional-pass-1']);
  assert.equal(positional.code, 0, positional.stderr);
  assert.equal((await login(app, 'pos@academy.example', 'positional-pass-1')).json().user.role, 'admin');
});
