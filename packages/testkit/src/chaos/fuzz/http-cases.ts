import fc from 'fast-check';
import { BatchRequest, NotificationRequest, StateRequest } from '@tidings/protocol';
import { boundaryNumber, boundaryPayload, boundaryString, boundaryTimestamp, nested } from './boundary.js';
import { HOSTILE_STRINGS } from './harness.js';
import { fromSchema, mutate } from './schema-arb.js';

/**
 * HTTP fuzz cases for every route of ingest, gateway, ops and the web page's
 * API (its gateway proxy and dev routes; static files are public): schema-derived
 * and mutated bodies, hostile query parameters, path segments and headers,
 * and the whole range of bad credentials.
 */
export type Service = 'ingest' | 'gateway' | 'ops' | 'web';
/** Which token a case carries: the right one for the route, one lacking the scope, or a broken one. */
export type Credential = 'right' | 'wrong-scope' | 'none' | 'garbage' | 'expired' | 'alg-none' | 'other-audience' | 'hostile';

export interface HttpCase {
  service: Service;
  method: string;
  path: string;
  credential: Credential;
  /** A JSON value, or a raw string body (`raw`). */
  body?: unknown;
  raw?: string;
  contentType?: string;
  headers: Record<string, string>;
}

const hostile = fc.constantFrom(...HOSTILE_STRINGS);
/** Percent-encodes anything, lone surrogates included (they become U+FFFD, as on any real wire). */
const enc = (s: string) => encodeURIComponent(Buffer.from(s, 'utf8').toString('utf8'));
/** Numbers at the edges of Postgres bigint/int and of doubles, as text. */
const bigNumber = fc.oneof(
  fc.constantFrom('9223372036854775807', '9223372036854775808', '9999999999999999999', '-9223372036854775809', '18446744073709551616', '2147483648', '1e400', '-0', '0x10', '00000000000000000000001'),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  boundaryNumber.map(String),
);
const param = fc.oneof(hostile, fc.string({ maxLength: 20 }), fc.integer().map(String), fc.constantFrom('', '-1', '1e9', 'NaN', 'true', 'unread', 'all', '0'), bigNumber, boundaryTimestamp, boundaryString);
const seg = fc.oneof(hostile, fc.stringMatching(/^[A-Za-z0-9_.:@-]{1,20}$/), fc.string({ maxLength: 20 })).map(enc);

function query(names: readonly string[]): fc.Arbitrary<string> {
  return fc
    .array(fc.tuple(fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 8 })), param), { maxLength: 4 })
    .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')}` : ''));
}

const credential = fc.constantFrom<Credential>('right', 'right', 'right', 'wrong-scope', 'none', 'garbage', 'expired', 'alg-none', 'other-audience', 'hostile');
// Header values must be ByteStrings without CR/LF for fetch to send them at all.
const headerValue = fc.oneof(hostile, fc.string({ maxLength: 40 })).map((s) => s.replace(/[^\x20-\x7e]/g, '?'));
const headers = fc.dictionary(
  fc.constantFrom('x-forwarded-for', 'origin', 'idempotency-key', 'accept', 'x-request-id', 'traceparent', 'accept-encoding', 'x-custom'),
  headerValue,
  { maxKeys: 3 },
);

/** Schema-shaped notifications whose time, expiresAt and payload sit at the edges of their domains. */
const boundaryNotification = fc.record(
  {
    userId: fc.stringMatching(/^[a-z]{1,8}$/),
    time: boundaryTimestamp,
    data: fc.record({ category: fc.constant('c'), title: fc.oneof(fc.constant('t'), boundaryString), payload: boundaryPayload, expiresAt: boundaryTimestamp }, { requiredKeys: ['category', 'title'] }),
  },
  { requiredKeys: ['userId', 'data'] },
);
const notification = fc.oneof(mutate(fromSchema(NotificationRequest as never)), boundaryNotification);
const batch = mutate(fromSchema(BatchRequest as never));
const state = mutate(fromSchema(StateRequest as never));
const redeliver = mutate(fc.record({ userId: fc.stringMatching(/^[a-z]{1,8}$/), fromCursor: fc.option(fc.oneof(fc.string(), bigNumber.map((n) => Buffer.from(`c1.e.0.${n}`).toString('base64url'))), { nil: undefined }), fromTime: fc.option(fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), boundaryTimestamp), { nil: undefined }) }, { requiredKeys: ['userId'] }));
const rawBody = fc.oneof(
  fc.constantFrom('{', '{"data":', 'null', '[]', '"x"', '{"data":{}}}', 'not json', '\u0000'),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.integer({ min: 70 * 1024, max: 2 * 1024 * 1024 }).map((n) => `{"data":{"category":"c","title":"${'t'.repeat(n)}"}}`),
  fc.integer({ min: 100, max: 5000 }).map((d) => '['.repeat(d) + ']'.repeat(d)),
  // Around LIMITS.jsonMaxDepth, inside an otherwise valid notification, and far beyond it unclosed.
  fc.integer({ min: 55, max: 75 }).map((d) => JSON.stringify({ userId: 'u', data: { category: 'c', title: 't', payload: nested(d, 1) } })),
  fc.integer({ min: 5000, max: 100000 }).map((d) => '{"a":'.repeat(d)),
  // Numbers JSON allows and doubles cannot hold; lone surrogate escapes; a UTF-8 BOM.
  fc.constantFrom('{"userId":"u","data":{"category":"c","title":"t","payload":1e400}}', '{"userId":"u","data":{"category":"c","title":"t","payload":-1e-400}}', '{"userId":"u","data":{"category":"c","title":"\\ud800"}}', '\ufeff{"all":true}', '{"ids":["\\u0000"]}'),
);
const contentType = fc.constantFrom('application/json', 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'APPLICATION/JSON', 'application/json;;', 'application/merge-patch+json', '*/*');

/** Route templates: method, path arbitrary, and body arbitrary (none for GET/DELETE). */
const routes: [Service, string, fc.Arbitrary<string>, fc.Arbitrary<unknown> | undefined][] = [
  ['ingest', 'POST', query(['dryRun', 'wait']).map((q) => `/v1/notifications${q}`), notification],
  ['ingest', 'POST', query(['x']).map((q) => `/v1/notifications/batch${q}`), batch],
  ['ingest', 'PUT', fc.tuple(seg, seg).map(([t, u]) => `/v1/topics/${t}/subscribers/${u}`), undefined],
  ['ingest', 'DELETE', fc.tuple(seg, seg).map(([t, u]) => `/v1/topics/${t}/subscribers/${u}`), undefined],
  ['ingest', 'GET', seg.map((s) => `/v1/${s}`), undefined],
  ['gateway', 'GET', query(['limit', 'before', 'status', 'archived']).map((q) => `/v1/me/notifications${q}`), undefined],
  ['gateway', 'GET', query(['x']).map((q) => `/v1/me/unread-count${q}`), undefined],
  ['gateway', 'POST', fc.constantFrom('read', 'seen', 'archive', 'unarchive').map((k) => `/v1/me/notifications/${k}`), state],
  ['gateway', 'GET', query(['token', 'cursor']).map((q) => `/v1/stream${q}`), undefined],
  ['ops', 'GET', fc.tuple(seg, query(['from', 'to', 'limit'])).map(([u, q]) => `/v1/ops/users/${u}/events${q}`), undefined],
  ['ops', 'GET', query(['limit', 'after', 'pending']).map((q) => `/v1/ops/dlq${q}`), undefined],
  ['ops', 'GET', query(['limit', 'before', 'action', 'actor']).map((q) => `/v1/ops/audit${q}`), undefined],
  ['ops', 'GET', query(['x']).map((q) => `/v1/ops/lag${q}`), undefined],
  ['ops', 'GET', seg.map((s) => `/v1/ops/rebuild/${s}`), undefined],
  ['ops', 'POST', fc.constant('/v1/ops/redeliver'), redeliver],
  ['ops', 'POST', fc.oneof(seg, bigNumber.map(enc)).map((s) => `/v1/ops/dlq/${s}/retry`), undefined],
  ['web', 'GET', query(['limit', 'before', 'status', 'archived']).map((q) => `/gateway/v1/me/notifications${q}`), undefined],
  ['web', 'GET', query(['x']).map((q) => `/gateway/v1/me/unread-count${q}`), undefined],
  // Dev routes are off (403) in the fuzzed stack: on, they mint tokens for anyone by design.
  ['web', 'POST', fc.constantFrom('/dev/token', '/dev/notify'), mutate(fc.record({ userId: fc.stringMatching(/^[a-z]{1,8}$/), title: fc.string() }, { requiredKeys: ['userId'] }))],
];

export const httpCase: fc.Arbitrary<HttpCase> = fc
  .tuple(fc.nat(routes.length - 1), credential, headers, fc.nat(9), rawBody, contentType)
  .chain(([r, cred, hdrs, rawPick, raw, ct]) => {
    const [service, method, path, body] = routes[r]!;
    return fc.tuple(path, body ?? fc.constant(undefined)).map(([p, b]): HttpCase => {
      const c: HttpCase = { service, method, path: p, credential: cred, headers: hdrs };
      if (body) {
        if (rawPick === 0) c.raw = raw;
        else c.body = b;
        if (rawPick === 1) c.contentType = ct;
      }
      return c;
    });
  });
