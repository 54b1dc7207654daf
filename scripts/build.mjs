#!/usr/bin/env node
/**
 * `npm run build`: compiles src/ to dist/ with tsc (tsconfig.build.json: source maps on,
 * `./x.ts` imports rewritten to `./x.js`), then copies what tsc does not: the files the
 * service reads at run time beside its modules (ASSETS, the one list; test/built-output
 * checks it is complete). Plain JavaScript, so it runs with nothing but node and the
 * development dependencies' tsc.
 *
 *   node scripts/build.mjs [--out DIR]   build (default dist/)
 *   node scripts/build.mjs --if-stale    build only when dist/ is missing or older than
 *                                        src/ (what `npm start` runs first)
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Directories under src/ whose files are read at run time, copied as they are. */
export const ASSETS = [
  'infra/database/migrations', // the SQL migrations (src/infra/database/migrate.ts)
  'operations/ops-page', // the /ops page's HTML, script and style sheet (src/operations/routes.ts)
  'auth/pages', // the account pages' script and style sheet (src/auth/pages.ts)
];

/** Written last: its time is the build's, compared with src/ by --if-stale. */
const STAMP = '.build-stamp';

/** What decides whether a build is current: the sources and the build's own settings. */
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json', 'scripts/build.mjs'];

function newestMtime(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, name)));
  return newest;
}

/** True when `outDir` has a finished build at least as new as every input. */
export function isCurrent(outDir) {
  const stamp = path.join(outDir, STAMP);
  if (!existsSync(stamp)) return false;
  const built = statSync(stamp).mtimeMs;
  return INPUTS.every((p) => newestMtime(path.join(ROOT, p)) <= built);
}

/**
 * Compiles src/ into `outDir` and copies ASSETS; throws with tsc's output on failure.
 * The build is made beside `outDir` and moved into place when complete, so a service
 * running from `outDir` meanwhile keeps its files until the last moment, and a failed
 * build leaves the previous one as it was.
 */
export function build(outDir) {
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    throw new Error('cannot build: TypeScript (a development dependency) is not installed; run `npm install`, or ship a built dist/');
  }
  const staging = `${outDir}.building-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    const r = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', staging], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (r.status !== 0) throw new Error(`tsc failed (exit ${r.status ?? r.signal})`);
    for (const dir of ASSETS) cpSync(path.join(ROOT, 'src', dir), path.join(staging, dir), { recursive: true });
    writeFileSync(path.join(staging, STAMP), `${new Date().toISOString()}\n`);
    rmSync(outDir, { recursive: true, force: true });
    renameSync(staging, outDir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const outAt = args.indexOf('--out');
  const outDir = path.resolve(outAt >= 0 ? args[outAt + 1] : path.join(ROOT, 'dist'));
  if (args.includes('--if-stale') && (isCurrent(outDir) || !existsSync(path.join(ROOT, 'src')))) process.exit(0);
  const started = performance.now();
  try {
    build(outDir);
  } catch (err) {
    process.stderr.write(`build: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  process.stderr.write(`built ${path.relative(process.cwd(), outDir) || '.'} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
