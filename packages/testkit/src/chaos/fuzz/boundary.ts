import fc from 'fast-check';
import { EVENT_TYPES, STATE_EVENT_TYPES } from '@tidings/protocol';

/**
 * Generators at the edges of every field's domain (docs/contract.md §3 G1,
 * "accepted means storable"): timestamps with offsets up to ±23:59, years
 * 0000/0001/9999, leap seconds and lowercase separators; numbers near 2^63
 * and the double range; strings from every Unicode plane with NUL and lone
 * surrogates; JSON nested around LIMITS.jsonMaxDepth. Used by the storable
 * property test (persister) and the HTTP and WebSocket fuzzers.
 */
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export const boundaryTimestamp: fc.Arbitrary<string> = fc
  .record({
    y: fc.oneof(fc.constantFrom(0, 1, 2, 1970, 2024, 9998, 9999), fc.integer({ min: 0, max: 9999 })),
    mo: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constantFrom(0, 2, 13)),
    d: fc.oneof(fc.integer({ min: 1, max: 28 }), fc.constantFrom(0, 29, 30, 31, 32)),
    h: fc.oneof(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 23, 24)),
    mi: fc.oneof(fc.integer({ min: 0, max: 59 }), fc.constantFrom(0, 59, 60)),
    s: fc.oneof(fc.integer({ min: 0, max: 59 }), fc.constantFrom(0, 59, 60)),
    sep: fc.constantFrom('T', 'T', 't', ' '),
    frac: fc.option(fc.oneof(fc.stringMatching(/^\d{1,12}$/), fc.constantFrom('999999', '9999995', '9999999999')), { nil: undefined }),
    off: fc.oneof(
      fc.constantFrom('Z', 'z', '+00:00', '-00:00', '+15:59', '-15:59', '+16:00', '-16:00', '+20:00', '+23:59', '-23:59', '+14:00', '-12:00'),
      fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }).map((m) => `${m < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(m) / 60))}:${pad(Math.abs(m) % 60)}`),
    ),
  })
  .map((t) => `${pad(t.y, 4)}-${pad(t.mo)}-${pad(t.d)}${t.sep}${pad(t.h)}:${pad(t.mi)}:${pad(t.s)}${t.frac ? `.${t.frac}` : ''}${t.off}`);

export const boundaryNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(2 ** 63, -(2 ** 63), 2 ** 63 - 1, 2 ** 64, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, -0, 0.1, 1e21),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** Code points from every plane, plus NUL, lone surrogates and noncharacters. */
export const boundaryString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: fc.integer({ min: 0, max: 16 }).chain((plane) => fc.integer({ min: plane * 0x10000, max: plane * 0x10000 + 0xffff })).filter((c) => c < 0xd800 || c > 0xdfff).map((c) => String.fromCodePoint(c)), maxLength: 10 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', '\udc00x', 'x\ud83d', '\ud83d\ude00', '\ufffe\uffff', '\u{10ffff}', '\u2028\u2029', '\\u0000', ''),
);

/** A JSON value nested `depth` levels around `leaf`. */
export const nested = (depth: number, leaf: unknown): unknown => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v] : { k: v };
  return v;
};

const leaf: fc.Arbitrary<unknown> = fc.oneof(boundaryNumber, boundaryString, fc.boolean(), fc.constant(null));
export const boundaryPayload: fc.Arbitrary<unknown> = fc.oneof(
  fc.dictionary(boundaryString, leaf, { maxKeys: 4 }),
  fc.array(leaf, { maxLength: 5 }),
  fc.tuple(fc.oneof(fc.integer({ min: 1, max: 70 }), fc.constantFrom(60, 61, 62, 63, 64, 65)), leaf).map(([d, l]) => nested(d, l)),
  leaf,
);

/** Mostly valid, sometimes across the boundary: each case then probes a field or two, not all at once. */
const mostly = <T>(valid: fc.Arbitrary<T>, ...edges: fc.Arbitrary<T>[]) => fc.oneof({ weight: 6, arbitrary: valid }, ...edges.map((arbitrary) => ({ weight: 1, arbitrary })));
const idLike = mostly(fc.stringMatching(/^[\x21-\x7e]{1,20}$/), boundaryString, fc.constantFrom('x'.repeat(128), 'x'.repeat(129)));
const userLike = mostly(fc.stringMatching(/^[A-Za-z0-9_.:@-]{1,20}$/), boundaryString, fc.constant('u'.repeat(256)));
const text = (valid: string) => mostly(fc.oneof(fc.constant(valid), fc.string({ maxLength: 20 })), boundaryString);

/** Envelopes near and across the contract's boundaries, as a producer or a broken client might write them. */
export const boundaryEnvelope: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    id: idLike,
    type: fc.constantFrom(...EVENT_TYPES),
    userId: userLike,
    time: mostly(fc.date({ noInvalidDate: true, min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z') }).map((d) => d.toISOString()), boundaryTimestamp, boundaryTimestamp),
    source: text('producer'),
    created: fc.record(
      {
        category: text('c'),
        title: text('t'),
        body: text('b'),
        url: text('https://example.com/'),
        payload: boundaryPayload,
        priority: mostly(fc.constantFrom('low', 'normal', 'high'), fc.constant('urgent')),
        expiresAt: mostly(fc.constant('2030-01-01T00:00:00Z'), boundaryTimestamp, boundaryTimestamp),
        groupKey: text('g'),
      },
      { requiredKeys: ['category', 'title'] },
    ),
    state: fc.oneof(fc.record({ notificationId: idLike }), fc.constant({ all: true })),
  })
  .map(({ created, state, ...e }) => ({ ...e, data: (STATE_EVENT_TYPES as readonly string[]).includes(e.type) ? state : created }));
