import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';

import { createLogger, deferredChildLogger } from '../../src/logger.ts';

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
