export type LessonKind = 'text' | 'video';

/** A lesson as stored (the body as written). */
export interface Lesson {
  id: string;
  courseId: string;
  position: number;
  title: string;
  kind: LessonKind;
  durationS: number;
  isPreview: boolean;
  bodyMarkdown: string | null;
  /** The Markdown rendered to sanitised HTML when it was written. */
  bodyHtml: string | null;
  videoUrl: string | null;
  createdAt: string;
  updatedAt: string;
}

/** An outline entry: a lesson without its body. */
export type LessonSummary = Omit<Lesson, 'bodyMarkdown' | 'bodyHtml' | 'videoUrl'>;

/** A lesson as served to a reader: text lessons add their rendered HTML. */
export interface LessonBody extends LessonSummary {
  bodyMarkdown?: string;
  bodyHtml?: string;
  videoUrl?: string;
}

export interface NewLesson {
  title: string;
  kind: LessonKind;
  bodyMarkdown?: string;
  videoUrl?: string;
  durationS: number;
  isPreview?: boolean;
}

export type LessonChanges = Partial<NewLesson>;

/** A lesson's stored fields after a write (kind and its one body). */
export interface LessonFields {
  title: string;
  kind: LessonKind;
  bodyMarkdown: string | null;
  bodyHtml: string | null;
  videoUrl: string | null;
  durationS: number;
  isPreview: boolean;
}

export interface Progress {
  courseId: string;
  completedLessons: number;
  totalLessons: number;
  percent: number;
  completedAt: string | null;
  certificateId: string | null;
}

export interface Certificate {
  id: string;
  studentName: string;
  courseTitle: string;
  issuedAt: string;
  revoked: boolean;
}

export interface CourseStudent {
  user: { id: string; firstName: string; lastName: string; email: string };
  enrolledAt: string;
  progress: Progress;
}
