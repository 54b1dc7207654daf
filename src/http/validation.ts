import { Ajv, type ErrorObject, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const common: Options = { strict: false, allErrors: false, useDefaults: true, removeAdditional: false };

// With the u flag a surrogate pair is one code point, so only lone surrogates match.
const UNSTORABLE = /[\u0000\uD800-\uDFFF]/u;

/**
 * The JSON pointer of the first string (value or key) that PostgreSQL cannot store, or
 * would store changed: a NUL character (text and jsonb refuse it; the query would fail
 * as a 500) or a lone UTF-16 surrogate (UTF-8 has no encoding for it: stored as U+FFFD).
 */
export function findUnstorableText(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [k, v] of Object.entries(value)) {
    const here = `${path}/${k}`;
    if (UNSTORABLE.test(k)) return here;
    const found = findUnstorableText(v, here);
    if (found !== undefined) return found;
  }
  return undefined;
}

type Validate = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

/**
 * Bodies are JSON: their types are checked as sent ("5" is not a number, unknown
 * fields are refused). Query strings and paths are text, so there types are coerced.
 * Every part is then checked for text the database cannot store faithfully.
 */
export function createValidation(sharedSchemas: object[]) {
  const bodyAjv = addFormats(new Ajv({ ...common, coerceTypes: false, schemas: sharedSchemas }));
  const textAjv = addFormats(new Ajv({ ...common, coerceTypes: 'array', schemas: sharedSchemas }));
  const compiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? bodyAjv : textAjv;
    const byAjv = ajv.compile(schema as object);
    const validate: Validate = (data) => {
      if (!byAjv(data)) {
        validate.errors = byAjv.errors;
        return false;
      }
      const bad = findUnstorableText(data);
      if (bad !== undefined) {
        validate.errors = [
          { instancePath: bad, schemaPath: '#', keyword: 'text', params: {}, message: 'must be valid Unicode text without NUL characters' },
        ];
        return false;
      }
      validate.errors = null;
      return true;
    };
    return validate as ReturnType<FastifySchemaCompiler<unknown>>;
  };
  return compiler;
}
