/** The pure rules of lessons: who may do what, and what a lesson's fields may be. */
import type { Course } from '../courses/types.ts';
import { errors } from '../errors/index.ts';
import type { Caller } from '../shared/types.ts';
import { renderMarkdown } from './markdown.ts';
import type { Lesson, LessonBody, LessonChanges, LessonFields } from './types.ts';

/** SPEC.md: a lesson body is at most 200 KiB (of UTF-8). */
export const MAX_BODY_BYTES = 200 * 1024;

export const manages = (caller: Caller | undefined, course: Course) =>
  caller !== undefined && (caller.role === 'admin' || caller.id === course.instructorId);

/** Whether a video URL may be shown: https, on an allowed host, with no credentials in it. */
export function videoUrlProblem(raw: string, hosts: readonly string[]): string | undefined {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'must be a URL';
  }
  if (u.protocol !== 'https:') return 'must be an https URL';
  if (u.username || u.password) return 'must not hold credentials';
  if (!hosts.includes(u.hostname.toLowerCase())) return `must be on one of these hosts: ${hosts.join(', ')}`;
  return undefined;
}

/**
 * A lesson's fields after a create (no `existing`) or an edit: a text lesson has a
 * Markdown body and no video, a video lesson a URL and no body. Changing the kind needs
 * the new kind's content in the same request.
 */
export function lessonFields(input: LessonChanges, existing: Lesson | undefined, hosts: readonly string[]): LessonFields {
  const kind = input.kind ?? existing?.kind ?? 'text';
  const bad = (path: string, message: string) => errors.validation(`Invalid ${path.slice(5)}: ${message}`, [{ path, message }]);
  let bodyMarkdown: string | null = null;
  let videoUrl: string | null = null;
  if (kind === 'text') {
    if (input.videoUrl !== undefined) throw bad('body.videoUrl', 'a text lesson has no videoUrl');
    bodyMarkdown = input.bodyMarkdown ?? (existing?.kind === 'text' ? existing.bodyMarkdown : null);
    if (bodyMarkdown === null) throw bad('body.bodyMarkdown', 'a text lesson needs bodyMarkdown');
    if (Buffer.byteLength(bodyMarkdown) > MAX_BODY_BYTES) throw bad('body.bodyMarkdown', `must be at most ${MAX_BODY_BYTES} bytes`);
  } else {
    if (input.bodyMarkdown !== undefined) throw bad('body.bodyMarkdown', 'a video lesson has no bodyMarkdown');
    videoUrl = input.videoUrl ?? (existing?.kind === 'video' ? existing.videoUrl : null);
    if (videoUrl === null) throw bad('body.videoUrl', 'a video lesson needs videoUrl');
    const problem = videoUrlProblem(videoUrl, hosts);
    if (problem) throw bad('body.videoUrl', problem);
  }
  const title = (input.title ?? existing?.title ?? '').trim();
  if (!title) throw bad('body.title', 'must not be empty');
  return {
    title,
    kind,
    bodyMarkdown,
    // Rendered once, here, when the body is written (existing bodies are rendered again on an edit).
    bodyHtml: bodyMarkdown === null ? null : renderMarkdown(bodyMarkdown),
    videoUrl,
    durationS: input.durationS ?? existing?.durationS ?? 0,
    isPreview: input.isPreview ?? existing?.isPreview ?? false,
  };
}

/** The lesson as a reader gets it: a text lesson's Markdown and the HTML rendered when it was written; a video lesson's URL. */
export function readable(l: Lesson): LessonBody {
  const { bodyMarkdown, bodyHtml, videoUrl, ...summary } = l;
  if (l.kind === 'text') return { ...summary, bodyMarkdown: bodyMarkdown ?? '', bodyHtml: bodyHtml ?? '' };
  return { ...summary, videoUrl: videoUrl ?? '' };
}
