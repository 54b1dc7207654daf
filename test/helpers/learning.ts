import type { TestApp } from './app.ts';
import type { TestUser } from './factories.ts';

export interface Res {
  status: number;
  body: any;
  headers: Record<string, unknown>;
  text: string;
}

/** One request through the app, as `who` (anonymous when undefined). */
export async function call(app: Pick<TestApp, 'inject'>, method: string, url: string, who?: TestUser, payload?: unknown): Promise<Res> {
  const res = await app.inject({
    method: method as 'GET',
    url,
    headers: who ? who.auth : {},
    ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
  });
  let body: any;
  try {
    body = res.json();
  } catch {
    body = undefined;
  }
  return { status: res.statusCode, body, headers: res.headers, text: res.body };
}

/** Adds a text lesson to a course as `who`; throws unless 201. */
export async function addLesson(app: Pick<TestApp, 'inject'>, who: TestUser, course: string, over: Record<string, unknown> = {}) {
  const r = await call(app, 'POST', `/api/v1/courses/${course}/lessons`, who, {
    title: `Lesson ${Math.random().toString(36).slice(2, 8)}`,
    kind: 'text',
    bodyMarkdown: '# Hello\n\nSome *text*.',
    durationS: 300,
    ...over,
  });
  if (r.status !== 201) throw new Error(`lesson create failed: ${r.status} ${r.text}`);
  return r.body as { id: string; position: number; title: string };
}

/** Enrolls `who` in a free course (price 0 enrolls at once); throws unless it did. */
export async function enrollFree(app: Pick<TestApp, 'inject'>, who: TestUser, courseId: string): Promise<void> {
  const r = await call(app, 'POST', '/api/v1/payments/initialize', who, { courseId });
  if (r.status !== 201 || r.body.status !== 'success') throw new Error(`free enrollment failed: ${r.status} ${r.text}`);
}
