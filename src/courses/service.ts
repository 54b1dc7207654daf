import { randomBytes } from 'node:crypto';

import { errors } from '../errors/index.ts';
import type { CachedRead, Served } from '../shared/cached-read.ts';
import type { Caller, Page } from '../shared/types.ts';
import type { CourseRepository } from './repository.ts';
import type { Course, CourseChanges, NewCourse } from './types.ts';

export function slugify(title: string): string {
  const s = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
  return s || 'course';
}

export function createCourseService(deps: { courses: CourseRepository; cache: CachedRead }) {
  const { courses, cache } = deps;

  /** A course the caller may see: published, or theirs, or the caller is an admin. */
  function visible(c: Course, caller: Caller | undefined): boolean {
    return c.isPublished || (caller !== undefined && (caller.role === 'admin' || caller.id === c.instructorId));
  }

  async function load(idOrSlug: string) {
    return cache.read('courses', `one:${idOrSlug}`, async () => (await courses.findByIdOrSlug(idOrSlug)) ?? null);
  }

  return {
    async list(q: { page: number; pageSize: number; search?: string }): Promise<Served<Page<Course>>> {
      return cache.read('courses', `list:${q.page}:${q.pageSize}:${q.search ?? ''}`, () => courses.listPublished(q));
    },

    async get(caller: Caller | undefined, idOrSlug: string): Promise<Served<Course>> {
      const r = await load(idOrSlug);
      if (!r.value || !visible(r.value, caller)) throw errors.notFound('Course');
      return r as Served<Course>;
    },

    async create(caller: Caller, input: NewCourse): Promise<Course> {
      if (caller.role !== 'instructor' && caller.role !== 'admin') throw errors.forbidden('Only instructors and admins can create courses');
      const explicit = input.slug !== undefined;
      let slug = input.slug ?? slugify(input.title);
      for (let attempt = 0; attempt < 3; attempt++) {
        const created = await courses.create({
          title: input.title.trim(),
          slug,
          description: input.description ?? '',
          price: input.price,
          currency: input.currency ?? 'NGN',
          isPublished: input.isPublished ?? false,
          instructorId: caller.id,
        });
        if (created !== 'slug_taken') return created;
        if (explicit) throw errors.conflict(`The slug "${slug}" is already used by another course`);
        slug = `${slugify(input.title).slice(0, 70)}-${randomBytes(3).toString('hex')}`;
      }
      throw errors.conflict('Could not find a free slug for this title; give one explicitly');
    },

    async update(caller: Caller, id: string, patch: CourseChanges): Promise<Course> {
      const existing = await courses.findByIdOrSlug(id);
      if (!existing || !visible(existing, caller)) throw errors.notFound('Course');
      if (caller.role !== 'admin' && caller.id !== existing.instructorId)
        throw errors.forbidden('Only the course instructor or an admin can edit it');
      const updated = await courses.update(existing.id, patch);
      if (updated === 'slug_taken') throw errors.conflict(`The slug "${patch.slug}" is already used by another course`);
      if (!updated) throw errors.notFound('Course');
      return updated;
    },
  };
}

export type CourseService = ReturnType<typeof createCourseService>;
