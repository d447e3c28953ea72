import type { ValidationIssue } from './validate.js';

/**
 * NUL and unpaired UTF-16 surrogates are legal in JSON and in JavaScript
 * strings, but Postgres refuses them in `text` and `jsonb` ("unsupported
 * Unicode escape sequence", "invalid byte sequence"). An event carrying one
 * would be accepted by Kafka and then fail every persister transaction of
 * its partition, so such strings are rejected at the edge and dead-lettered
 * by consumers like any other invalid record.
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this looks for
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * A cheap pre-check on JSON text (as parsed, or as JSON.stringify wrote it):
 * false means no string in it can be unstorable — no NUL escape, no
 * surrogate escape, no surrogate character at all. True means "walk the
 * value" (emoji are paired surrogates and pass the walk).
 */
const MAYBE = /\\u0000|\\u[dD][89a-fA-F]|[\ud800-\udfff]/;
export function mayBeUnstorable(json: string): boolean {
  return MAYBE.test(json);
}

/** Issues for every string (value or object key) Postgres could not store, with its JSON Pointer path. */
export function unstorableIssues(value: unknown, path = ''): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  walk(value, path, out);
  return out;
}

function walk(value: unknown, path: string, out: ValidationIssue[]): void {
  if (typeof value === 'string') {
    if (UNSTORABLE.test(value)) out.push({ path: path || '/', message: 'must not contain NUL or unpaired surrogate characters' });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => walk(v, `${path}/${i}`, out));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const p = `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (UNSTORABLE.test(k)) out.push({ path: p, message: 'key must not contain NUL or unpaired surrogate characters' });
      walk(v, p, out);
    }
  }
}
