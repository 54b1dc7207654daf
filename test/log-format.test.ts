import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { onTestEnd, trackChild } from './helpers/children.ts';
import { createTestSchema } from './helpers/db.ts';
import { freePort, TestRedis } from './helpers/redis.ts';

/*
 * The log format the real service picks, started as `npm start` starts it: under a
 * pseudo-terminal (util-linux `script`, which gives the command a session and a terminal
 * of its own) and with plain pipes, with and without LOG_FORMAT and NODE_ENV=production.
 * The request line comes from a worker, so each case checks the worker's choice too.
 * Last, `npm run dev` stopped with a Ctrl-C typed into its terminal.
 */

const ROOT = new URL('..', import.meta.url).pathname;
// A boot takes 2-5 s on a quiet box and 20-40 s was seen on a loaded 2-core one
// (test/helpers/service.ts); 90 s is a generous "it never started".
const READY_TIMEOUT_MS = 90_000;
// One request's line reaches the terminal within milliseconds; 15 s is for a loaded box.
const LINE_TIMEOUT_MS = 15_000;
// An idle service drains at once (about 0.5-1 s measured for `npm run dev`, watcher and
// embedded parts included); 30 s means "Ctrl-C did not stop it", not "slow".
const CTRL_C_STOP_MS = 30_000;
// Each fetch is bounded so a wedged service fails the test instead of hanging it.
const HTTP_TIMEOUT_MS = 5_000;
// A production start needs these; nothing here calls Paystack or sends mail.
const PRODUCTION_ENV = {
  PUBLIC_URL: 'https://academy.example',
  PAYSTACK_SECRET_KEY: 'sk_test_never_called_in_this_test',
  // Port 9 (discard): the sender never connects, as no mail is queued.
  SMTP_URL: 'smtp://127.0.0.1:9',
  JWT_SECRET: 'Zq8v1Nw3Xr5Ty7Ub9Ic2Od4Pe6Af8Sg0Hj1Kl3Mn5Bv7Cx9',
  OPS_TOKEN: 'Qm4Rt7Yu1Io3Pa6Sd8Fg0Hj2Kl5Zx9Cv',
};
const ESC = '\u001b[';

/** Per test, how to stop what it launched (see baseEnv). */
const launched = new WeakMap<TestContext, (() => Promise<void>)[]>();

/**
 * The environment of a run, with a PostgreSQL schema and a Redis of its own: the test's
 * environment, minus whatever would decide colours or the format for it.
 */
async function baseEnv(t: TestContext, extra: Record<string, string>): Promise<Record<string, string>> {
  const stops: (() => Promise<void>)[] = [];
  launched.set(t, stops);
  const redis = await TestRedis.start();
  // What was launched is stopped first: the schema is released once nothing uses it.
  onTestEnd(
    t,
    async () => {
      for (const stop of stops) await stop();
    },
    () => redis.stop(),
  );
  const schema = await createTestSchema('logfmt');
  onTestEnd(t, () => schema.release(t));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  for (const k of ['NO_COLOR', 'FORCE_COLOR', 'CI', 'LOG_FORMAT', 'NODE_ENV']) delete env[k];
  return {
    ...env,
    TERM: 'xterm-256color',
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    WEB_CONCURRENCY: '1',
    DATABASE_URL: schema.url,
    REDIS_URL: redis.url,
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'it360-logfmt-')),
    ...extra,
  };
}

/** /proc/<pid>/stat fields after the command name: state, ppid, pgrp, session, … */
function statOf(pid: string | number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function pids(): string[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d));
}

/** Live (not zombie) processes of a session. */
function sessionMembers(sid: number): number[] {
  return pids()
    .filter((p) => {
      const f = statOf(p);
      return f !== undefined && f[0] !== 'Z' && Number(f[3]) === sid;
    })
    .map(Number);
}

interface Started {
  url: string;
  text(): string;
  /** The session `script` made for the command (the command leads it); undefined without a terminal. */
  sid?: number;
  proc: ChildProcess;
}

/**
 * Runs `command` (a shell command line) in the repository, under a pseudo-terminal when
 * `tty`, else with its stdout a pipe, and stops all of it when the test ends, pass or fail.
 */
async function launch(t: TestContext, command: string, env: Record<string, string>, tty: boolean): Promise<Started> {
  // `script` puts the command in a session of its own, outside the group `detached` gives
  // `script`: killing the one does not reach the other, so both are stopped below. stdin
  // stays an open pipe: what is typed into it reaches the terminal (the Ctrl-C test).
  const proc = tty
    ? spawn('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true })
    : spawn('sh', ['-c', command], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  trackChild(proc, true);
  let out = '';
  proc.stdout.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  let sid: number | undefined;
  launched.get(t)!.push(async () => {
    if (sid !== undefined) kill(-sid);
    kill(-proc.pid!);
    proc.stdin.destroy();
    // `script` ends once its command has; 10 s is for a loaded box.
    await Promise.race([exited, sleep(10_000)]);
  });
  if (tty) {
    // The command's session leader is `script`'s child: it appears within milliseconds;
    // 10 s is for a loaded box.
    const until = Date.now() + 10_000;
    while (sid === undefined && Date.now() < until) {
      const child = pids().find((p) => Number(statOf(p)?.[1]) === proc.pid);
      if (child !== undefined && Number(statOf(child)?.[3]) === Number(child)) sid = Number(child);
      else await sleep(20);
    }
    assert.ok(sid !== undefined, `script started no session:\n${out}`);
    // Its group (the leader and the workers it forks) is stopped by the net too.
    trackChild({ pid: sid, once: () => undefined }, true);
  }
  return { url: `http://127.0.0.1:${env.PORT}`, text: () => out, sid, proc };
}

function kill(target: number): void {
  try {
    process.kill(target, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function until(what: string, ok: () => boolean, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${timeoutMs} ms; output:\n${output().slice(-4000)}`);
    await sleep(50);
  }
}

async function waitReady(s: Started): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    try {
      if ((await fetch(`${s.url}/healthz`, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch {
      // not listening yet
    }
    if (s.proc.exitCode !== null || Date.now() > deadline)
      assert.fail(`the service did not become ready; output:\n${s.text().slice(-4000)}`);
    await sleep(100);
  }
}

/** Starts the service as `npm start` does, makes one request with a known id, and returns all it printed by then. */
async function serviceOutput(t: TestContext, env: Record<string, string>, tty: boolean): Promise<{ text: string; requestId: string }> {
  const port = await freePort();
  const s = await launch(t, `exec "${process.execPath}" --import tsx src/main.ts`, await baseEnv(t, { PORT: String(port), ...env }), tty);
  await waitReady(s);
  const requestId = `logfmt-${randomBytes(6).toString('hex')}`;
  const res = await fetch(`${s.url}/api/v1/courses`, {
    headers: { 'x-request-id': requestId },
    signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
  });
  assert.equal(res.status, 200);
  await until(
    'the request line',
    () => /request completed/.test(s.text()) && s.text().includes(requestId),
    LINE_TIMEOUT_MS,
    () => s.text(),
  );
  // A pseudo-terminal ends lines with \r\n.
  return { text: s.text().replaceAll('\r\n', '\n'), requestId };
}

const jsonLines = (text: string) => text.split('\n').filter((l) => l.startsWith('{"level":'));

function assertPretty(text: string, requestId: string, colours: boolean): void {
  assert.deepEqual(jsonLines(text), [], 'no JSON record among pretty lines');
  // The worker's request line: [requestId] first, then the message.
  assert.match(text, new RegExp(`INFO.*\\(\\d+\\): .*\\[${requestId}\\] request completed`));
  // The fields under it, one per line.
  assert.match(text, /statusCode.*: 200/);
  assert.match(text, /supervisor started/);
  assert.equal(text.includes(ESC), colours, colours ? 'colours under a terminal' : 'no colour codes without a terminal');
}

function assertJson(text: string, requestId: string): void {
  const records = jsonLines(text).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.ok(records.some((r) => r.msg === 'supervisor started'));
  const line = records.find((r) => r.msg === 'request completed' && r.requestId === requestId);
  assert.ok(line, `a JSON request line with requestId ${requestId}`);
  assert.equal(line.statusCode, 200);
  // Every log record is a JSON line: nothing pretty-printed mixed in.
  assert.ok(!text.includes(ESC), 'no colour codes in JSON output');
  assert.doesNotMatch(text, /^\[\d\d:\d\d:\d\d\.\d{3}\] (INFO|WARN|ERROR)/m);
}

test('under a terminal, outside production: pretty, coloured lines with the request id', async (t) => {
  const { text, requestId } = await serviceOutput(t, {}, true);
  assertPretty(text, requestId, true);
});

test('without a terminal: JSON lines', async (t) => {
  const { text, requestId } = await serviceOutput(t, {}, false);
  assertJson(text, requestId);
});

test('LOG_FORMAT=json under a terminal: JSON lines', async (t) => {
  const { text, requestId } = await serviceOutput(t, { LOG_FORMAT: 'json' }, true);
  assertJson(text, requestId);
});

test('LOG_FORMAT=pretty without a terminal: pretty lines, without colour codes', async (t) => {
  const { text, requestId } = await serviceOutput(t, { LOG_FORMAT: 'pretty' }, false);
  assertPretty(text, requestId, false);
});

test('NODE_ENV=production under a terminal: JSON lines', async (t) => {
  const { text, requestId } = await serviceOutput(t, { NODE_ENV: 'production', ...PRODUCTION_ENV }, true);
  assertJson(text, requestId);
});

test('npm run dev: pretty lines, and Ctrl-C in its terminal stops every process of it', async (t) => {
  const port = await freePort();
  const s = await launch(t, 'npm run -s dev', await baseEnv(t, { PORT: String(port) }), true);
  await waitReady(s);
  await until(
    'the start banner',
    () => s.text().includes('is running at'),
    LINE_TIMEOUT_MS,
    () => s.text(),
  );
  assert.deepEqual(jsonLines(s.text().replaceAll('\r\n', '\n')), []);
  assert.match(s.text(), /supervisor started/);
  const sid = s.sid!;
  assert.ok(sessionMembers(sid).length >= 3, 'npm, the watcher, the supervisor and its worker run in the session');
  // Ctrl-C typed into the terminal: its line discipline sends SIGINT to the foreground group.
  s.proc.stdin!.write('\u0003');
  await until(
    'every process of the session to stop after Ctrl-C',
    () => sessionMembers(sid).length === 0,
    CTRL_C_STOP_MS,
    () => s.text(),
  );
  assert.match(s.text(), /supervisor stopped/);
});
