import assert from 'node:assert/strict';
import { test } from 'node:test';

import { loadConfig } from '../../src/config/index.ts';
import { chooseLogFormat, prettyMessage } from '../../src/log-format.ts';
import { configProblems } from '../helpers/config.ts';

test('unset LOG_FORMAT: pretty only for a terminal outside production', () => {
  const pick = (isTTY: boolean, isProduction: boolean) => chooseLogFormat({ logFormat: undefined, isTTY, isProduction });
  assert.equal(pick(true, false), 'pretty');
  assert.equal(pick(false, false), 'json');
  // A production container with a TTY attached (docker run -t) still feeds a collector.
  assert.equal(pick(true, true), 'json');
  assert.equal(pick(false, true), 'json');
});

test('LOG_FORMAT wins either way, production included', () => {
  for (const isTTY of [true, false]) {
    for (const isProduction of [true, false]) {
      assert.equal(chooseLogFormat({ logFormat: 'json', isTTY, isProduction }), 'json');
      assert.equal(chooseLogFormat({ logFormat: 'pretty', isTTY, isProduction }), 'pretty');
    }
  }
});

test('LOG_FORMAT is read by the configuration; a bad value is a configuration error naming it', () => {
  assert.equal(loadConfig({}).logFormat, undefined);
  assert.equal(loadConfig({ LOG_FORMAT: 'json' }).logFormat, 'json');
  assert.equal(loadConfig({ LOG_FORMAT: 'pretty' }).logFormat, 'pretty');
  const p = configProblems({ LOG_FORMAT: 'colour' });
  assert.deepEqual(p, ['LOG_FORMAT="colour" must be one of json, pretty']);
});

test('the pretty message line: [requestId] dependency.op msg, each part only when present', () => {
  assert.equal(
    prettyMessage({ requestId: 'r-1', dependency: 'cache', op: 'get', msg: 'cache get timeout' }, 'msg'),
    '[r-1] cache.get cache get timeout',
  );
  assert.equal(
    prettyMessage({ requestId: 'r-1', dependency: 'database', msg: 'request completed' }, 'msg'),
    '[r-1] database request completed',
  );
  assert.equal(prettyMessage({ op: 'reconcile', msg: 'reconciler run' }, 'msg'), 'reconcile reconciler run');
  assert.equal(prettyMessage({ msg: 'supervisor started' }, 'msg'), 'supervisor started');
});

test('the pretty message line cannot carry terminal control sequences', () => {
  const line = prettyMessage({ requestId: 'r\u001b[2J', msg: 'a\u0007b\u009bc\td' }, 'msg');
  assert.equal(line, '[r[2J] abc\td');
});
