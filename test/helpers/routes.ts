import assert from 'node:assert/strict';

import { generateOpenApi, listRoutes, type RouteEntry } from '../../src/openapi.ts';

/** The subset of JSON Schema (OpenAPI 3.0 dialect) our route schemas use. */
export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  minProperties?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  default?: unknown;
  $ref?: string;
}

export interface Param {
  name: string;
  required: boolean;
  schema: JsonSchema;
}

/** One operation of the OpenAPI document, in the shape the matrix and the fuzzer use. */
export interface Operation {
  method: string;
  /** As the document writes it: /api/v1/users/{id}. */
  path: string;
  /** As the router writes it: /api/v1/users/:id. */
  route: string;
  pathParams: Param[];
  query: Param[];
  body?: JsonSchema;
  secured: boolean;
  /** `METHOD route`, the key of the permission matrix. */
  key: string;
  /** The documented responses: status → media types (none for a response without a body). */
  responses: Record<string, string[]>;
  /** The JSON pointer of the operation in the document (for a validator of its response bodies). */
  pointer: string;
}

type Doc = {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { name: string; in: string; required?: boolean; schema: JsonSchema }[];
        requestBody?: { content: Record<string, { schema: JsonSchema }> };
        security?: unknown[];
        responses: Record<string, { content?: Record<string, unknown> }>;
      }
    >
  >;
  components?: { schemas?: Record<string, JsonSchema> };
};

function deref(doc: Doc, s: JsonSchema): JsonSchema {
  if (s.$ref) return deref(doc, doc.components?.schemas?.[s.$ref.replace('#/components/schemas/', '')] ?? {});
  const out: JsonSchema = { ...s };
  if (s.properties) out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, deref(doc, v)]));
  if (s.anyOf) out.anyOf = s.anyOf.map((x) => deref(doc, x));
  return out;
}

export const toRoute = (openApiPath: string) => openApiPath.replace(/\{(\w+)\}/g, ':$1');

/** Every operation of the generated OpenAPI document. */
export async function apiOperations(): Promise<Operation[]> {
  const doc = (await generateOpenApi()) as Doc;
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(methods)) {
      const params = op.parameters ?? [];
      const pick = (where: string) =>
        params.filter((p) => p.in === where).map((p) => ({ name: p.name, required: p.required === true, schema: deref(doc, p.schema) }));
      const body = op.requestBody?.content['application/json']?.schema;
      const method = m.toUpperCase();
      ops.push({
        method,
        path,
        route: toRoute(path),
        pathParams: pick('path'),
        query: pick('query'),
        body: body && deref(doc, body),
        // `{}` among the alternatives: the credentials are optional.
        secured: (op.security ?? []).length > 0 && !(op.security ?? []).some((s) => Object.keys(s as object).length === 0),
        key: `${method} ${toRoute(path)}`,
        responses: Object.fromEntries(Object.entries(op.responses).map(([s, r]) => [s, Object.keys(r.content ?? {})])),
        pointer: `/paths/${path.replaceAll('~', '~0').replaceAll('/', '~1')}/${m}`,
      });
    }
  }
  return ops;
}

/** Every route the router serves (hidden ones too), as `METHOD route` keys. */
export async function routeInventory(): Promise<RouteEntry[]> {
  return listRoutes();
}

/**
 * The document's promise for one operation, as a check of an answer: its status must be
 * documented, its media type one the document gives for that status, and a JSON 2xx body
 * must match the documented schema (ajv, with the document's components).
 */
export async function contractChecker(): Promise<(op: Operation, status: number, contentType: string | undefined, body: string) => void> {
  const { Ajv } = await import('ajv');
  const addFormats = (await import('ajv-formats')).default as unknown as (a: InstanceType<typeof Ajv>) => void;
  const doc = (await generateOpenApi()) as Record<string, unknown>;
  // OpenAPI 3.0 schemas are JSON Schema plus annotations (example, nullable) ajv can ignore.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(doc, 'openapi.json');
  const validators = new Map<string, ReturnType<typeof ajv.compile>>();
  return (op, status, contentType, body) => {
    const where = `${op.method} ${op.path} -> ${status}`;
    const declared = op.responses[String(status)];
    assert.ok(
      declared,
      `${where}: status not in the document (it declares ${Object.keys(op.responses).join(', ')}); body ${body.slice(0, 300)}`,
    );
    const media = contentType?.split(';')[0].trim().toLowerCase();
    if (declared.length === 0) {
      assert.equal(body, '', `${where}: a body where the document declares none`);
      return;
    }
    const match = declared.find((d) => d.split(';')[0].trim().toLowerCase() === media);
    assert.ok(match, `${where}: content type ${contentType} not in the document (${declared.join(', ')})`);
    if (status >= 200 && status < 300 && media === 'application/json') {
      const key = `${op.pointer}/${status}/${match}`;
      let validate = validators.get(key);
      if (!validate) {
        const ref = `openapi.json#${op.pointer}/responses/${status}/content/${match.replaceAll('/', '~1')}/schema`;
        validate = ajv.compile({ $ref: encodeURI(ref).replaceAll('%25', '%') });
        validators.set(key, validate);
      }
      assert.ok(
        validate(JSON.parse(body)),
        `${where}: body does not match the documented schema: ${ajv.errorsText(validate.errors)}; ${body.slice(0, 300)}`,
      );
    }
  };
}

/** The operation a request reaches (its path with dot segments removed, as a router sees it), if any. */
export function operationAt(operations: Operation[], method: string, url: string): Operation | undefined {
  const path = new URL(url, 'http://x').pathname.replace(/(.)\/$/, '$1');
  const candidates = operations.filter((o) => o.method === method && new RegExp(`^${o.path.replace(/\{\w+\}/g, '[^/]+')}$`).test(path));
  // A static segment wins over a parameter, as in the router: the fewest parameters first.
  return candidates.sort((a, b) => a.pathParams.length - b.pathParams.length)[0];
}
