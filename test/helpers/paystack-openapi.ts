import { readFileSync } from 'node:fs';

import type { ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';

/**
 * Paystack's own OpenAPI document, as vendored in the repository
 * (vendor/paystack-openapi/openapi.yaml, MIT, see the LICENSE beside it), and the known
 * differences between it and what real Paystack does. The document is never edited to
 * make a test pass: each difference is named here, with what each side says and how the
 * contract test applies it, and the test fails if one stops being true.
 */

// The OpenAPI document is untyped data, walked by key.
export type Json = Record<string, any>;

export const PAYSTACK_OPENAPI_PATH = new URL('../../vendor/paystack-openapi/openapi.yaml', import.meta.url);

export function loadPaystackOpenApi(): Json {
  return parseYaml(readFileSync(PAYSTACK_OPENAPI_PATH, 'utf8')) as Json;
}

export interface KnownDifference {
  id: string;
  /** What the document says. */
  document: string;
  /** What real Paystack does (and so the simulator and our client). */
  paystack: string;
  /** How the contract test applies it. */
  applied: string;
  /** True while the document still says what `document` describes: a fixed document retires the exception. */
  inDocument(doc: Json): boolean;
  /**
   * For a response-shape difference: the schema node whose check real Paystack's answers
   * fail, the keyword that fails, and the values for which that is the known difference.
   * A validation error is excused only when all three match; any other error fails.
   */
  excuses?: { node: (doc: Json) => unknown; keyword: string; value: (v: unknown) => boolean };
}

const errorCode = (doc: Json): Json => doc.components.schemas.Error.properties.code as Json;
const listPaidAt = (doc: Json): Json => doc.components.schemas.TransactionListResponseArray.properties.paidAt as Json;
const paramNames = (op: Json | undefined): string[] => ((op?.parameters ?? []) as Json[]).map((p) => p.name as string);

export const KNOWN_DIFFERENCES: readonly KnownDifference[] = [
  {
    id: 'error-code-values',
    document: 'Error.code is one of validation_error, processor_error, api_error',
    paystack:
      'those values come in `type`; `code` names the error itself (duplicate_reference, transaction_not_found, transaction_not_successful, not_found...)',
    applied:
      'an `enum` failure on Error.code is excused when the value is a snake_case code; every other property of the Error body is still checked',
    inDocument: (doc) => Array.isArray(errorCode(doc).enum) && !(errorCode(doc).enum as string[]).includes('transaction_not_found'),
    excuses: { node: errorCode, keyword: 'enum', value: (v) => typeof v === 'string' && /^[a-z][a-z0-9_]*$/.test(v) },
  },
  {
    id: 'transaction-list-paidAt-null',
    document: 'TransactionListResponseArray.paidAt is a string',
    paystack:
      'the list also returns unpaid transactions, whose paidAt is null (the document marks paid_at nullable beside it, and paidAt nullable on verify)',
    applied: 'a `type` failure on that paidAt is excused when the value is null',
    inDocument: (doc) => listPaidAt(doc).type === 'string' && listPaidAt(doc).nullable !== true,
    excuses: { node: listPaidAt, keyword: 'type', value: (v) => v === null },
  },
  {
    id: 'verify-unknown-reference-status',
    document: 'GET /transaction/verify/{reference} answers 404 NotFound for an unknown reference',
    paystack: 'answers 400 with code transaction_not_found (SPEC.md: "4xx")',
    applied: "the test expects 400 and checks the body against the document's 404 schema (the Error shape either way)",
    inDocument: (doc) => {
      const r = doc.paths['/transaction/verify/{reference}']?.get?.responses as Json | undefined;
      return r?.['404'] !== undefined && r?.['400'] === undefined;
    },
  },
  {
    id: 'transaction-list-page-size-name',
    document: 'GET /transaction names the page size per_page',
    paystack: "reads perPage, as its API reference and the same document's GET /refund do",
    applied: 'request side, not validated: the client sends perPage and the simulator accepts both',
    inDocument: (doc) =>
      paramNames(doc.paths['/transaction']?.get).includes('per_page') && !paramNames(doc.paths['/transaction']?.get).includes('perPage'),
  },
  {
    id: 'refund-list-transaction-filter',
    document: 'GET /refund documents only perPage, page, from and to',
    paystack: 'also filters by `transaction`, matching the numeric transaction id only (a reference matches nothing)',
    applied: "the test lists refunds by id (one match) and by reference (none), each checked against the document's list schema",
    inDocument: (doc) => !paramNames(doc.paths['/refund']?.get).includes('transaction'),
  },
  {
    id: 'server-error-body',
    document: '5xx answers are only "default: Server error", with no schema',
    paystack: 'JSON 5xx (and 429) bodies have the Error shape',
    applied: 'injected 503 and 429 bodies are checked against the Error schema',
    inDocument: (doc) => {
      const d = doc.paths['/transaction/verify/{reference}']?.get?.responses?.default as Json | undefined;
      return d !== undefined && d.content === undefined;
    },
  },
];

/** The known difference that excuses this validation error (Ajv with `verbose: true`), if any. */
export function excusedBy(doc: Json, e: ErrorObject): KnownDifference | undefined {
  return KNOWN_DIFFERENCES.find(
    (d) => d.excuses !== undefined && e.keyword === d.excuses.keyword && e.parentSchema === d.excuses.node(doc) && d.excuses.value(e.data),
  );
}
