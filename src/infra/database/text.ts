// With the u flag a surrogate pair is one code point, so only lone surrogates match.
const UNSTORABLE = /[\u0000\uD800-\uDFFF]/gu;

/**
 * The value with every string (keys included) made storable in PostgreSQL text and
 * jsonb: NUL, which both refuse, and lone UTF-16 surrogates, which have no UTF-8 form,
 * become U+FFFD. For data we must keep though we did not write it (a provider's event);
 * input from our own clients is refused instead, by validation.
 */
export function storable<T>(value: T): T {
  if (typeof value === 'string') return value.replace(UNSTORABLE, '\uFFFD') as T;
  if (Array.isArray(value)) return value.map((v: unknown) => storable(v)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [storable(k), storable(v)])) as T;
  }
  return value;
}
