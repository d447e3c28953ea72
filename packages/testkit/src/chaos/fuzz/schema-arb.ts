import fc from 'fast-check';
import { HOSTILE_STRINGS } from './harness.js';

/**
 * Valid-ish values from a JSON Schema (the protocol's TypeBox schemas), and
 * mutations of them: the fuzz inputs start near the contract and step off it
 * one field at a time, where validation bugs live.
 */
type Schema = {
  type?: string;
  const?: unknown;
  enum?: unknown[];
  anyOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
};

export function fromSchema(s: Schema): fc.Arbitrary<unknown> {
  if ('const' in s) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  if (s.anyOf) return fc.oneof(...s.anyOf.map(fromSchema));
  switch (s.type) {
    case 'object': {
      const props = Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, fromSchema(v)]));
      return fc.record(props, { requiredKeys: s.required ?? [] });
    }
    case 'array':
      return fc.array(fromSchema(s.items ?? {}), { minLength: s.minItems ?? 0, maxLength: Math.max(s.minItems ?? 0, Math.min(s.maxItems ?? 3, 3)) });
    case 'string': {
      const min = s.minLength ?? 0;
      const max = Math.min(s.maxLength ?? 40, 40);
      if (s.format === 'date-time') return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
      if (s.pattern && !s.pattern.includes('(?')) {
        const re = new RegExp(s.pattern);
        return fc.stringMatching(re).filter((x) => x.length >= Math.max(min, 1) && x.length <= max);
      }
      return fc.string({ minLength: min, maxLength: Math.max(min, max) });
    }
    case 'integer':
      return fc.integer();
    case 'number':
      return fc.double({ noNaN: true });
    case 'boolean':
      return fc.boolean();
    default:
      return fc.jsonValue({ maxDepth: 3 });
  }
}

const replacement = fc.oneof(
  fc.constantFrom<unknown>(...HOSTILE_STRINGS, null, '', 0, -1, 1e308, true, [], {}, '1970-01-01T00:00:00Z', '0000-00-00T00:00:00Z'),
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.integer({ min: 129, max: 20000 }).map((n) => 'x'.repeat(n)),
);

type Json = Record<string, unknown>;

/** One mutation of a generated object: replace, delete or add a field at some depth, or replace the whole. */
export function mutate(base: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc
    .tuple(base, fc.constantFrom('replace', 'delete', 'add', 'whole', 'none'), fc.nat(), replacement, fc.string({ maxLength: 12 }))
    .map(([value, op, pick, rep, key]) => {
      if (op === 'none') return value;
      if (op === 'whole' || typeof value !== 'object' || value === null) return rep;
      const copy = structuredClone(value) as Json;
      // Choose an object to edit: the root or one of its object-valued fields.
      const targets: Json[] = [copy, ...Object.values(copy).filter((v): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v))];
      const target = targets[pick % targets.length]!;
      const keys = Object.keys(target);
      const k = keys.length ? keys[pick % keys.length]! : key;
      if (op === 'replace') target[k] = rep;
      else if (op === 'delete') delete target[k];
      else target[key || '__proto__'] = rep;
      return copy;
    });
}
