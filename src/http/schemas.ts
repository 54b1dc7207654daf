import { Type } from 'typebox';

import { DEFAULT_PAGE, DEFAULT_PAGE_SIZE } from '../shared/paging.ts';

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    requestId: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', description: 'application/problem+json' },
);

export const PageQuery = {
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: DEFAULT_PAGE })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: DEFAULT_PAGE_SIZE })),
};

export const Uuid = Type.String({ format: 'uuid' });
export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

// Names and addresses reach mail bodies (names) and a mail header (the address): no
// control characters at all (CR/LF would be header injection), and a name has a
// visible character.
const NO_CONTROLS = '[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029]';
export const Name = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: `^${NO_CONTROLS}*[^\\s\\u0000-\\u001F\\u007F-\\u009F]${NO_CONTROLS}*$`,
});
export const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254, pattern: `^${NO_CONTROLS}+$` });
export const Password = Type.String({ minLength: 8, maxLength: 128 });

/** Error responses every route may give, referenced so the OpenAPI document lists them. */
export function problems(...statuses: number[]) {
  const out: Record<number, unknown> = {};
  for (const s of [400, ...statuses, 503]) out[s] = Type.Ref('Problem');
  return out;
}

export function pageOf<T extends ReturnType<typeof Type.Object>>(item: T) {
  return Type.Object({ items: Type.Array(item), page: Type.Integer(), pageSize: Type.Integer(), total: Type.Integer() });
}
