import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { BODY_DRAIN_MAX_BYTES } from '../src/http/body-limit.ts';
import { buildTestApp } from './helpers/app.ts';

// A login body of 5 MB: far over the route's 16 KiB limit, well within the drain bound.
const FIVE_MB = JSON.stringify({ email: 'big@example.com', password: 'x'.repeat(5 * 1024 * 1024) });

function assertProblem413(status: number, contentType: string | null, body: string, label: string): void {
  assert.equal(status, 413, `${label}: status`);
  assert.match(String(contentType), /application\/problem\+json/, `${label}: content type`);
  const problem = JSON.parse(body) as { code: string; status: number; requestId?: string };
  assert.equal(problem.code, 'payload_too_large', label);
  assert.equal(problem.status, 413, label);
  assert.ok(problem.requestId, `${label}: requestId`);
}

/** curl, spawned: `-w` appends the status and the content type after the body. */
function curl(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('curl', ['-sS', '--max-time', '60', ...args]);
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

test('an over-limit body is read and thrown away, then answered 413 problem+json, to fetch and to curl', async (t) => {
  const app = await buildTestApp(t);
  const url = await app.c.app.listen({ host: '127.0.0.1', port: 0 });
  const login = `${url}/api/v1/auth/login`;

  // fetch sends the whole body before it reads the answer: closing early gave it EPIPE.
  // Several rounds, since the failure was a race between its writes and our close.
  for (let i = 0; i < 5; i++) {
    const res = await fetch(login, { method: 'POST', headers: { 'content-type': 'application/json' }, body: FIVE_MB });
    assertProblem413(res.status, res.headers.get('content-type'), await res.text(), `fetch round ${i}`);
  }
  // A streamed body (chunked, no Content-Length) is cut at the limit while it arrives.
  let sent = 0;
  const chunks = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ < 50) controller.enqueue(new TextEncoder().encode('x'.repeat(100 * 1024)));
      else controller.close();
    },
  });
  const streamed = await fetch(login, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: chunks,
    duplex: 'half',
  } as RequestInit);
  assertProblem413(streamed.status, streamed.headers.get('content-type'), await streamed.text(), 'fetch, chunked');

  const dir = mkdtempSync(path.join(tmpdir(), 'body-limit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'body.json');
  writeFileSync(file, FIVE_MB);
  const sep = '\n--meta--\n';
  const fmt = `${sep}%{http_code} %{content_type}`;
  for (const extra of [[], ['-H', 'Transfer-Encoding: chunked'], ['-H', 'Expect:']]) {
    const r = await curl(['-H', 'content-type: application/json', '--data-binary', `@${file}`, '-w', fmt, login, ...extra]);
    const label = `curl ${extra.join(' ') || '(Expect: 100-continue)'}`;
    assert.equal(r.code, 0, `${label}: ${r.err}`);
    const [body, meta] = r.out.split(sep);
    const [status, contentType] = meta.split(' ');
    assertProblem413(Number(status), contentType, body, label);
  }

  // Beyond the bound the connection is closed: the client sees a 413 or a closed
  // connection, never a hang, and the server goes on serving.
  const huge = 'x'.repeat(BODY_DRAIN_MAX_BYTES + 4 * 1024 * 1024);
  const started = performance.now();
  const outcome = await fetch(login, { method: 'POST', headers: { 'content-type': 'application/json' }, body: huge }).then(
    (r) => r.status,
    (e: Error) => e.name,
  );
  assert.ok(outcome === 413 || outcome === 'TypeError', `beyond the bound: ${outcome}`);
  // 60 s: a generous bound for a loaded machine; the point is that it ends at all.
  assert.ok(performance.now() - started < 60_000);
  const health = await fetch(`${url}/healthz`);
  assert.equal(health.status, 200);
});
