import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { acquireDataDirLock } from '../src/infra/database/embedded/lock.ts';

const ROOT = new URL('..', import.meta.url).pathname;

test('create-admin on an embedded database a running service holds: one clear line, no stack, exit 75', async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'it360-locked-'));
  // This process stands for the running service: it holds the data directory's lock.
  const lock = acquireDataDirLock(dataDir);
  t.after(() => {
    lock.release();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'create-admin', 'ops@example.com', '--password-stdin'], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', DATA_DIR: dataDir, DATABASE_URL: '', ADMIN_PASSWORD: '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  t.after(() => proc.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  proc.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  proc.stdin.end('a-long-password-1\n');
  // 60 s: a start of the CLI with tsx on a loaded machine; it fails at the lock, before PGlite.
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`did not finish:\n${stdout}\n${stderr}`)), 60_000);
    proc.once('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  assert.equal(code, 75, stderr);
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0], new RegExp(`in use by process ${process.pid}`));
  assert.match(lines[0], /stop/i);
  assert.doesNotMatch(stderr, /DataDirLockedError|    at /);
  assert.equal(stdout, '');
});
