-- Users, their refresh tokens, and courses.
CREATE TABLE users (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email         text NOT NULL,
  first_name    text NOT NULL,
  last_name     text NOT NULL,
  role          text NOT NULL DEFAULT 'student' CHECK (role IN ('student', 'instructor', 'admin')),
  is_active     boolean NOT NULL DEFAULT true,
  password_hash text NOT NULL,
  -- Bumped on deactivation and role change: access tokens carry the version they were
  -- issued with, and every process learns the new one through the change feed.
  token_version integer NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
-- Emails are stored lower-cased; the unique index is what makes "email taken" race-free.
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_created_at_idx ON users (created_at, id);

-- Refresh tokens rotate: each use replaces the token with a new one of the same family.
-- Presenting a token that was already replaced revokes the whole family.
CREATE TABLE refresh_tokens (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  family_id   uuid NOT NULL,
  token_hash  text NOT NULL UNIQUE,
  expires_at  timestamptz NOT NULL,
  replaced_at timestamptz,
  revoked_at  timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);

CREATE TABLE courses (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug          text NOT NULL UNIQUE,
  title         text NOT NULL,
  description   text NOT NULL DEFAULT '',
  price         bigint NOT NULL CHECK (price >= 0 AND price <= 1000000000),
  currency      text NOT NULL DEFAULT 'NGN' CHECK (currency ~ '^[A-Z]{3}$'),
  is_published  boolean NOT NULL DEFAULT false,
  instructor_id uuid NOT NULL REFERENCES users (id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX courses_published_idx ON courses (is_published, created_at, id);

-- Cache versions: every write bumps its scope's version in its own transaction and
-- announces it with NOTIFY; cache keys embed the version, so data cached before a
-- write can never be read after it, whatever happened to Redis in between.
CREATE TABLE cache_versions (
  scope   text PRIMARY KEY,
  version bigint NOT NULL DEFAULT 0
);
INSERT INTO cache_versions (scope) VALUES ('users'), ('courses');
