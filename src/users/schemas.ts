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
  { $id: 'User' },
);
