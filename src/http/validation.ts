import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const common: Options = { strict: false, allErrors: false, useDefaults: true, removeAdditional: false };

/**
 * Bodies are JSON: their types are checked as sent ("5" is not a number, unknown
 * fields are refused). Query strings and paths are text, so there types are coerced.
 */
export function createValidation(sharedSchemas: object[]) {
  const bodyAjv = addFormats(new Ajv({ ...common, coerceTypes: false, schemas: sharedSchemas }));
  const textAjv = addFormats(new Ajv({ ...common, coerceTypes: 'array', schemas: sharedSchemas }));
  const compiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? bodyAjv : textAjv;
    return ajv.compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
  };
  return compiler;
}
