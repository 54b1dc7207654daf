import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';

import { createSigner } from 'fast-jwt';

import { signPaystackBody } from '../src/infra/paystack/signature.ts';
import { buildTestApp, type TestApp } from './helpers/app.ts';
import { makeCourse, makeUser, type TestUser } from './helpers/factories.ts';
import { eventually } from './helpers/payments.ts';
import { apiOperations, routeInventory } from './helpers/routes.ts';

/**
 * Who calls. The four forged or dead credentials all claim to be the admin, so any
 * route that accepted one would hand out the most power there is. The operator holds
 * OPS_TOKEN, which opens the operator endpoints and nothing else.
 */
const CALLERS = [
  'anonymous',
  'student',
  'otherStudent',
  'instructor',
  'otherInstructor',
  'admin',
  'deactivated',
  'expired',
  'wrongKey',
  'algNone',
  'operator',
] as const;
type Caller = (typeof CALLERS)[number];

interface World {
  app: TestApp;
  users: Record<'student' | 'otherStudent' | 'instructor' | 'otherInstructor' | 'admin' | 'deactivated' | 'victim', TestUser>;
  /** The caller's own user id (the student's for callers that are nobody). */
  self(caller: Caller): string;
  course: { id: string; slug: string };
  draft: { id: string; slug: string };
  /** The student's pending payment. */
  reference: string;
  /** A free course the student is enrolled in and has completed, with a preview lesson, a lesson and a certificate. */
  learn: { id: string; slug: string; preview: string; lesson: string; draftLesson: string; certificate: string };
  /** The learning course's lesson ids in their current order. */
  lessonIds(): Promise<string[]>;
  /** A new lesson of the learning course (to be deleted). */
  freshLesson(): Promise<string>;
  freshRefreshToken(): Promise<string>;
}

interface Req {
  method: string;
  url: string;
  payload?: unknown;
  headers?: Record<string, string>;
}

interface Row {
  /** What this row checks, when a route has more than one. */
  what: string;
  request: (w: World, caller: Caller) => Req | Promise<Req>;
  /** Expected status per caller, in CALLERS order. */
  expect: readonly number[];
}

const OPS_TOKEN = 'ops-token-for-the-permission-matrix';
const unique = () => randomBytes(4).toString('hex');
const signedJson = (body: unknown) => {
  const raw = JSON.stringify(body);
  return {
    payload: raw,
    headers: { 'content-type': 'application/json', 'x-paystack-signature': signPaystackBody('sk_test_simulator', raw) },
  };
};

const all = (status: number) => CALLERS.map(() => status);
const newLesson = { title: 'A lesson', kind: 'text', bodyMarkdown: 'Text', durationS: 60 };
const get = (url: string) => () => ({ method: 'GET', url });

/**
 * The permission matrix: every route the router serves, every caller, the status
 * SPEC.md's 403-or-404 rule gives. A route the router serves without a row here (or a
 * row for a route that is gone) fails the test before any request is made.
 */
const MATRIX: Record<string, Row[]> = {
  //                                                                                                                         anon stu  oStu inst oIns admn deac expd wKey none oper
  'POST /api/v1/auth/register': [
    {
      what: 'a new account',
      request: () => ({
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: { email: `new-${unique()}@example.com`, password: 'long-enough-pw', firstName: 'N', lastName: 'U' },
      }),
      expect: all(201),
    },
  ],
  'POST /api/v1/auth/login': [
    {
      what: "the student's credentials",
      request: (w) => ({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: w.users.student.email, password: w.users.student.password },
      }),
      expect: all(200),
    },
  ],
  'POST /api/v1/auth/refresh': [
    {
      what: 'an unused refresh token',
      request: async (w) => ({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: await w.freshRefreshToken() } }),
      expect: all(200),
    },
  ],
  'POST /api/v1/auth/logout': [
    {
      what: 'any refresh token',
      request: () => ({ method: 'POST', url: '/api/v1/auth/logout', payload: { refreshToken: unique() } }),
      expect: all(204),
    },
  ],
  'GET /api/v1/auth/me': [
    { what: 'the caller', request: get('/api/v1/auth/me'), expect: [401, 200, 200, 200, 200, 200, 401, 401, 401, 401, 401] },
  ],
  // A wrong current password: refused (403) for every real caller, and no session ends.
  'POST /api/v1/auth/password': [
    {
      what: 'a wrong current password',
      request: () => ({
        method: 'POST',
        url: '/api/v1/auth/password',
        payload: { currentPassword: 'not-the-password', newPassword: 'a-new-password' },
      }),
      expect: [401, 403, 403, 403, 403, 403, 401, 401, 401, 401, 401],
    },
  ],
  // Public, and the same answer for every address; credentials are not read.
  'POST /api/v1/auth/password/forgot': [
    {
      what: 'any address',
      request: () => ({ method: 'POST', url: '/api/v1/auth/password/forgot', payload: { email: `nobody-${unique()}@example.com` } }),
      expect: all(202),
    },
  ],
  // The token is the only credential.
  'POST /api/v1/auth/password/reset': [
    {
      what: 'an unknown token',
      request: () => ({
        method: 'POST',
        url: '/api/v1/auth/password/reset',
        payload: { token: randomBytes(32).toString('base64url'), newPassword: 'a-new-password' },
      }),
      expect: all(400),
    },
  ],
  'POST /api/v1/auth/verify-email': [
    {
      what: 'an unknown token',
      request: () => ({ method: 'POST', url: '/api/v1/auth/verify-email', payload: { token: randomBytes(32).toString('base64url') } }),
      expect: all(400),
    },
  ],
  'POST /api/v1/auth/verify-email/resend': [
    {
      what: "the caller's own address",
      request: () => ({ method: 'POST', url: '/api/v1/auth/verify-email/resend' }),
      expect: [401, 202, 202, 202, 202, 202, 401, 401, 401, 401, 401],
    },
  ],
  'GET /api/v1/users': [
    { what: 'the user list', request: get('/api/v1/users'), expect: [401, 403, 403, 403, 403, 200, 401, 401, 401, 401, 401] },
  ],
  'GET /api/v1/users/:id': [
    {
      what: "the student's profile",
      request: (w) => ({ method: 'GET', url: `/api/v1/users/${w.users.student.id}` }),
      expect: [401, 200, 404, 404, 404, 200, 401, 401, 401, 401, 401],
    },
  ],
  'PATCH /api/v1/users/:id': [
    {
      what: "the student's names",
      request: (w) => ({ method: 'PATCH', url: `/api/v1/users/${w.users.student.id}`, payload: { firstName: 'Renamed' } }),
      expect: [401, 200, 404, 404, 404, 200, 401, 401, 401, 401, 401],
    },
    {
      what: 'isActive on oneself',
      request: (w, c) => ({ method: 'PATCH', url: `/api/v1/users/${w.self(c)}`, payload: { isActive: true } }),
      expect: [401, 403, 403, 403, 403, 200, 401, 401, 401, 401, 401],
    },
    {
      what: "another user's role",
      request: (w) => ({ method: 'PATCH', url: `/api/v1/users/${w.users.victim.id}`, payload: { role: 'instructor' } }),
      expect: [401, 404, 404, 404, 404, 200, 401, 401, 401, 401, 401],
    },
  ],
  'DELETE /api/v1/users/:id': [
    {
      what: 'another user',
      request: (w) => ({ method: 'DELETE', url: `/api/v1/users/${w.users.victim.id}` }),
      expect: [401, 404, 404, 404, 404, 204, 401, 401, 401, 401, 401],
    },
    // The admin is the last one: deactivating itself would leave nobody to undo it.
    {
      what: 'oneself',
      request: (w, c) => ({ method: 'DELETE', url: `/api/v1/users/${w.self(c)}` }),
      expect: [401, 403, 403, 403, 403, 409, 401, 401, 401, 401, 401],
    },
  ],
  // Public and reads no credentials at all, so a forged one changes nothing.
  'GET /api/v1/courses': [{ what: 'the catalogue', request: get('/api/v1/courses'), expect: all(200) }],
  // Public, but a credential that is sent must be valid.
  'GET /api/v1/courses/:idOrSlug': [
    {
      what: 'a published course',
      request: (w) => ({ method: 'GET', url: `/api/v1/courses/${w.course.slug}` }),
      expect: [200, 200, 200, 200, 200, 200, 401, 401, 401, 401, 401],
    },
    {
      what: "the instructor's draft",
      request: (w) => ({ method: 'GET', url: `/api/v1/courses/${w.draft.id}` }),
      expect: [404, 404, 404, 200, 404, 200, 401, 401, 401, 401, 401],
    },
  ],
  'POST /api/v1/courses': [
    {
      what: 'a new course',
      request: () => ({ method: 'POST', url: '/api/v1/courses', payload: { title: `New ${unique()}`, description: '', price: 100 } }),
      expect: [401, 403, 403, 201, 201, 201, 401, 401, 401, 401, 401],
    },
  ],
  'PATCH /api/v1/courses/:idOrSlug': [
    {
      what: "the instructor's published course",
      request: (w) => ({ method: 'PATCH', url: `/api/v1/courses/${w.course.id}`, payload: { description: 'Edited' } }),
      expect: [401, 403, 403, 200, 403, 200, 401, 401, 401, 401, 401],
    },
    {
      what: "the instructor's draft",
      request: (w) => ({ method: 'PATCH', url: `/api/v1/courses/${w.draft.id}`, payload: { description: 'Edited' } }),
      expect: [401, 404, 404, 200, 404, 200, 401, 401, 401, 401, 401],
    },
  ],
  'POST /api/v1/payments/initialize': [
    {
      what: 'a published course',
      request: (w) => ({ method: 'POST', url: '/api/v1/payments/initialize', payload: { courseId: w.course.id } }),
      expect: [401, 201, 201, 201, 201, 201, 401, 401, 401, 401, 401],
    },
    {
      what: 'a draft (not for sale, even to its instructor)',
      request: (w) => ({ method: 'POST', url: '/api/v1/payments/initialize', payload: { courseId: w.draft.id } }),
      expect: [401, 404, 404, 404, 404, 404, 401, 401, 401, 401, 401],
    },
  ],
  'GET /api/v1/payments/verify/:reference': [
    {
      what: "the student's payment",
      request: (w) => ({ method: 'GET', url: `/api/v1/payments/verify/${w.reference}` }),
      expect: [401, 200, 404, 404, 404, 200, 401, 401, 401, 401, 401],
    },
  ],
  'GET /api/v1/payments': [
    { what: 'own payments', request: get('/api/v1/payments'), expect: [401, 200, 200, 200, 200, 200, 401, 401, 401, 401, 401] },
  ],
  // Pending, so even the admin is refused (409): the matrix changes no money.
  'POST /api/v1/payments/:reference/refund': [
    {
      what: "the student's payment",
      request: (w) => ({ method: 'POST', url: `/api/v1/payments/${w.reference}/refund`, payload: {} }),
      expect: [401, 403, 404, 404, 404, 409, 401, 401, 401, 401, 401],
    },
  ],
  // Paystack's signature is the only credential; bearer tokens are ignored.
  'POST /api/v1/payments/webhook': [
    {
      what: 'signed',
      request: () => ({ method: 'POST', url: '/api/v1/payments/webhook', ...signedJson({ event: 'transfer.success', data: {} }) }),
      expect: all(200),
    },
    {
      what: 'unsigned',
      request: () => ({ method: 'POST', url: '/api/v1/payments/webhook', payload: { event: 'charge.success', data: { reference: 'x' } } }),
      expect: all(401),
    },
  ],
  'GET /api/v1/enrollments': [
    { what: 'own enrollments', request: get('/api/v1/enrollments'), expect: [401, 200, 200, 200, 200, 200, 401, 401, 401, 401, 401] },
  ],
  // Learning. The student is enrolled in the learning course (and completed it); nobody else is.
  'GET /api/v1/courses/:idOrSlug/lessons': [
    {
      what: 'the outline of a published course',
      request: (w) => ({ method: 'GET', url: `/api/v1/courses/${w.learn.slug}/lessons` }),
      expect: [200, 200, 200, 200, 200, 200, 401, 401, 401, 401, 401],
    },
    {
      what: "the outline of the instructor's draft",
      request: (w) => ({ method: 'GET', url: `/api/v1/courses/${w.draft.id}/lessons` }),
      expect: [404, 404, 404, 200, 404, 200, 401, 401, 401, 401, 401],
    },
  ],
  'POST /api/v1/courses/:idOrSlug/lessons': [
    {
      what: 'a lesson in a published course',
      request: (w) => ({ method: 'POST', url: `/api/v1/courses/${w.learn.id}/lessons`, payload: newLesson }),
      expect: [401, 403, 403, 201, 403, 201, 401, 401, 401, 401, 401],
    },
    {
      what: "a lesson in the instructor's draft",
      request: (w) => ({ method: 'POST', url: `/api/v1/courses/${w.draft.slug}/lessons`, payload: newLesson }),
      expect: [401, 404, 404, 201, 404, 201, 401, 401, 401, 401, 401],
    },
  ],
  'PUT /api/v1/courses/:idOrSlug/lessons/order': [
    {
      what: 'the same order again',
      request: async (w) => ({
        method: 'PUT',
        url: `/api/v1/courses/${w.learn.id}/lessons/order`,
        payload: { lessonIds: await w.lessonIds() },
      }),
      expect: [401, 403, 403, 200, 403, 200, 401, 401, 401, 401, 401],
    },
  ],
  'GET /api/v1/courses/:idOrSlug/progress': [
    {
      what: 'own progress (enrolled students only, staff included)',
      request: (w) => ({ method: 'GET', url: `/api/v1/courses/${w.learn.id}/progress` }),
      expect: [401, 200, 403, 403, 403, 403, 401, 401, 401, 401, 401],
    },
  ],
  'GET /api/v1/courses/:idOrSlug/enrollments': [
    {
      what: "a course's students",
      request: (w) => ({ method: 'GET', url: `/api/v1/courses/${w.learn.id}/enrollments` }),
      expect: [401, 403, 403, 200, 403, 200, 401, 401, 401, 401, 401],
    },
    {
      what: "the draft's students",
      request: (w) => ({ method: 'GET', url: `/api/v1/courses/${w.draft.id}/enrollments` }),
      expect: [401, 404, 404, 200, 404, 200, 401, 401, 401, 401, 401],
    },
  ],
  'GET /api/v1/lessons/:id': [
    {
      what: 'a preview lesson',
      request: (w) => ({ method: 'GET', url: `/api/v1/lessons/${w.learn.preview}` }),
      expect: [200, 200, 200, 200, 200, 200, 401, 401, 401, 401, 401],
    },
    {
      what: 'a lesson (enrolled, instructor, admin)',
      request: (w) => ({ method: 'GET', url: `/api/v1/lessons/${w.learn.lesson}` }),
      expect: [401, 200, 403, 200, 403, 200, 401, 401, 401, 401, 401],
    },
    {
      what: "a preview lesson of the instructor's draft",
      request: (w) => ({ method: 'GET', url: `/api/v1/lessons/${w.learn.draftLesson}` }),
      expect: [404, 404, 404, 200, 404, 200, 401, 401, 401, 401, 401],
    },
  ],
  'PATCH /api/v1/lessons/:id': [
    {
      what: 'a lesson of a published course',
      request: (w) => ({ method: 'PATCH', url: `/api/v1/lessons/${w.learn.lesson}`, payload: { durationS: 120 } }),
      expect: [401, 403, 403, 200, 403, 200, 401, 401, 401, 401, 401],
    },
    {
      what: "a lesson of the instructor's draft",
      request: (w) => ({ method: 'PATCH', url: `/api/v1/lessons/${w.learn.draftLesson}`, payload: { durationS: 120 } }),
      expect: [401, 404, 404, 200, 404, 200, 401, 401, 401, 401, 401],
    },
  ],
  'DELETE /api/v1/lessons/:id': [
    {
      what: 'a lesson of a published course',
      request: async (w) => ({ method: 'DELETE', url: `/api/v1/lessons/${await w.freshLesson()}` }),
      expect: [401, 403, 403, 204, 403, 204, 401, 401, 401, 401, 401],
    },
  ],
  'PUT /api/v1/lessons/:id/progress': [
    {
      what: 'marking a lesson complete (enrolled students only, staff included)',
      request: (w) => ({ method: 'PUT', url: `/api/v1/lessons/${w.learn.lesson}/progress`, payload: { completed: true } }),
      expect: [401, 200, 403, 403, 403, 403, 401, 401, 401, 401, 401],
    },
  ],
  // Public: the id is a 128-bit capability the student shares; no credential is read.
  'GET /api/v1/certificates/:id': [
    { what: 'a certificate', request: (w) => get(`/api/v1/certificates/${w.learn.certificate}`)(), expect: all(200) },
  ],
  'GET /certificates/:id': [
    { what: 'its printable page', request: (w) => get(`/certificates/${w.learn.certificate}`)(), expect: all(200) },
  ],
  'GET /healthz': [{ what: 'liveness', request: get('/healthz'), expect: all(200) }],
  'GET /readyz': [{ what: 'readiness', request: get('/readyz'), expect: all(200) }],
  // Operator endpoints: OPS_TOKEN only; no user token, not even the admin's, opens them.
  'GET /metrics': [{ what: 'metrics', request: get('/metrics'), expect: [401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 200] }],
  'GET /ops/data': [{ what: 'dashboard data', request: get('/ops/data'), expect: [401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 200] }],
  // Hidden routes: pages and files that hold no data of anyone's.
  'GET /ops': [{ what: 'the dashboard page (asks for the token itself)', request: get('/ops'), expect: all(200) }],
  'GET /ops/app.js': [{ what: 'its script', request: get('/ops/app.js'), expect: all(200) }],
  'GET /ops/app.css': [{ what: 'its style', request: get('/ops/app.css'), expect: all(200) }],
  // The reference is an unguessable 96-bit capability that Paystack puts in the redirect;
  // the page shows the payment's status, course title and amount, nothing about the payer.
  'GET /payments/callback': [
    {
      what: "the student's payment by reference",
      request: (w) => ({ method: 'GET', url: `/payments/callback?reference=${w.reference}` }),
      expect: all(200),
    },
  ],
  // The pages behind the links in mails: static, holding no data; their script sends the token.
  'GET /reset-password': [{ what: 'the reset page', request: get('/reset-password?token=x'), expect: all(200) }],
  'GET /verify-email': [{ what: 'the verification page', request: get('/verify-email?token=x'), expect: all(200) }],
  'GET /account/account.js': [{ what: 'their script', request: get('/account/account.js'), expect: all(200) }],
  'GET /account/account.css': [{ what: 'their style', request: get('/account/account.css'), expect: all(200) }],
  // The built-in mailbox: development only; HOST is a loopback address here, so it is open
  // to whoever can reach it (test/mail-mailbox.test.ts covers production and other hosts).
  'GET /dev/mailbox': [{ what: 'the mailbox page', request: get('/dev/mailbox'), expect: all(200) }],
  'GET /dev/mailbox.json': [{ what: 'the mailbox as JSON', request: get('/dev/mailbox.json'), expect: all(200) }],
  'GET /openapi.json': [{ what: 'the API reference', request: get('/openapi.json'), expect: all(200) }],
  'GET /docs': [{ what: 'the reference page', request: get('/docs'), expect: all(200) }],
  'GET /docs/docs.css': [{ what: 'its style', request: get('/docs/docs.css'), expect: all(200) }],
  'GET /docs/json': [{ what: 'the document', request: get('/docs/json'), expect: all(200) }],
  'GET /docs/try': [{ what: 'Swagger UI', request: get('/docs/try'), expect: all(200) }],
  'GET /docs/try/json': [{ what: 'its document', request: get('/docs/try/json'), expect: all(200) }],
  'GET /docs/try/yaml': [{ what: 'its document as YAML', request: get('/docs/try/yaml'), expect: all(200) }],
  'GET /docs/try/static/index.html': [
    { what: 'the old entry page, redirected', request: get('/docs/try/static/index.html'), expect: all(302) },
  ],
  'GET /docs/try/static/swagger-initializer.js': [
    { what: 'its start script', request: get('/docs/try/static/swagger-initializer.js'), expect: all(200) },
  ],
  'GET /docs/try/static/*': [{ what: 'its static files', request: get('/docs/try/static/swagger-ui.css'), expect: all(200) }],
};

/** Access tokens that must never work, each claiming to be `as`. */
function forgedTokens(secret: string, as: TestUser) {
  const claims = { sub: as.id, role: as.role, tv: 0 };
  const now = Math.floor(Date.now() / 1000);
  // Expired a minute ago: well past the 5 s clock tolerance.
  const expired = createSigner({ key: secret, algorithm: 'HS256', iss: 'it360acad' })({ ...claims, iat: now - 960, exp: now - 60 });
  const wrongKey = createSigner({
    key: 'another-key-another-key-another-key-0123',
    algorithm: 'HS256',
    iss: 'it360acad',
    expiresIn: 900_000,
  })(claims);
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const algNone = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, iss: 'it360acad', iat: now, exp: now + 900 })}.`;
  return { expired, wrongKey, algNone };
}

test('permission matrix: every route × every caller answers as SPEC.md says', async (t) => {
  const started = performance.now();
  // Every caller logs in as the student from one address: the matrix checks permissions,
  // not the per-(account, address) hashing share (test/login-fairness.test.ts does).
  const app = await buildTestApp(t, { OPS_TOKEN, LOGIN_HASHES_PER_ACCOUNT: '100' });

  // Every route the router serves has a row, and every row a route.
  const documented = (await apiOperations()).map((o) => o.key);
  const served = (await routeInventory()).map((r) => `${r.method} ${r.url}`);
  const missing = [...new Set([...documented, ...served])].filter((k) => !(k in MATRIX));
  assert.deepEqual(
    missing,
    [],
    `routes without a row in the permission matrix (add one, with the status each caller must get): ${missing.join(', ')}`,
  );
  const stale = Object.keys(MATRIX).filter((k) => !served.includes(k));
  assert.deepEqual(stale, [], `rows for routes that no longer exist: ${stale.join(', ')}`);

  const users = {
    admin: await makeUser(app, 'admin'),
    student: await makeUser(app, 'student'),
    otherStudent: await makeUser(app, 'student'),
    instructor: await makeUser(app, 'instructor'),
    otherInstructor: await makeUser(app, 'instructor'),
    deactivated: await makeUser(app, 'student'),
    // Verified: the admin's row makes it an instructor, which needs a proven address.
    victim: await makeUser(app, 'student', { emailVerified: true }),
  };
  const course = await makeCourse(app, users.instructor, { price: 400_000 });
  const draft = await makeCourse(app, users.instructor, { isPublished: false });
  const init = await app.inject({
    method: 'POST',
    url: '/api/v1/payments/initialize',
    headers: users.student.auth,
    payload: { courseId: course.id },
  });
  assert.equal(init.statusCode, 201, init.body);
  assert.equal(
    (await app.inject({ method: 'DELETE', url: `/api/v1/users/${users.deactivated.id}`, headers: users.admin.auth })).statusCode,
    204,
  );
  const forged = forgedTokens(app.c.config.jwtSecret!, users.admin);

  // The learning course: free, the student enrolled and through it (a certificate).
  const learnCourse = await makeCourse(app, users.instructor, { price: 0 });
  const addLesson = async (course: string, extra: Record<string, unknown> = {}) => {
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/courses/${course}/lessons`,
      headers: users.instructor.auth,
      payload: { ...newLesson, ...extra },
    });
    assert.equal(res.statusCode, 201, res.body);
    return res.json().id as string;
  };
  const preview = await addLesson(learnCourse.id, { isPreview: true });
  const lesson = await addLesson(learnCourse.id);
  const draftLesson = await addLesson(draft.id, { isPreview: true });
  const free = await app.inject({
    method: 'POST',
    url: '/api/v1/payments/initialize',
    headers: users.student.auth,
    payload: { courseId: learnCourse.id },
  });
  assert.equal(free.json().status, 'success', free.body);
  let certificate = '';
  for (const id of [preview, lesson]) {
    const res = await app.inject({
      method: 'PUT',
      url: `/api/v1/lessons/${id}/progress`,
      headers: users.student.auth,
      payload: { completed: true },
    });
    certificate = res.json().certificateId as string;
  }
  assert.ok(certificate, 'the student holds a certificate');

  const header: Record<Caller, string | undefined> = {
    anonymous: undefined,
    student: users.student.auth.authorization,
    otherStudent: users.otherStudent.auth.authorization,
    instructor: users.instructor.auth.authorization,
    otherInstructor: users.otherInstructor.auth.authorization,
    admin: users.admin.auth.authorization,
    deactivated: users.deactivated.auth.authorization,
    expired: `Bearer ${forged.expired}`,
    wrongKey: `Bearer ${forged.wrongKey}`,
    algNone: `Bearer ${forged.algNone}`,
    operator: `Bearer ${OPS_TOKEN}`,
  };
  const world: World = {
    app,
    users,
    self: (c) => (c in users ? users[c as keyof typeof users].id : users.student.id),
    course,
    draft,
    reference: init.json().reference,
    learn: { id: learnCourse.id, slug: learnCourse.slug, preview, lesson, draftLesson, certificate },
    async lessonIds() {
      const res = await app.inject({ method: 'GET', url: `/api/v1/courses/${learnCourse.id}/lessons` });
      return (res.json().items as { id: string }[]).map((l) => l.id);
    },
    freshLesson: () => addLesson(learnCourse.id),
    async freshRefreshToken() {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: users.otherStudent.email, password: users.otherStudent.password },
      });
      return res.json().refreshToken as string;
    },
  };

  // Start-up work can leave the event loop behind once; load shedding would then answer
  // 503, which is about load, not permissions.
  await eventually(async () => !app.c.app.isUnderPressure(), 5000, 'the app to be out of load shedding');

  const wrong: string[] = [];
  let checks = 0;
  for (const [key, rows] of Object.entries(MATRIX)) {
    for (const row of rows) {
      assert.equal(row.expect.length, CALLERS.length, `${key} (${row.what}): one status per caller`);
      for (const [i, caller] of CALLERS.entries()) {
        const req = await row.request(world, caller);
        const headers = { ...(req.headers ?? {}), ...(header[caller] ? { authorization: header[caller] } : {}) };
        const res = await app.inject({ method: req.method as 'GET', url: req.url, headers, payload: req.payload as string });
        checks += 1;
        if (res.statusCode !== row.expect[i])
          wrong.push(`${key} (${row.what}) as ${caller}: expected ${row.expect[i]}, got ${res.statusCode} ${res.body.slice(0, 160)}`);
      }
    }
  }
  assert.deepEqual(wrong, []);
  const rowCount = Object.values(MATRIX).reduce((n, rows) => n + rows.length, 0);
  process.stdout.write(
    `# permission matrix: ${Object.keys(MATRIX).length} routes (${rowCount} rows) x ${CALLERS.length} callers = ${checks} checks in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
});
