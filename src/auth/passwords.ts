import { randomBytes, scrypt as scryptCb, type ScryptOptions, timingSafeEqual } from 'node:crypto';

import { bulkhead, isBulkheadRejectedError } from 'cockatiel';

import { errors } from '../errors/index.ts';

/**
 * Password hashing with Node's built-in scrypt (memory-hard, runs on libuv's thread
 * pool, no native dependency to build). N=2^15, r=8: ~32 MiB and tens of ms per hash
 * here, the OWASP-recommended floor for scrypt.
 */
const PARAMS = { N: 32768, r: 8, p: 1, keylen: 32 } as const;
const MAXMEM = 64 * 1024 * 1024; // scrypt needs 128*N*r bytes = 32 MiB; the default cap is 32 MiB exactly, too tight

function scrypt(password: string, salt: Buffer, opts: ScryptOptions & { keylen: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(password.normalize('NFKC'), salt, opts.keylen, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

// At most 2 hashes at once (libuv has 4 threads, shared with DNS and fs), and a short
// queue: a flood of logins gets fast 503s instead of starving every other request.
const hashing = bulkhead(2, 64);

async function bounded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await hashing.execute(fn);
  } catch (err) {
    if (isBulkheadRejectedError(err)) throw errors.overloaded();
    throw err;
  }
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await bounded(() => scrypt(password, salt, { ...PARAMS, maxmem: MAXMEM }));
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, saltB64, keyB64] = stored.split('$');
  if (alg !== 'scrypt' || !saltB64 || !keyB64) return false;
  const expected = Buffer.from(keyB64, 'base64url');
  const key = await bounded(() =>
    scrypt(password, Buffer.from(saltB64, 'base64url'), {
      N: Number(n),
      r: Number(r),
      p: Number(p),
      keylen: expected.length,
      maxmem: MAXMEM,
    }),
  );
  return key.length === expected.length && timingSafeEqual(key, expected);
}

// Unknown emails are checked against this so that they cost the same time as a wrong
// password: the answer and its timing must not tell which emails have accounts.
let dummyHash: Promise<string> | undefined;
export async function burnPasswordCheck(password: string): Promise<void> {
  dummyHash ??= hashPassword('not-a-real-password');
  await verifyPassword(password, await dummyHash);
}
