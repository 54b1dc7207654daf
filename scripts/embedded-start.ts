/**
 * Where the embedded database's start goes, on a given data directory (warm when it
 * holds a database, cold when it is empty or missing):
 *   node --import tsx scripts/embedded-start.ts DATA_DIR [ROUNDS]
 * Each round prints PGlite's own open in this process (the floor), then the embedded
 * server's start as the service runs it (a child process) with the child's phases.
 * The directory must not be in use by a running service.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

import { PGlite } from '@electric-sql/pglite';

import { startEmbeddedPostgres } from '../src/infra/database/embedded/index.ts';

const dir = path.resolve(process.argv[2] ?? '');
const rounds = Number(process.argv[3] ?? 1);
if (!process.argv[2]) {
  process.stderr.write('usage: node --import tsx scripts/embedded-start.ts DATA_DIR [ROUNDS]\n');
  process.exit(64);
}
for (let i = 0; i < rounds; i++) {
  if (existsSync(path.join(dir, 'pgdata', 'PG_VERSION'))) {
    const t0 = performance.now();
    const db = await PGlite.create({ dataDir: path.join(dir, 'pgdata') });
    const pgliteOpenMs = Math.round(performance.now() - t0);
    await db.close();
    process.stdout.write(`${JSON.stringify({ round: i + 1, pgliteOpenMs })}\n`);
  }
  const pg = await startEmbeddedPostgres({
    dataDir: dir,
    log: (msg, extra) => {
      if (msg === 'embedded database ready') process.stdout.write(`${JSON.stringify({ round: i + 1, ...extra })}\n`);
    },
  });
  await pg.stop();
}
