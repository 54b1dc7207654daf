import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';

import { createLogger, deferredChildLogger, workerLogStream } from '../../src/logger.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, stream };
}

test("a request's logger is made only when the request logs, with its bindings, level and redaction", () => {
  const { lines, stream } = capture();
  const root = createLogger('info', stream);
  let made = 0;
  const parent = Object.assign(Object.create(root) as typeof root, {
    child: (b: Record<string, unknown>, o?: object) => {
      made++;
      return root.child(b, o);
    },
  });
  const quiet = deferredChildLogger(parent, { requestId: 'r-1' }, {});
  assert.equal(made, 0, 'a request that never logs makes no child logger');
  assert.equal(quiet.level, 'info');
  assert.equal(made, 1, 'reading the level makes it');

  const log = deferredChildLogger(parent, { requestId: 'r-2' }, {});
  log.info({ password: 'hunter2', n: 1 }, 'hello');
  log.debug('below the level');
  log.warn('again');
  assert.equal(made, 2, 'one child per request, however often it logs');
  assert.deepEqual(
    lines.map((l) => [l.requestId, l.msg, l.level, l.password]),
    [
      ['r-2', 'hello', 'info', '[redacted]'],
      ['r-2', 'again', 'warn', undefined],
    ],
  );
  const child = log.child({ op: 'x' });
  child.error('from a grandchild');
  assert.equal(lines.at(-1)?.requestId, 'r-2');
  assert.equal(lines.at(-1)?.op, 'x');
});

test("a worker's log lines are written together when the event-loop turn ends, and none is lost at exit", async () => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'it360-log-')), 'out.log');
  const fd = openSync(file, 'a');
  const logger = createLogger('info', workerLogStream(fd));
  logger.info('one');
  logger.info('two');
  assert.equal(readFileSync(file, 'utf8'), '', 'nothing written inside the turn');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { msg: string }).msg),
    ['one', 'two'],
  );
  // Past 64 KiB in one turn (about 225 of these lines), written at once; the rest at the turn's end.
  for (let i = 0; i < 400; i++) logger.info({ pad: 'x'.repeat(200) }, 'bulk');
  const inTurn = readFileSync(file, 'utf8').trim().split('\n').length - 2;
  assert.ok(inTurn >= 200 && inTurn < 400, `${inTurn} lines written inside the turn`);
  await new Promise((r) => setImmediate(r));
  assert.equal(readFileSync(file, 'utf8').trim().split('\n').length - 2, 400);
  closeSync(fd);

  // A process that logs and ends in the same turn (exit, or an uncaught exception)
  // still writes its lines. Bounded: a child doing this takes well under a second.
  const script = (end: string) =>
    `import { createLogger, workerLogStream } from './src/logger.ts';
     const l = createLogger('info', workerLogStream());
     l.info('before the end'); l.error('last words'); ${end}`;
  for (const end of ['process.exit(3)', "throw new Error('boom')"]) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(end)], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    const msgs = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { msg: string }).msg);
    assert.deepEqual(msgs, ['before the end', 'last words'], `${end}: ${r.stderr}`);
  }
});
