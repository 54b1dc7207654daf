import { Type } from 'typebox';

export const Status = Type.Union([
  Type.Literal('pending'),
  Type.Literal('success'),
  Type.Literal('failed'),
  Type.Literal('abandoned'),
  Type.Literal('expired'),
  Type.Literal('flagged'),
  Type.Literal('refund_pending'),
  Type.Literal('refunded'),
]);

export const PaymentSchema = Type.Object(
  {
    reference: Type.String(),
    status: Status,
    amount: Type.Integer({ description: 'minor units' }),
    currency: Type.String(),
    courseId: Type.String({ format: 'uuid' }),
    userId: Type.String({ format: 'uuid' }),
    paidAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Payment' },
);
