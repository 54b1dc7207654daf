import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { createPaystackSimulator } from '../tools/paystack-sim/server.ts';
import { trackChild } from './helpers/children.ts';
import { createTestSchema } from './helpers/db.ts';
import { api } from './helpers/http.ts';
import { eventually } from './helpers/payments.ts';
import { freePort, TestRedis } from './helpers/redis.ts';
import { startService } from './helpers/service.ts';
import { startSmtpSink } from './helpers/smtp.ts';

/*
 * The compiled build (`npm run build`, what `npm start` and the image run): built once for
 * this file into a directory of its own inside the clone (so node_modules resolves as from
 * dist/), checked for every file the service reads at run time, then booted as production
 * boots it, with a module guard in every process that fails the load of tsx, esbuild or
 * TypeScript.
 */

const ROOT = new URL('..', import.meta.url).pathname;
const SRC = path.join(ROOT, 'src');
const OUT = path.join(ROOT, 'test-artifacts', `built-output-${process.pid}`);
// tsc on src/ takes 12-20 s on a quiet 2-core box; a loaded CI box has taken several times that.
const BUILD_TIMEOUT_MS = 300_000;
// Two workers against PostgreSQL and Redis boot in a few seconds; 60 s is for a loaded CI box.
const BOOT_MS = 60_000;
// Any answer from a healthy local service comes in milliseconds; 5 s means it hangs.
const HTTP_TIMEOUT_MS = 5_000;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

before(async () => {
  const proc = spawn(process.execPath, ['scripts/build.mjs', '--out', OUT], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  trackChild(proc);
  let output = '';
  proc.stdout.on('data', (b: Buffer) => (output += b.toString()));
  proc.stderr.on('data', (b: Buffer) => (output += b.toString()));
  const timer = setTimeout(() => proc.kill('SIGKILL'), BUILD_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
  clearTimeout(timer);
  assert.equal(code, 0, `the build failed:\n${output}`);
});
after(() => rmSync(OUT, { recursive: true, force: true }));

test('the build holds every file the service reads at run time: each module compiled with its map, each asset copied', () => {
  const sources = files(SRC);
  for (const file of sources) {
    const rel = path.relative(SRC, file);
    if (rel.endsWith('.ts')) {
      const js = path.join(OUT, rel.replace(/\.ts$/, '.js'));
      assert.ok(existsSync(js), `${rel} compiled`);
      assert.ok(existsSync(`${js}.map`), `${rel} has a source map`);
    } else {
      // An asset the copy list (scripts/build.mjs ASSETS) missed.
      assert.ok(existsSync(path.join(OUT, rel)), `src/${rel} is in the build: add its directory to ASSETS in scripts/build.mjs`);
      assert.ok(readFileSync(path.join(OUT, rel)).equals(readFileSync(file)), `src/${rel} copied as it is`);
    }
  }
  assert.deepEqual(
    files(OUT).filter((f) => f.endsWith('.ts')),
    [],
    'no TypeScript in the build',
  );

  // Every file a module reaches by URL from its own place: new URL('./…', import.meta.url)
  // (assets; a template names a directory) and moduleUrl('./x.ts', import.meta.url)
  // (entries of processes and threads, .js once compiled).
  const reached: string[] = [];
  const outside: string[] = [];
  const byUrl = /\bnew URL\(\s*(['`])(\.{1,2}\/[^'`$]*)/g;
  const byModuleUrl = /\bmoduleUrl\(\s*'(\.{1,2}\/[^']*)'/g;
  for (const file of sources.filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(file, 'utf8');
    const dir = path.dirname(path.join(OUT, path.relative(SRC, file)));
    const targets = [
      ...[...text.matchAll(byUrl)].map((m) => m[2]),
      ...[...text.matchAll(byModuleUrl)].map((m) => m[1].replace(/\.ts$/, '.js')),
    ];
    for (const target of targets) {
      const resolved = path.resolve(dir, target);
      if (!resolved.startsWith(OUT + path.sep)) {
        outside.push(`${path.relative(SRC, file)}: ${target}`);
        continue;
      }
      reached.push(path.relative(OUT, resolved));
      assert.ok(existsSync(resolved), `${path.relative(SRC, file)} reads ${target}, missing from the build`);
    }
  }
  // The scan found what is known to be there (a regex that stopped matching would pass vacuously).
  for (const known of [
    'worker.js',
    'supervisor/watchdog-thread.js',
    'infra/database/embedded/pglite-server.js',
    'infra/database/migrations',
    'operations/ops-page',
    'auth/pages',
  ])
    assert.ok(
      reached.some((r) => r === known || r.startsWith(`${known}/`)),
      `${known} among the files reached by URL (${reached.join(', ')})`,
    );
  // The one reference out of src/: the Paystack simulator, a development tool (src/infra/paystack/index.ts).
  assert.deepEqual(outside, ['infra/paystack/index.ts: ../../../tools/paystack-sim/server.ts']);
});

test('node dist/main.js in production: supervisor and two workers serve the contract, with no TypeScript loader in any process', async (t) => {
  const redis = await TestRedis.start();
  t.after(() => redis.stop());
  const schema = await createTestSchema('built');
  t.after(() => schema.release(t));
  const sink = await startSmtpSink(t);
  const key = `sk_test_${randomBytes(12).toString('hex')}`;
  const sim = createPaystackSimulator({ secretKey: key });
  const simUrl = await sim.listen(0, '127.0.0.1');
  t.after(() => sim.close());

  // A resolve hook in every process (NODE_OPTIONS reaches the cluster workers and the
  // forked children), for import and for require: loading tsx, esbuild or TypeScript
  // fails that process loudly.
  const guard = path.join(OUT, 'guard.mjs');
  const forbidden = String.raw`/\/node_modules\/(tsx|esbuild|typescript)\//`;
  const hooks = `export async function resolve(s, c, next) { const r = await next(s, c); if (${forbidden}.test(r.url)) throw new Error("built output loaded " + r.url); return r; }`;
  writeFileSync(
    guard,
    [
      "import Module, { register } from 'node:module';",
      `register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`,
      'const resolveFilename = Module._resolveFilename;',
      `Module._resolveFilename = function (...a) { const f = resolveFilename.apply(this, a); if (${forbidden}.test(f)) throw new Error('built output loaded ' + f); return f; };`,
      "process.stderr.write('module guard on in ' + process.pid + '\\n');",
      '',
    ].join('\n'),
  );

  const port = await freePort();
  const opsToken = randomBytes(32).toString('base64');
  const svc = await startService(
    {
      NODE_ENV: 'production',
      NODE_OPTIONS: `--import=${guard}`,
      WEB_CONCURRENCY: '2',
      DATABASE_URL: schema.url,
      REDIS_URL: redis.url,
      PAYSTACK_SECRET_KEY: key,
      PAYSTACK_BASE_URL: simUrl,
      SMTP_URL: sink.url,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      JWT_SECRET: randomBytes(48).toString('base64'),
      OPS_TOKEN: opsToken,
    },
    { port, entry: path.join(OUT, 'main.js'), readyTimeoutMs: BOOT_MS },
  );
  t.after(() => svc.kill());
  const get = (p: string, headers: Record<string, string> = {}) =>
    fetch(`${svc.url}${p}`, { headers, signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });

  assert.equal((await get('/healthz')).status, 200);
  await eventually(async () => (await get('/readyz')).status === 200, BOOT_MS, '/readyz 200');
  const workersUp = async () => {
    const res = await get('/ops/data', { authorization: `Bearer ${opsToken}` });
    const d = (await res.json()) as { workers: { answered: boolean }[] };
    return d.workers.filter((w) => w.answered).length === 2;
  };
  await eventually(workersUp, BOOT_MS, 'two workers answering');

  const reg = await api(svc.url, '/api/v1/auth/register', {
    method: 'POST',
    body: { email: 'built@example.com', password: 'built-password', firstName: 'Built', lastName: 'Output' },
  });
  assert.equal(reg.status, 201, JSON.stringify(reg.body));
  const login = await api(svc.url, '/api/v1/auth/login', {
    method: 'POST',
    body: { email: 'built@example.com', password: 'built-password' },
  });
  assert.equal(login.status, 200);
  const me = await api(svc.url, '/api/v1/auth/me', { token: login.body.accessToken as string });
  assert.equal(me.body.email, 'built@example.com');
  const courses = await api(svc.url, '/api/v1/courses');
  assert.equal(courses.status, 200);
  assert.ok(Array.isArray(courses.body.items));
  // A 4xx is still problem+json with its request id.
  const bad = await get('/api/v1/courses?page=0');
  assert.equal(bad.status, 400);
  assert.match(bad.headers.get('content-type') ?? '', /application\/problem\+json/);

  // The assets read from dist/ at run time, served.
  for (const [p, type] of [
    ['/ops', /text\/html/],
    ['/ops/app.js', /javascript/],
    ['/ops/app.css', /text\/css/],
    ['/account/account.js', /javascript/],
    ['/account/account.css', /text\/css/],
    ['/docs', /text\/html/],
    ['/docs/docs.css', /text\/css/],
    ['/openapi.json', /application\/json/],
  ] as const) {
    const res = await get(p);
    assert.equal(res.status, 200, p);
    assert.match(res.headers.get('content-type') ?? '', type, p);
    assert.ok((await res.text()).length > 100, `${p} has a body`);
  }
  const ops = await (await get('/ops/app.js')).text();
  assert.equal(
    ops,
    `${readFileSync(path.join(SRC, 'operations/ops-page/draw.js'), 'utf8')}\n${readFileSync(path.join(SRC, 'operations/ops-page/app.js'), 'utf8')}`,
  );
  assert.match(await (await get('/docs')).text(), /\/api\/v1\/auth\/login/);

  // Every process of the service: the supervisor and its descendants, each a plain node
  // running dist/ (source maps on), none with tsx; each ran the guard, none tripped it.
  const procs = descendants(svc.proc.pid!);
  const cmdlines = procs.map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean));
  assert.equal(cmdlines.length, 3, `supervisor and two workers: ${JSON.stringify(cmdlines)}`);
  for (const argv of cmdlines) {
    assert.doesNotMatch(argv.join(' '), /tsx|esbuild|\.ts\b/, argv.join(' '));
    assert.ok(argv.includes('--enable-source-maps'), argv.join(' '));
    assert.ok(
      argv.some((a) => a.startsWith(OUT)),
      argv.join(' '),
    );
  }
  const text = svc.output.join('\n');
  for (const pid of procs) assert.match(text, new RegExp(`module guard on in ${pid}\\b`), `the guard ran in ${pid}`);
  assert.doesNotMatch(text, /built output loaded/);
  // The watchdog thread (the worker's hang diagnosis) started from its .js file.
  assert.ok(!svc.records().some((r) => /watchdog/i.test(String(r.msg))), 'no watchdog trouble');
});

/** pid and every descendant, from /proc (ppid is the fourth field of /proc/<pid>/stat). */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone meanwhile */
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const [pid, ppid] of parent) if (ppid === out[i]) out.push(pid);
  return out;
}
