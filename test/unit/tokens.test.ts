import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it, mock } from 'node:test';

import { createTokenService } from '../../src/auth/tokens.ts';

const secret = 'unit-test-secret-0123456789abcdef0123';

describe('access tokens', () => {
  it('a remembered token is still refused once it has expired (past the clock tolerance)', (t) => {
    t.after(() => mock.timers.reset());
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const tokens = createTokenService({ secret, accessTtlS: 60 });
    const claims = { sub: randomUUID(), sid: randomUUID(), role: 'student' as const, tv: 0 };
    const token = tokens.signAccess(claims);
    assert.deepEqual(tokens.verifyAccess(token), claims);
    // Remembered: the same answer without checking again.
    assert.deepEqual(tokens.verifyAccess(token), claims);
    mock.timers.tick(60_000 + 4_000);
    assert.deepEqual(tokens.verifyAccess(token), claims, 'within the 5 s tolerance');
    mock.timers.tick(2_000);
    assert.equal(tokens.verifyAccess(token), undefined);
  });

  it('a token signed with another secret, or altered, is refused even after a valid one was remembered', () => {
    const tokens = createTokenService({ secret, accessTtlS: 60 });
    const other = createTokenService({ secret: `${secret}-other`, accessTtlS: 60 });
    const claims = { sub: randomUUID(), sid: randomUUID(), role: 'admin' as const, tv: 1 };
    const good = tokens.signAccess(claims);
    assert.ok(tokens.verifyAccess(good));
    assert.equal(tokens.verifyAccess(other.signAccess(claims)), undefined);
    const [h, p, s] = good.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), role: 'admin', tv: 9 })).toString('base64url')}.${s}`;
    assert.equal(tokens.verifyAccess(forged), undefined);
  });
});
