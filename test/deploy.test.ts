import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { parse } from 'yaml';

import { loadConfig } from '../src/config/index.ts';
import { NGINX } from './helpers/nginx.ts';

const root = new URL('..', import.meta.url).pathname;
const defaults = loadConfig({});

test('the Dockerfile passes the Dockerfile linter and runs node directly as a non-root user', () => {
  // hadolint is not installable here (no Debian package, no npm release): dockerfile-utils,
  // the linter of the Dockerfile language server, checks the instructions instead.
  const r = spawnSync(path.join(root, 'node_modules/.bin/dockerfile-utils'), ['lint', 'Dockerfile'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(r.stdout.trim(), '');
  const df = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  assert.match(df, /^FROM .* AS deps$/m);
  assert.match(df, /npm ci --omit=dev/);
  assert.match(df, /^USER node$/m);
  assert.match(df, /^HEALTHCHECK /m);
  assert.match(df, /^CMD \["node", /m);
});

test('docker-compose gives the instances a stop grace period longer than GRACEFUL_TIMEOUT_MS', () => {
  const doc = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, { stop_grace_period?: string; environment?: Record<string, string> }>;
  };
  const apps = Object.entries(doc.services).filter(([, s]) => s.environment?.DATABASE_URL);
  assert.ok(apps.length >= 2, 'two instances');
  for (const [name, s] of apps) {
    const grace = Number(/^(\d+)s$/.exec(s.stop_grace_period ?? '')?.[1] ?? 0) * 1000;
    assert.ok(
      grace > defaults.gracefulTimeoutMs,
      `${name}: stop_grace_period ${s.stop_grace_period} not above ${defaults.gracefulTimeoutMs} ms`,
    );
  }
  assert.ok(doc.services.nginx && doc.services.postgres && doc.services.redis);
});

test('the nginx example is valid and its timeouts sit above the request deadline and below the service keep-alive', () => {
  const conf = readFileSync(path.join(root, 'deploy/nginx.conf'), 'utf8');
  const seconds = (name: string) => Number(new RegExp(`${name}\\s+(\\d+)s;`).exec(conf)?.[1]) * 1000;
  assert.ok(seconds('proxy_read_timeout') > defaults.requestTimeoutMs);
  // Upstream idle connections are closed by nginx first (60 s) before the service closes them (65 s).
  assert.ok(seconds('keepalive_timeout') < 65_000);
  // nginx -t needs the upstream host names to resolve: check it with them mapped to loopback.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'it360-nginx-t-'));
  writeFileSync(path.join(dir, 'nginx.conf'), `events {}\nhttp {\n${conf.replace(/app(\d):3000/g, '127.0.0.$1:3000')}\n}\n`);
  execFileSync(NGINX, ['-t', '-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', `pid ${dir}/nginx.pid; error_log ${dir}/error.log;`], {
    stdio: 'pipe',
  });
});

test('the build context is what the Dockerfile copies and nothing else: no node_modules, data/ (jwt-secret), .git or results', () => {
  // No Docker daemon here to build with: the rules are read as Docker reads them (an
  // ignore-everything line, then exceptions), and held to the Dockerfile's own COPY lines.
  const rules = readFileSync(path.join(root, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  assert.equal(rules[0], '*', 'everything is excluded first');
  const allowed = rules.slice(1).map((r) => {
    assert.ok(r.startsWith('!'), `${r}: only exceptions follow`);
    return r.slice(1).replace(/\/$/, '');
  });
  const df = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  const sources = df
    .split('\n')
    .filter((l) => /^COPY /.test(l) && !l.includes('--from='))
    .flatMap((l) => l.replace(/--\S+/g, '').trim().split(/\s+/).slice(1, -1));
  assert.deepEqual([...new Set(sources)].sort(), [...allowed].sort(), 'the exceptions are exactly the COPY sources');
  for (const kept of allowed) assert.doesNotMatch(kept, /node_modules|data|\.git|bench|test|\.env/, kept);
});

test('the production image runs the compiled build on Node 24: src/ only in the build stage, never tsx or the development tools', () => {
  const df = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  const stages = df.split(/^(?=FROM )/m).filter((s) => s.startsWith('FROM '));
  for (const stage of stages) assert.match(stage, /^FROM node:24-bookworm-slim AS \w+$/m);
  // The linter does not check stage names: each --from= names a stage defined before it.
  stages.forEach((stage, i) => {
    const earlier = stages.slice(0, i).map((s) => / AS (\w+)$/m.exec(s)![1]);
    for (const m of stage.matchAll(/--from=(\S+)/g)) assert.ok(earlier.includes(m[1]), `--from=${m[1]} names an earlier stage`);
  });
  const runtime = stages.at(-1)!;
  const build = stages.find((s) => / AS build$/m.test(s))!;
  assert.ok(build, 'a build stage');
  assert.match(build, /^COPY src \.\/src$/m, 'the build stage compiles src/');
  assert.match(build, /^RUN npm run build$/m);
  assert.match(runtime, /^COPY --from=build .*\/app\/dist \.\/dist$/m, 'the runtime takes dist/ from the build');
  assert.match(runtime, /^CMD \["node", "--enable-source-maps", "dist\/main\.js"\]$/m);
  assert.doesNotMatch(runtime, /\btsx\b|^COPY .*\bsrc\b/m, 'no TypeScript sources or loader at run time');
  for (const l of df.split('\n').filter((x) => /^COPY /.test(x))) {
    assert.doesNotMatch(l, /\btools\b/, l);
    assert.doesNotMatch(l, / \. \.\/?$/, `${l}: copies the whole tree`);
  }
  // tsx is a development dependency: `npm ci --omit=dev` leaves it out of the image.
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const dev of ['tsx', 'typescript', 'esbuild']) assert.ok(!(dev in pkg.dependencies), `${dev} is not a production dependency`);
});
