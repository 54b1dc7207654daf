import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { errors } from '../../src/errors/index.ts';
import { explainError, formatDuration } from '../../src/resilience/explain.ts';
import { CallRejectedError, CallTimeoutError } from '../../src/resilience/policy.ts';
import { sqlStateMeaning } from '../../src/shared/sqlstate.ts';

const pgError = (code: string, message = 'server said no') => Object.assign(new Error(message), { code });
const sysError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:6379`), { code, syscall: 'connect' });

describe('dependency errors in operator words', () => {
  it('Redis: ioredis internals become what is wrong with Redis', () => {
    const now = 1_000_000;
    const hints = { timeoutMs: 250, downSince: now - 12_000, now };
    assert.equal(explainError('cache', new Error('Command timed out'), hints), 'Redis not answering for 12 s (command timeout 250 ms)');
    assert.equal(
      explainError('cache', new Error("Stream isn't writeable and enableOfflineQueue options is false"), {
        ...hints,
        downReason: 'Redis not answering (command timeout 250 ms)',
      }),
      'Redis not answering for 12 s (command timeout 250 ms); calls fail at once until it reconnects',
    );
    const refused = explainError('cache', new Error("Stream isn't writeable and enableOfflineQueue options is false"), {
      ...hints,
      downReason: explainError('cache', sysError('ECONNREFUSED')),
    });
    assert.match(refused, /^Redis refused the connection .*ECONNREFUSED.*; down for 12 s, calls fail at once until it reconnects$/);
    assert.match(
      explainError('cache', new Error("Socket timeout. Expecting data, but didn't receive any in 1000ms.")),
      /^Redis not answering: the connection was silent for 1 s/,
    );
    assert.match(
      explainError('cache', new Error("Stream isn't writeable and enableOfflineQueue options is false")),
      /^Redis not connected/,
    );
  });

  it('PostgreSQL: SQLSTATEs say what they mean', () => {
    assert.equal(
      explainError('database', pgError('55P03', 'canceling statement due to lock timeout')),
      'PostgreSQL: a lock was not granted in time (lock_timeout): another session holds the row or table (SQLSTATE 55P03)',
    );
    assert.match(explainError('database', pgError('57014')), /statement_timeout.*SQLSTATE 57014/);
    assert.match(explainError('database', pgError('53300')), /too many connections.*SQLSTATE 53300/);
    assert.match(explainError('database', pgError('08006')), /connection to the server failed.*SQLSTATE 08006/);
    assert.match(explainError('database', pgError('57P01')), /shutting down/);
    assert.match(explainError('database', sysError('ECONNREFUSED')), /^PostgreSQL refused the connection/);
    assert.match(explainError('database', new Error('timeout exceeded when trying to connect')), /did not accept a connection in time/);
    // Wrapped in the API's own error, the cause is what is explained.
    assert.match(explainError('database', errors.dependencyUnavailable('database', pgError('53300'))), /too many connections/);
    assert.equal(sqlStateMeaning('not-a-code'), undefined);
    assert.match(sqlStateMeaning('08001') ?? '', /connection/);
    assert.equal(sqlStateMeaning('ZZ999'), undefined);
  });

  it("the policy's own errors and anything else", () => {
    assert.equal(
      explainError('paystack', new CallTimeoutError('paystack', 'initialize', 8000, false)),
      'Paystack did not answer initialize within its 8 s budget',
    );
    assert.match(explainError('database', new CallRejectedError('database', 'breaker_open', new Error('x'))), /breaker is open/);
    assert.match(explainError('cache', new CallRejectedError('cache', 'bulkhead_full', new Error('x'))), /too many calls/);
    // Paystack's own errors already name it and the operation: kept as they are.
    assert.equal(
      explainError('paystack', new Error('Paystack verify answered 502: Bad gateway')),
      'Paystack verify answered 502: Bad gateway',
    );
    const wrapped = Object.assign(new Error('Paystack initialize network error'), { cause: sysError('ECONNRESET') });
    assert.match(explainError('paystack', wrapped), /^Paystack closed the connection abruptly \(ECONNRESET\)$/);
    assert.equal(explainError('mail', new Error('boom')), 'The SMTP server: boom');
    assert.equal(explainError('cache', 'a string'), 'Redis: a string');
    assert.equal(explainError('cache', undefined), 'Redis: undefined');
  });

  it('durations read at a glance', () => {
    assert.equal(formatDuration(250), '250 ms');
    assert.equal(formatDuration(2500), '2.5 s');
    assert.equal(formatDuration(12_345), '12 s');
    assert.equal(formatDuration(180_000), '3 min');
  });
});
