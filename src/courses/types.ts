export interface Course {
  id: string;
  slug: string;
  title: string;
  description: string;
  price: number;
  currency: string;
  isPublished: boolean;
  instructorId: string;
  createdAt: string;
  updatedAt: string;
}

export interface NewCourse {
  title: string;
  slug?: string;
  description?: string;
  price: number;
  currency?: string;
  isPublished?: boolean;
}

export type CourseChanges = Partial<Omit<NewCourse, never>>;
