import { Type } from 'typebox';

const summary = {
  id: Type.String({ format: 'uuid' }),
  courseId: Type.String({ format: 'uuid' }),
  position: Type.Integer({ minimum: 1 }),
  title: Type.String(),
  kind: Type.Union([Type.Literal('text'), Type.Literal('video')]),
  durationS: Type.Integer({ description: 'estimated seconds' }),
  isPreview: Type.Boolean({ description: 'readable by anyone while the course is published' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
};

export const LessonSummarySchema = Type.Object(summary, { $id: 'LessonSummary' });

export const LessonSchema = Type.Object(
  {
    ...summary,
    bodyMarkdown: Type.Optional(Type.String({ description: 'text lessons: the Markdown as written' })),
    bodyHtml: Type.Optional(Type.String({ description: 'text lessons: the Markdown rendered to sanitised HTML' })),
    videoUrl: Type.Optional(Type.String({ description: 'video lessons: an https URL on LESSON_VIDEO_HOSTS' })),
  },
  { $id: 'Lesson' },
);

export const ProgressSchema = Type.Object(
  {
    courseId: Type.String({ format: 'uuid' }),
    completedLessons: Type.Integer(),
    totalLessons: Type.Integer(),
    percent: Type.Integer({ minimum: 0, maximum: 100 }),
    completedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    certificateId: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'Progress' },
);

export const CertificateSchema = Type.Object(
  {
    id: Type.String(),
    studentName: Type.String(),
    courseTitle: Type.String(),
    issuedAt: Type.String({ format: 'date-time' }),
    revoked: Type.Boolean(),
  },
  { $id: 'Certificate' },
);
