import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';

import { generateOpenApi } from '../src/openapi.ts';
import { buildTestApp } from './helpers/app.ts';

const ROOT = new URL('..', import.meta.url);
const committed = () => JSON.parse(readFileSync(new URL('openapi.json', ROOT), 'utf8'));

type Doc = { paths: Record<string, Record<string, { operationId?: string; responses: Record<string, Response> }>> };
type Response = { description: string; content?: Record<string, unknown> };

test('the committed openapi.json matches the route schemas (run `npm run openapi` after changing a route)', async () => {
  const doc = committed();
  const generated = JSON.parse(JSON.stringify(await generateOpenApi()));
  assert.deepEqual(generated, doc);
  for (const p of ['/api/v1/auth/register', '/api/v1/users/{id}', '/api/v1/courses/{idOrSlug}']) assert.ok(doc.paths[p], `${p} missing`);
});

test('the running service serves the committed document at /docs/json', async (t) => {
  const app = await buildTestApp(t);
  const res = await app.inject({ method: 'GET', url: '/docs/json' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), committed());
});

test('every operation has a camelCase operationId of its own, and every response a description; errors are problem+json', () => {
  const doc = committed() as Doc;
  const ids = new Set<string>();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const where = `${method.toUpperCase()} ${path}`;
      assert.match(op.operationId ?? '', /^[a-z][A-Za-z0-9]+$/, `${where}: operationId`);
      assert.ok(!ids.has(op.operationId!), `${where}: operationId ${op.operationId} used twice`);
      ids.add(op.operationId!);
      for (const [status, r] of Object.entries(op.responses)) {
        assert.ok(r.description && r.description !== 'Default Response', `${where} ${status}: no description`);
        if (Number(status) >= 400 && path !== '/readyz')
          assert.deepEqual(Object.keys(r.content ?? {}), ['application/problem+json'], `${where} ${status}: content types`);
      }
    }
  }
});

test('the committed openapi.json lints clean with the repository ruleset (redocly.yaml): no errors, no warnings', async () => {
  // Redocly reads redocly.yaml and .redocly.lint-ignore.yaml from the working directory.
  // Its start-up and lint take a few seconds; two minutes means it hangs.
  const { stdout } = await promisify(execFile)('npx', ['redocly', 'lint', 'openapi.json', '--format=json'], {
    cwd: ROOT,
    env: { ...process.env, REDOCLY_TELEMETRY: 'off' },
    timeout: 120_000,
  }).catch((e: { stdout?: string; message: string }) => ({ stdout: e.stdout ?? e.message }));
  const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as {
    totals: { errors: number; warnings: number };
    problems: { ruleId: string; message: string; location: { pointer: string }[] }[];
  };
  const found = report.problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`).join('\n');
  assert.deepEqual({ errors: report.totals.errors, warnings: report.totals.warnings }, { errors: 0, warnings: 0 }, found);
});
