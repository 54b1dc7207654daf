-- Learning: lessons of a course, each student's progress, and certificates.

-- A course's lessons in order. Positions are 1..n without gaps; the uniqueness is
-- checked at the end of each statement, so one UPDATE can permute them (a reorder).
-- Every write to a course's lessons first locks the course row: appends, deletes and
-- reorders of one course are serialised, and a reorder's permutation check holds.
CREATE TABLE lessons (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  course_id      uuid NOT NULL REFERENCES courses (id),
  position       integer NOT NULL CHECK (position >= 1),
  title          text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  kind           text NOT NULL CHECK (kind IN ('text', 'video')),
  -- Stored as written, 200 KiB of UTF-8 at most, and rendered to sanitised HTML once, when
  -- written: reads never render (rendering a large body costs CPU, and a read must not pay
  -- it again whenever the cache is cold or down).
  body_markdown  text CHECK (octet_length(body_markdown) <= 204800),
  body_html      text,
  video_url      text CHECK (video_url ~ '^https://'),
  duration_s     integer NOT NULL CHECK (duration_s BETWEEN 0 AND 86400),
  is_preview     boolean NOT NULL DEFAULT false,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'text' AND body_markdown IS NOT NULL AND body_html IS NOT NULL AND video_url IS NULL)
      OR (kind = 'video' AND video_url IS NOT NULL AND body_markdown IS NULL AND body_html IS NULL)),
  CONSTRAINT lessons_course_position_key UNIQUE (course_id, position) DEFERRABLE INITIALLY IMMEDIATE
);

-- A completed lesson is a row; un-completing deletes it. Deleting a lesson deletes its rows,
-- so progress is always counted against the lessons the course has now.
CREATE TABLE lesson_progress (
  user_id      uuid NOT NULL REFERENCES users (id),
  lesson_id    uuid NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
  completed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, lesson_id)
);
CREATE INDEX lesson_progress_lesson_idx ON lesson_progress (lesson_id);

-- One certificate per student and course, ever (the unique constraint makes issuing
-- once hold when requests race). The id is 128 random bits, base64url: unguessable.
-- A full refund revokes it; it is never deleted.
CREATE TABLE certificates (
  id          text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{22,64}$'),
  user_id     uuid NOT NULL REFERENCES users (id),
  course_id   uuid NOT NULL REFERENCES courses (id),
  issued_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz,
  UNIQUE (user_id, course_id)
);

-- Outlines and lesson bodies are cached under "lessons" (enrollments and certificates never are:
-- who may read what, and whether a certificate stands, are read from here on every request).
INSERT INTO cache_versions (scope) VALUES ('lessons');
