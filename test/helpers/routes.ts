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
      });
    }
  }
  return ops;
}

/** Every route the router serves (hidden ones too), as `METHOD route` keys. */
export async function routeInventory(): Promise<RouteEntry[]> {
  return listRoutes();
}
