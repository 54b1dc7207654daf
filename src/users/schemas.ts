import { Type } from 'typebox';

export const Role = Type.Union([Type.Literal('student'), Type.Literal('instructor'), Type.Literal('admin')]);

export const UserSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    email: Type.String(),
    firstName: Type.String(),
    lastName: Type.String(),
    role: Role,
    isActive: Type.Boolean(),
    emailVerifiedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: "When the address was proven to be the account's; null until then",
    }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  {
    $id: 'User',
    example: {
      id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
      email: 'ada@example.com',
      firstName: 'Ada',
      lastName: 'Obi',
      role: 'student',
      isActive: true,
      emailVerifiedAt: null,
      createdAt: '2026-01-15T09:30:00.000Z',
      updatedAt: '2026-01-15T09:30:00.000Z',
    },
  },
);
