import fc from 'fast-check';

import type { JsonSchema, Operation, Param } from './routes.ts';

/** Values the fuzzer may use where a well-formed value should point at something real. */
export interface Known {
  uuids: string[];
  references: string[];
  slugs: string[];
}

/** One generated request, ready for `inject`. */
export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  /** The client address the request comes from (default: loopback). */
  remoteAddress?: string;
  /** What was mutated, for the failure message. */
  label: string;
}

const MISSING = Symbol('missing');

/** Text meant to be interpreted: SQL, JSON and template injection, markup, paths. */
const INJECTION = [
  "' OR '1'='1' --",
  "'; DROP TABLE users; --",
  '1) UNION SELECT password_hash FROM users --',
  '%',
  '_',
  '\\',
  '{"$ne":null}',
  '{"$gt":""}',
  '"},"role":"admin","x":{"',
  '__proto__',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '${jndi:ldap://x/a}',
  '{{7*7}}',
  '../../../../etc/passwd',
  '%00',
  '%2e%2e%2f',
  'null',
  'true',
  '-1',
  '1e999',
  'NaN',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
];

/** Text a database cannot store as given: NUL, and lone surrogates (no UTF-8 form). */
const UNSTORABLE = ['\u0000', 'a\u0000b', '\ud800', 'x\udfffy'];

/** Unicode that normalisers, length checks and terminals get wrong. */
const UNICODE = [
  '\u202eevil',
  '\ufeffbom',
  '\u200b',
  'e\u0301',
  '😀'.repeat(60),
  '𝕏𝕐ℤ',
  'Ω≈ç√∫',
  'ﷺ'.repeat(20),
  '\u0085\u2028\u2029',
  '\u001b[31m',
];

/** Empty, blank and too long. */
const SIZES = ['', ' ', '\t\r\n', 'A'.repeat(101), 'A'.repeat(255), 'A'.repeat(10_001), '9'.repeat(400)];

/** Every hostile string, for callers that pick their own. */
export const HOSTILE_STRINGS = [...INJECTION, ...UNSTORABLE, ...UNICODE, ...SIZES];

const HOSTILE_NUMBERS = [
  -1,
  -0.01,
  0.5,
  1.5,
  -0,
  1e21,
  -1e21,
  2 ** 31,
  2 ** 53,
  2 ** 53 + 2,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
  1_000_000_001,
  -1_000_000_000,
  1e-7,
  10000.5,
];

const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'isAdmin',
  'role',
  'amount',
  'price',
  'userId',
  'instructorId',
  'status',
  '$where',
  '',
  ' ',
  'a'.repeat(1000),
  'a\u0000',
];

function nest(depth: number, leaf: unknown, asArray: boolean): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = asArray ? [v] : { a: v };
  return v;
}

// Kinds are weighted, not pooled, so a rare kind (a NUL, a lone surrogate) is tried often.
const anyStringArb = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...INJECTION) },
  { weight: 2, arbitrary: fc.constantFrom(...UNSTORABLE) },
  { weight: 2, arbitrary: fc.constantFrom(...UNICODE) },
  { weight: 1, arbitrary: fc.constantFrom(...SIZES) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
);

/** A value of the wrong type, out of range, hostile, huge or deeply nested. */
export function hostileValue(schema: JsonSchema): fc.Arbitrary<unknown> {
  const bounds: number[] = [];
  if (typeof schema.minimum === 'number') bounds.push(schema.minimum - 1, schema.minimum - 0.5);
  if (typeof schema.maximum === 'number') bounds.push(schema.maximum + 1, schema.maximum + 0.5);
  const lengths: string[] = [];
  if (typeof schema.maxLength === 'number') lengths.push('x'.repeat(schema.maxLength + 1));
  if (typeof schema.minLength === 'number' && schema.minLength > 0) lengths.push('x'.repeat(schema.minLength - 1));
  return fc.oneof(
    // A string field mostly gets strings: the ones that pass the type check go deepest.
    { weight: schema.type === 'string' || schema.format ? 8 : 3, arbitrary: anyStringArb },
    { weight: 2, arbitrary: fc.constantFrom<unknown>(null, true, false, 0, 1, [], {}, [null], { a: 1 }, ['x'], [[[]]]) },
    { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_NUMBERS, ...bounds) },
    { weight: 1, arbitrary: fc.double({ noNaN: true }) },
    { weight: 1, arbitrary: lengths.length ? fc.constantFrom(...lengths) : fc.constant('') },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 10, max: 3000 }), fc.boolean()).map(([d, a]) => nest(d, 'x', a)) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );
}

function lengthOk(s: string, schema: JsonSchema): boolean {
  return s.length >= (schema.minLength ?? 0) && s.length <= (schema.maxLength ?? 200);
}

/** A value the schema accepts (sometimes an edge case that is still valid: injection text in a name). */
export function validValue(schema: JsonSchema, known: Known): fc.Arbitrary<unknown> {
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((s) => validValue(s, known)));
  if (schema.enum) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -(2 ** 31), max: schema.maximum ?? 2 ** 31 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e9, max: schema.maximum ?? 1e9, noNaN: true });
    case 'object': {
      const props = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      const entries = Object.entries(props).map(
        ([k, s]) => [k, required.has(k) ? validValue(s, known) : fc.option(validValue(s, known), { nil: undefined })] as const,
      );
      return fc.record(Object.fromEntries(entries)).map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)));
    }
    case 'array':
      return fc.constant([]);
    default:
      break;
  }
  // strings
  if (schema.format === 'uuid') return known.uuids.length ? fc.oneof(fc.constantFrom(...known.uuids), fc.uuid()) : fc.uuid();
  if (schema.format === 'email') return fc.emailAddress().filter((e) => lengthOk(e, schema));
  if (schema.pattern) {
    const re = new RegExp(schema.pattern, 'u');
    // Candidates are filtered here, not with fc's filter, which would spin forever on a
    // pattern none of them matches.
    const fromKnown = [...known.references, ...known.slugs].filter((s) => re.test(s) && lengthOk(s, schema));
    const tricky = HOSTILE_STRINGS.filter((s) => re.test(s) && lengthOk(s, schema) && !/[\u0000\ud800-\udfff]/u.test(s));
    const options = [fc.stringMatching(re).filter((s) => lengthOk(s, schema))];
    if (fromKnown.length) options.push(fc.constantFrom(...fromKnown));
    if (tricky.length) options.push(fc.constantFrom(...tricky));
    return fc.oneof(...options);
  }
  const min = schema.minLength ?? 0;
  const max = Math.min(schema.maxLength ?? 60, 60);
  return fc.oneof(
    fc.string({ minLength: min, maxLength: Math.max(min, max) }),
    fc.constantFrom(
      ...HOSTILE_STRINGS.filter((s) => lengthOk(s, schema) && !/[\u0000\ud800-\udfff]/u.test(s)),
      'x'.repeat(Math.max(min, 1)),
    ),
  );
}

/** An object whose fields are all valid but one, which is hostile or missing. */
function oneFieldOff(schema: JsonSchema, known: Known): fc.Arbitrary<{ value: unknown; label: string }> {
  const props = Object.keys(schema.properties ?? {});
  if (props.length === 0) return fc.constant({ value: {}, label: 'empty object' });
  return fc.constantFrom(...props).chain((name) =>
    fc
      .tuple(
        validValue(schema, known),
        fc.oneof({ weight: 5, arbitrary: hostileValue(schema.properties![name]) }, { weight: 1, arbitrary: fc.constant(MISSING) }),
      )
      .map(([base, bad]) => {
        const obj = { ...(base as Record<string, unknown>) };
        if (bad === MISSING) delete obj[name];
        else obj[name] = bad;
        return { value: obj, label: `field ${name}` };
      }),
  );
}

/** An object with every field independently valid, hostile or missing, plus unknown keys. */
function anyFieldsOff(schema: JsonSchema, known: Known): fc.Arbitrary<{ value: unknown; label: string }> {
  const props = Object.entries(schema.properties ?? {});
  const field = (s: JsonSchema) =>
    fc.oneof(
      { weight: 3, arbitrary: validValue(s, known) },
      { weight: 2, arbitrary: hostileValue(s) },
      { weight: 1, arbitrary: fc.constant(MISSING) },
    );
  const extras = fc.array(fc.tuple(fc.constantFrom(...HOSTILE_KEYS), hostileValue({})), { minLength: 1, maxLength: 2 });
  return fc.tuple(fc.tuple(...props.map(([, s]) => field(s))), extras).map(([values, extra]) => {
    const pairs = props.map(([k], i) => [k, values[i]] as [string, unknown]).filter(([, v]) => v !== MISSING);
    // fromEntries defines "__proto__" as an own key, so it reaches the wire as sent.
    return {
      value: Object.fromEntries([...pairs, ...extra]),
      label: `fields and extra keys ${extra.map(([k]) => JSON.stringify(k.slice(0, 20))).join(',')}`,
    };
  });
}

const CONTENT_TYPES = [
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/vnd.api+json',
  'application/jsonp',
  '*/*',
  'application/json, text/plain',
  'APPLICATION/JSON',
  'application/json;;;',
];

/** Bodies that are not well-formed JSON, or not JSON at all, or too big. */
function rawBody(valid: unknown): fc.Arbitrary<{ payload: string | Buffer; contentType?: string; label: string }> {
  const text = JSON.stringify(valid);
  return fc.oneof(
    fc.integer({ min: 0, max: Math.max(0, text.length - 1) }).map((n) => ({ payload: text.slice(0, n), label: 'truncated JSON' })),
    fc.constantFrom(
      { payload: text.replace(/}$/, ',}'), label: 'trailing comma' },
      { payload: text.replaceAll('"', "'"), label: 'single quotes' },
      { payload: '{"a": NaN}', label: 'NaN literal' },
      { payload: '{"a": Infinity}', label: 'Infinity literal' },
      { payload: '{/* c */}', label: 'comment' },
      { payload: `\ufeff${text}`, label: 'BOM' },
      { payload: '{"price": 1e400, "amount": -0}', label: 'huge exponent' },
      { payload: '{"a":1,"a":{"__proto__":{"isAdmin":true}}}', label: 'duplicate keys with __proto__' },
      { payload: '{"constructor":{"prototype":{"isAdmin":true}}}', label: 'constructor.prototype' },
      { payload: '{"firstName":"a\u0000b"}', label: 'raw NUL inside a string' },
      {
        payload: Buffer.concat([Buffer.from('{"email":"'), Buffer.from([0xff, 0xfe, 0xc0, 0xaf]), Buffer.from('"}')]),
        label: 'invalid UTF-8',
      },
      { payload: '', label: 'empty body' },
      { payload: '   ', label: 'whitespace body' },
      { payload: 'null', label: 'null' },
      { payload: '[]', label: 'array' },
      { payload: '"string"', label: 'string' },
      { payload: '12', label: 'number' },
      { payload: '{'.repeat(5000), label: 'unclosed nesting' },
      { payload: `${'['.repeat(5000)}${']'.repeat(5000)}`, label: 'deep array nesting' },
      { payload: `${'{"a":'.repeat(2500)}1${'}'.repeat(2500)}`, label: 'deep object nesting' },
      { payload: JSON.stringify({ a: Array(20000).fill(0) }), label: 'long array' },
    ),
    fc.constantFrom(...CONTENT_TYPES).map((contentType) => ({ payload: text, contentType, label: `content-type ${contentType}` })),
    // Over every route's limit (1 MiB is the largest).
    fc.constant(null).map(() => ({ payload: `{"a":"${'x'.repeat(1024 * 1024)}"}`, label: 'body over 1 MiB' })),
    // Over the smaller limits routes set for themselves (16 KiB, 64 KiB), under the global one.
    fc.constantFrom(16 * 1024, 64 * 1024).map((n) => ({ payload: `{"a":"${'x'.repeat(n)}"}`, label: `body over ${n / 1024} KiB` })),
  );
}

/** Percent-encodes like encodeURIComponent, but a lone surrogate (which it refuses) becomes its WTF-8 bytes. */
function encodeSegment(v: unknown): string {
  const text = typeof v === 'string' ? v : (JSON.stringify(v) ?? 'undefined');
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) {
      for (const b of [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)]) out += `%${b.toString(16).toUpperCase()}`;
    } else {
      out += encodeURIComponent(ch);
    }
  }
  return out;
}

const RAW_SEGMENTS = ['%E0%A4%A', '%', '%%', '%zz', '..', '.', '%2F', '%00', 'a'.repeat(250), '%C0%AF', '%u0041'];

function validPath(op: Operation, known: Known): fc.Arbitrary<string[]> {
  return fc.tuple(...op.pathParams.map((p) => validValue(p.schema, known).map(encodeSegment)));
}

function hostilePath(op: Operation, known: Known): fc.Arbitrary<string[]> {
  return fc
    .integer({ min: 0, max: op.pathParams.length - 1 })
    .chain((i) =>
      fc
        .tuple(
          validPath(op, known),
          fc.oneof(
            { weight: 3, arbitrary: hostileValue(op.pathParams[i].schema).map(encodeSegment) },
            { weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
          ),
        )
        .map(([values, bad]) => values.map((v, j) => (j === i ? bad : v))),
    );
}

function serializeQuery(params: Param[], values: unknown[], extra = ''): string {
  const parts: string[] = [];
  params.forEach((p, i) => {
    if (values[i] !== MISSING && values[i] !== undefined) parts.push(`${encodeURIComponent(p.name)}=${encodeSegment(values[i])}`);
  });
  const q = [parts.join('&'), extra].filter(Boolean).join('&');
  return q ? `?${q}` : '';
}

function validQuery(params: Param[], known: Known): fc.Arbitrary<string> {
  return fc
    .tuple(...params.map((p) => fc.option(validValue(p.schema, known), { nil: undefined })))
    .map((values) => serializeQuery(params, values));
}

const RAW_QUERIES = [
  'x=1',
  '%=1',
  'a=%E0%A4%A',
  `q=${'x'.repeat(5000)}`,
  'page=1&page=2',
  'page[]=1',
  '%00=1',
  'pageSize=%',
  `search=${'%25'.repeat(50)}`,
  '__proto__[x]=1',
  'constructor[prototype][x]=1',
];

function hostileQuery(params: Param[], known: Known): fc.Arbitrary<string> {
  const raw = fc.constantFrom(...RAW_QUERIES).map((q) => `?${q}`);
  if (params.length === 0) return raw;
  const oneOff = fc.integer({ min: 0, max: params.length - 1 }).chain((i) =>
    fc.tuple(fc.tuple(...params.map((p) => validValue(p.schema, known))), hostileValue(params[i].schema)).map(([values, bad]) =>
      serializeQuery(
        params,
        values.map((v, j) => (j === i ? bad : v)),
      ),
    ),
  );
  return fc.oneof({ weight: 3, arbitrary: oneOff }, { weight: 1, arbitrary: raw });
}

const BAD_AUTH = [
  { value: undefined, label: 'anonymous' },
  { value: 'Bearer', label: 'Bearer without token' },
  { value: 'Bearer  ', label: 'Bearer and spaces' },
  { value: 'Basic Zm9vOmJhcg==', label: 'Basic' },
  { value: `Bearer ${'a'.repeat(5000)}`, label: 'huge token' },
  { value: 'Bearer a.b.c', label: 'three garbage parts' },
  {
    value: `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x","role":"admin","tv":0}').toString('base64url')}.`,
    label: 'alg none',
  },
];

const REQUEST_IDS = [undefined, 'ok-id', 'x'.repeat(500), 'bad id', '../..', '<script>', 'é'];

type Part = 'path' | 'query' | 'body' | 'body-any' | 'raw' | 'auth';
type Body = { payload?: string | Buffer; contentType?: string; label: string };

/**
 * Requests for one operation. Each request aims at one part (a path parameter, the query,
 * one body field, the raw body, the credentials) and keeps the others valid, so the hostile
 * value gets past validation of everything else and reaches as deep as it can.
 */
export function requestsFor(op: Operation, known: Known, tokens: Record<string, string>): fc.Arbitrary<FuzzRequest> {
  const takesBody = op.body !== undefined || ['POST', 'PATCH', 'PUT'].includes(op.method);
  const parts: Part[] = ['query', 'auth'];
  if (op.pathParams.length) parts.push('path', 'path');
  if (op.body) parts.push('body', 'body', 'body', 'body-any');
  if (takesBody) parts.push('raw', 'raw');
  const goodAuth = Object.entries(tokens).map(([who, t]) => ({ value: `Bearer ${t}` as string | undefined, label: who }));
  const validBody = op.body ? validValue(op.body, known) : fc.constant({});
  const json = (b: { value: unknown; label: string }): Body => ({ payload: JSON.stringify(b.value), label: b.label });
  const bodyFor = (target: Part): fc.Arbitrary<Body> => {
    if (target === 'body' && op.body) return oneFieldOff(op.body, known).map(json);
    if (target === 'body-any' && op.body) return anyFieldsOff(op.body, known).map(json);
    if (target === 'raw') return validBody.chain((v) => rawBody(v));
    if (takesBody) return validBody.map((value) => json({ value, label: 'valid body' }));
    return fc.constant({ label: 'no body' });
  };

  return fc.constantFrom(...parts).chain((target) =>
    fc
      .record({
        path: op.pathParams.length === 0 ? fc.constant<string[]>([]) : target === 'path' ? hostilePath(op, known) : validPath(op, known),
        query: target === 'query' ? hostileQuery(op.query, known) : validQuery(op.query, known),
        body: bodyFor(target),
        auth: target === 'auth' ? fc.constantFrom(...BAD_AUTH) : fc.constantFrom(...goodAuth),
        requestId: fc.constantFrom(...REQUEST_IDS),
      })
      .map(({ path, query, body, auth, requestId }) => {
        let url = op.path;
        op.pathParams.forEach((p, i) => (url = url.replace(`{${p.name}}`, path[i])));
        const headers: Record<string, string> = {};
        if (body.payload !== undefined) headers['content-type'] = body.contentType ?? 'application/json';
        if (auth.value !== undefined) headers.authorization = auth.value;
        if (requestId !== undefined) headers['x-request-id'] = requestId;
        return {
          method: op.method,
          url: url + query,
          headers,
          payload: body.payload,
          label: `${target}: ${body.label}; auth ${auth.label}`,
        };
      }),
  );
}
