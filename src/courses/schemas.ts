import { Type } from 'typebox';

export const CourseSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    slug: Type.String(),
    title: Type.String(),
    description: Type.String(),
    price: Type.Integer({ description: 'minor units (kobo for NGN)' }),
    currency: Type.String(),
    isPublished: Type.Boolean(),
    instructorId: Type.String({ format: 'uuid' }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Course' },
);
