/**
 * `npm run bench:profile`: where a worker's CPU goes on the hottest read. Starts the
 * service as `npm run bench` does (production mode, 2 workers, PostgreSQL, its own
 * redis-server, LOG_LEVEL=info) with `--cpu-prof`, loads one endpoint (the cached admin
 * user list by default; `PROFILE_TARGET=courses` for the public course list,
 * `PROFILE_TARGET=revalidate` for the user list with its ETag in If-None-Match: a 304) for
 * PROFILE_SECONDS, stops the service so each worker writes its profile, and prints the
 * functions with the most self time (the flame graph's widest leaves) and the same time
 * summed per source file or package. Bounded: warm-up + PROFILE_SECONDS + set-up.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import autocannon from 'autocannon';

import { installSignalHandlers, runMain } from './chaos/procs.ts';
import { logIn, seed } from './chaos/seed.ts';
import { startRedis, startService, startSink } from './chaos/stack.ts';
import { ADMIN, freshDatabase } from './lib.ts';

// Ten seconds of samples at the default 1 ms interval: ~10,000 samples per worker, enough
// for a top-ten whose shares move by less than a point between runs.
const SECONDS = Number(process.env.PROFILE_SECONDS ?? 10);
// Long enough for V8 to optimise the route and for the cache tiers to fill.
const WARMUP_S = 3;
const CONNECTIONS = 10;
const TOP = Number(process.env.PROFILE_TOP ?? 15);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  /** Microseconds on the machine's monotonic clock (the one process.hrtime reads). */
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * Self time per function and per file/package, as shares of the non-idle samples taken
 * between `fromUs` and `toUs` (monotonic clock): start-up and shutdown are left out.
 */
export function summarise(
  profiles: CpuProfile[],
  fromUs: number,
  toUs: number,
): { functions: [string, number][]; files: [string, number][]; inclusive: [string, number][] } {
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  // Time with the file or package anywhere on the stack: what removing it would save at most.
  const inclusive = new Map<string, number>();
  let total = 0;
  for (const p of profiles) {
    const nodes = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    let at = p.startTime;
    p.samples.forEach((id, i) => {
      const dt = p.timeDeltas[i] ?? 0;
      at += dt;
      const n = nodes.get(id);
      if (!n || at < fromUs || at > toUs) return;
      const { functionName, url, lineNumber } = n.callFrame;
      if (functionName === '(idle)' || functionName === '(program)') return;
      total += dt;
      const file = fileOf(url);
      const fn = `${functionName || '(anonymous)'} ${file}${url ? `:${lineNumber + 1}` : ''}`;
      byFn.set(fn, (byFn.get(fn) ?? 0) + dt);
      byFile.set(file, (byFile.get(file) ?? 0) + dt);
      const seen = new Set<string>();
      // Bounded by the stack's depth: each step goes to a parent, and the root has none.
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        const f = fileOf(nodes.get(cur)?.callFrame.url ?? '');
        if (f !== '(native)' && !seen.has(f)) {
          seen.add(f);
          inclusive.set(f, (inclusive.get(f) ?? 0) + dt);
        }
      }
    });
  }
  const share = (m: Map<string, number>) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, total ? (100 * v) / total : 0] as [string, number]);
  return { functions: share(byFn), files: share(byFile), inclusive: share(inclusive) };
}

function fileOf(url: string): string {
  if (!url) return '(native)';
  const clean = url.replace(/^file:\/\//, '');
  const nm = clean.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = clean.slice(nm + 'node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (clean.startsWith('node:')) return clean;
  const src = clean.indexOf('/src/');
  return src >= 0 ? clean.slice(src + 1) : path.basename(clean);
}

async function main(): Promise<number> {
  installSignalHandlers();
  const target = process.env.PROFILE_TARGET ?? 'users';
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'it360-profile-'));
  const profDir = path.join(logDir, 'profiles');
  const dbUrl = await freshDatabase('it360_bench');
  const redis = await startRedis();
  const sink = await startSink();
  const svc = await startService(
    'service',
    { DATABASE_URL: dbUrl, REDIS_URL: redis.url, PAYSTACK_BASE_URL: 'http://127.0.0.1:9', SMTP_URL: sink.url },
    logDir,
    2,
    // Workers inherit the supervisor's execArgv: each writes its own profile on exit.
    ['--cpu-prof', `--cpu-prof-dir=${profDir}`],
  );
  await seed(dbUrl, { users: 1000, courses: 20, detailUsers: 0 });
  const admin = await logIn(svc.url, ADMIN.email, ADMIN.password);
  const listUrl = `${svc.url}/api/v1/users?page=1&pageSize=20`;
  const auth = { authorization: `Bearer ${admin}` };
  let opts: { url: string; headers?: Record<string, string> } = { url: listUrl, headers: auth };
  if (target === 'courses') opts = { url: `${svc.url}/api/v1/courses` };
  if (target === 'revalidate') {
    // Bounded by the service's 10 s request deadline.
    const first = await fetch(listUrl, { headers: auth, signal: AbortSignal.timeout(10_000) });
    await first.text();
    const etag = first.headers.get('etag');
    if (!etag) throw new Error('the user list answered without an ETag');
    opts = { url: listUrl, headers: { ...auth, 'if-none-match': etag } };
  }
  process.stdout.write(`profiling ${opts.url}: warm-up ${WARMUP_S} s, then ${SECONDS} s at ${CONNECTIONS} connections…\n`);
  // An answer later than 10 s (the service's request deadline) is counted as a timeout.
  await autocannon({ ...opts, connections: CONNECTIONS, duration: WARMUP_S, timeout: 10 });
  const fromUs = Number(process.hrtime.bigint() / 1000n);
  const r = await autocannon({ ...opts, connections: CONNECTIONS, duration: SECONDS, timeout: 10 });
  const toUs = Number(process.hrtime.bigint() / 1000n);
  await svc.stop();
  const files = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
  // Every process and thread writes one (supervisor, workers, loader threads); only the
  // measured window counts, so the ones that were idle then add nothing.
  const profiles = files.map((f) => JSON.parse(readFileSync(path.join(profDir, f), 'utf8')) as CpuProfile);
  const s = summarise(profiles, fromUs, toUs);
  const pct = (v: number) => `${v.toFixed(1)}%`;
  process.stdout.write(
    [
      '',
      `${Math.round(r.requests.average)} req/s, p99 ${r.latency.p99} ms, non-2xx ${r.non2xx} (${files.length} profiles)`,
      '',
      `Top ${TOP} functions by self time (share of non-idle samples):`,
      '',
      '| function | self |',
      '|---|---:|',
      ...s.functions.slice(0, TOP).map(([k, v]) => `| \`${k}\` | ${pct(v)} |`),
      '',
      `Top ${TOP} files and packages by self time:`,
      '',
      '| file or package | self |',
      '|---|---:|',
      ...s.files.slice(0, TOP).map(([k, v]) => `| ${k} | ${pct(v)} |`),
      '',
      `Top ${TOP} files and packages by inclusive time (anywhere on the stack; the service's own files and every package):`,
      '',
      '| file or package | inclusive |',
      '|---|---:|',
      ...s.inclusive
        .filter(([k]) => !k.startsWith('node:'))
        .slice(0, TOP)
        .map(([k, v]) => `| ${k} | ${pct(v)} |`),
      '',
    ].join('\n'),
  );
  if (!process.env.PROFILE_KEEP) rmSync(logDir, { recursive: true, force: true });
  else process.stdout.write(`profiles kept in ${profDir}\n`);
  return 0;
}

runMain(main);
