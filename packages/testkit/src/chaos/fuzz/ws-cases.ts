import fc from 'fast-check';
import { CLIENT_MESSAGE_TYPES } from '@tidings/protocol';
import { encodeFrame, text, type FrameSpec } from './frames.js';
import { boundaryNumber, boundaryString, boundaryTimestamp, nested } from './boundary.js';
import { HOSTILE_STRINGS } from './harness.js';

/**
 * fast-check arbitraries for hostile WebSocket input: raw garbage after the
 * upgrade, and frame sequences a conforming client would never send.
 */
export type WsCase =
  | { kind: 'garbage'; bytes: Uint8Array }
  | { kind: 'frames'; frames: FrameSpec[]; authenticated: boolean };

const hostile = fc.constantFrom(...HOSTILE_STRINGS);
const str = fc.oneof(fc.string({ maxLength: 40 }), hostile, fc.string({ unit: 'binary', maxLength: 40 }), boundaryString, boundaryTimestamp);
const anyJson = fc.jsonValue({ maxDepth: 4 });

/** Protocol-shaped messages with wrong, missing or hostile fields. */
const message = fc.record(
  {
    type: fc.oneof(fc.constantFrom(...CLIENT_MESSAGE_TYPES, 'event', 'welcome', '', 'HELLO'), str),
    id: fc.oneof(str, fc.integer(), anyJson, boundaryNumber),
    token: fc.oneof(str, fc.constant('a.b.c'), fc.constant('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.')),
    cursor: fc.oneof(str, fc.base64String({ maxLength: 80 }), fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((n) => Buffer.from(`c1.e.0.${n}`).toString('base64url'))),
    ids: fc.oneof(fc.array(str, { maxLength: 5 }), anyJson),
    all: anyJson,
  },
  { requiredKeys: [] },
);

const deepJson = fc.integer({ min: 100, max: 20000 }).map((d) => Buffer.from('['.repeat(d) + ']'.repeat(d)));
const hugeArray = fc.integer({ min: 1000, max: 30000 }).map((n) => Buffer.from(`{"type":"read","ids":[${Array(n).fill('"x"').join(',')}]}`));
const invalidUtf8 = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.concat([Buffer.from('{"type":"ping","id":"'), Buffer.from([0xc3, 0x28]), Buffer.from(b), Buffer.from('"}')]));

const frame: fc.Arbitrary<FrameSpec> = fc.oneof(
  message.map((m) => text(JSON.stringify(m))),
  invalidUtf8.map((b) => text(b)),
  deepJson.map((b) => text(b)),
  // Around LIMITS.jsonMaxDepth inside a protocol-shaped message.
  fc.integer({ min: 55, max: 75 }).map((d) => text(JSON.stringify({ type: 'read', id: 'deep', ids: nested(d, 'a') }))),
  hugeArray.map((b) => text(b)),
  fc.integer({ min: 65537, max: 200000 }).map((n) => text(Buffer.alloc(n, 0x61))), // beyond GATEWAY_MAX_FRAME_BYTES
  fc.uint8Array({ maxLength: 200 }).map((b) => ({ opcode: 2, payload: Buffer.from(b) })), // binary
  fc.record({ opcode: fc.constantFrom(3, 4, 5, 6, 7, 0xb, 0xc, 0xf), payload: fc.uint8Array({ maxLength: 20 }) }).map((f) => ({ ...f, payload: Buffer.from(f.payload) })),
  fc.record({ rsv: fc.integer({ min: 1, max: 7 }), payload: str }).map((f) => ({ ...text(f.payload), rsv: f.rsv })),
  str.map((s) => ({ ...text(s), masked: false })),
  // A fragmented message with control frames between its fragments (legal) or a data frame (illegal).
  fc.tuple(str, fc.constantFrom(9, 10, 1, 2)).map(([s, inner]) => ({ opcode: 1, fin: false, payload: Buffer.from(s), _then: inner })),
  fc.uint8Array({ maxLength: 126 }).map((b) => ({ opcode: 9, payload: Buffer.from(b) })), // ping, possibly oversized for a control frame
  fc.uint8Array({ maxLength: 30 }).map((b) => ({ opcode: 0, payload: Buffer.from(b) })), // continuation without a start
  fc.uint8Array({ minLength: 0, maxLength: 4 }).map((b) => ({ opcode: 8, payload: Buffer.from(b) })), // close with odd payloads
);

export const wsCase: fc.Arbitrary<WsCase> = fc.oneof(
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ kind: 'garbage' as const, bytes })) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('frames' as const), frames: fc.array(frame, { minLength: 1, maxLength: 4 }), authenticated: fc.boolean() }) },
);

/** Wire bytes of a frames case: the frames (expanding fragment interleavings), then an optional hello first. */
export function caseBytes(frames: readonly FrameSpec[], hello?: string): Buffer {
  const out: Buffer[] = [];
  if (hello) out.push(encodeFrame(text(hello)));
  for (const f of frames) {
    const then = (f as FrameSpec & { _then?: number })._then;
    out.push(encodeFrame(f));
    if (then !== undefined) {
      out.push(encodeFrame({ opcode: then, payload: Buffer.from('x') }));
      out.push(encodeFrame({ opcode: 0, fin: true, payload: Buffer.from('tail') }));
    }
  }
  return Buffer.concat(out);
}
