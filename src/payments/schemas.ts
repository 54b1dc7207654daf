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
  {
    $id: 'Payment',
    example: {
      reference: 'it360-4f3a9c2b7e1d0a5b6c7d8e9f',
      status: 'success',
      amount: 2500000,
      currency: 'NGN',
      courseId: '3f0b6c1e-2d4a-4e8b-9c7d-1a2b3c4d5e6f',
      userId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
      paidAt: '2026-01-15T09:41:12.000Z',
      createdAt: '2026-01-15T09:40:00.000Z',
      updatedAt: '2026-01-15T09:41:12.000Z',
    },
  },
);
