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
  {
    $id: 'Course',
    example: {
      id: '3f0b6c1e-2d4a-4e8b-9c7d-1a2b3c4d5e6f',
      slug: 'intro-to-networking',
      title: 'Intro to Networking',
      description: 'TCP/IP from the ground up.',
      price: 2500000,
      currency: 'NGN',
      isPublished: true,
      instructorId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
      createdAt: '2026-01-15T09:30:00.000Z',
      updatedAt: '2026-01-15T09:30:00.000Z',
    },
  },
);
