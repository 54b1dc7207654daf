import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Paystack signs each webhook with `x-paystack-signature`: the hex HMAC-SHA512 of the
 * exact raw request body, keyed with the secret key. The app's webhook route verifies
 * with this module and the simulator signs with it, so both sides agree byte for byte.
 */

/** SHA-512 gives 64 bytes, so a well-formed signature is 128 hex characters. */
const SIGNATURE_HEX_LENGTH = 128;
const HEX = /^[0-9a-fA-F]+$/;

/** The hex HMAC-SHA512 of `rawBody` with `secretKey`, as Paystack sends it. */
export function signPaystackBody(secretKey: string, rawBody: Buffer | string): string {
  return createHmac('sha512', secretKey).update(rawBody).digest('hex');
}

/**
 * True only when `signatureHeader` is the signature of these exact bytes. Must be
 * given the raw body as received: re-serialised JSON differs in spacing or key order
 * and would never match. Compares in constant time so the signature cannot be
 * guessed byte by byte from response timings.
 */
export function verifyPaystackSignature(secretKey: string, rawBody: Buffer | string, signatureHeader: string | undefined): boolean {
  // A header sent twice arrives as an array in Node; that is not a valid signature either.
  if (typeof signatureHeader !== 'string') return false;
  const header = signatureHeader.trim();
  // The length is public (always 128), so checking it first leaks nothing; Buffer.from
  // would otherwise silently drop an odd trailing digit or stop at the first non-hex one.
  if (header.length !== SIGNATURE_HEX_LENGTH || !HEX.test(header)) return false;
  const expected = createHmac('sha512', secretKey).update(rawBody).digest();
  const given = Buffer.from(header, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
