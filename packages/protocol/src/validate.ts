import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Static, TSchema } from '@sinclair/typebox';
import { CreatedEvent, STATE_EVENT_TYPES, StateEvent, type Envelope } from './envelope.js';
import { jsonTooDeep, TOO_DEEP_MESSAGE } from './json-depth.js';
import { LIMITS } from './limits.js';
import { mayBeUnstorable, unstorableIssues } from './storable.js';
import { isTimestamp } from './timestamp.js';

/** One failing field: JSON Pointer path into the input and what is wrong. */
export interface ValidationIssue {
  path: string;
  message: string;
}
export type Validated<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

/**
 * One Ajv instance for the whole process. `allErrors` so a producer sees
 * every bad field at once; no coercion, so wrong JSON types are rejected
 * rather than silently converted.
 */
export const ajv = withFormats(new Ajv({ allErrors: true, strict: false, coerceTypes: false }));

/** For query strings and path parameters, which are text on the wire: coerce to the schema's types. */
export const coercingAjv = withFormats(new Ajv({ allErrors: true, strict: false, coerceTypes: true }));

/**
 * `date-time` is the timestamp domain of timestamp.ts (RFC 3339 that Postgres
 * and `Date` both take), not ajv-formats' looser one: every schema saying
 * `format: 'date-time'` gets the storable definition.
 */
function withFormats(instance: Ajv): Ajv {
  return instance.addFormat('date-time', { type: 'string', validate: isTimestamp });
}

export function toIssues(errors: ErrorObject[] | null | undefined, prefix = ''): ValidationIssue[] {
  const byPath = new Map<string, ValidationIssue>();
  for (const e of errors ?? []) {
    const issue = toIssue(e, prefix);
    // One issue per field: with allErrors a field can fail several keywords.
    if (!byPath.has(issue.path)) byPath.set(issue.path, issue);
  }
  return [...byPath.values()];
}

function toIssue(e: ErrorObject, prefix: string): ValidationIssue {
  let path = prefix + e.instancePath;
  let message = e.message ?? 'is invalid';
  if (e.keyword === 'additionalProperties') {
    path = `${path}/${String((e.params as { additionalProperty: string }).additionalProperty)}`;
    message = 'is not allowed';
  } else if (e.keyword === 'required') {
    path = `${path}/${String((e.params as { missingProperty: string }).missingProperty)}`;
    message = 'is required';
  }
  return { path: path === '' ? '/' : path, message };
}

/** Compiles a TypeBox schema into a validator returning field issues. */
export function compile<S extends TSchema>(schema: S): (value: unknown) => Validated<Static<S>> {
  const fn: ValidateFunction = ajv.compile(schema);
  return (value) =>
    fn(value) ? { ok: true, value: value as Static<S> } : { ok: false, issues: toIssues(fn.errors) };
}

const checkCreated = compile(CreatedEvent);
const checkState = compile(StateEvent);

export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

/**
 * Validates an envelope, dispatching on `type` first so errors talk about
 * the fields of that event type rather than every branch of the union.
 * Size limits are checked on the serialized form, as it will travel.
 */
export function validateEnvelope(value: unknown, serialized?: string): Validated<Envelope> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, issues: [{ path: '/', message: 'must be an object' }] };
  }
  const type = (value as { type?: unknown }).type;
  const result =
    type === 'notification.created'
      ? checkCreated(value)
      : (STATE_EVENT_TYPES as readonly unknown[]).includes(type)
        ? collapseStateData(checkState(value))
        : { ok: false as const, issues: [{ path: '/type', message: 'must be a known event type' }] };
  if (!result.ok) return result;
  // One serialisation serves the size limit and the cheap pre-check for unstorable strings.
  const json = serialized ?? JSON.stringify(result.value);
  const issues = [...sizeIssues(result.value, json), ...(mayBeUnstorable(json) ? unstorableIssues(result.value) : [])];
  return issues.length > 0 ? { ok: false, issues } : result;
}

/** The union's branch-by-branch errors say nothing useful; say what is expected. */
function collapseStateData<T>(result: Validated<T>): Validated<T> {
  if (result.ok) return result;
  const other = result.issues.filter((i) => !i.path.startsWith('/data'));
  if (other.length === result.issues.length) return result;
  return {
    ok: false,
    issues: [...other, { path: '/data', message: 'must be {"notificationId": id} or {"all": true}' }],
  };
}

function sizeIssues(event: Envelope, json: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (event.type === 'notification.created' && event.data.payload !== undefined) {
    if (jsonBytes(event.data.payload) > LIMITS.payloadMaxBytes) {
      issues.push({ path: '/data/payload', message: `must be at most ${LIMITS.payloadMaxBytes} bytes as JSON` });
    }
  }
  if (Buffer.byteLength(json, 'utf8') > LIMITS.envelopeMaxBytes) {
    issues.push({ path: '/', message: `envelope must be at most ${LIMITS.envelopeMaxBytes} bytes as JSON` });
  }
  return issues;
}

/** Parses and validates a raw record value (consumers: persister, gateway). */
export function parseEnvelope(raw: string | Buffer | null): Validated<Envelope> {
  if (raw === null) return { ok: false, issues: [{ path: '/', message: 'record has no value' }] };
  if (raw.length > LIMITS.envelopeMaxBytes) {
    return { ok: false, issues: [{ path: '/', message: `record exceeds ${LIMITS.envelopeMaxBytes} bytes` }] };
  }
  // Before JSON.parse: a deep record would overflow the stack of the parser or of what follows it.
  if (jsonTooDeep(raw)) return { ok: false, issues: [{ path: '/', message: TOO_DEEP_MESSAGE }] };
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, issues: [{ path: '/', message: 'is not valid JSON' }] };
  }
  return validateEnvelope(value, text);
}
