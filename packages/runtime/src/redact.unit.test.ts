import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { createLogger } from './logger.js';
import { containsJwt, redactDeep, redactText, redactUrl } from './redact.js';

const b64url = (s: string | Uint8Array) => Buffer.from(s).toString('base64url');
const jwtOf = (sub: string, kid: string, sig: Uint8Array) =>
  `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid }))}.${b64url(JSON.stringify({ sub, exp: 1900000000 }))}.${b64url(sig)}`;
const arbJwt = fc
  .tuple(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ maxLength: 8 }), fc.uint8Array({ minLength: 32, maxLength: 32 }))
  .map(([sub, kid, sig]) => jwtOf(sub, kid, sig));
const JWT = jwtOf('alice', 'k1', new Uint8Array(32).fill(7));

/**
 * The oracle, written apart from the redactor: everything a reader of the
 * output could decode it to (percent-decoding any number of times, `+` as
 * space, base64 of any alphabet) must hold neither the token's signature
 * nor its claims.
 */
function leaks(output: string, jwt: string): boolean {
  const [, payload, signature] = jwt.split('.') as [string, string, string];
  const views = [output];
  for (let v = output, i = 0; i < 6; i++) {
    v = v.replace(/\+/g, ' ').replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    views.push(v);
  }
  for (const v of views.slice()) for (const run of v.match(/[A-Za-z0-9+/_=-]{16,}/g) ?? []) views.push(Buffer.from(run, 'base64').toString('latin1'));
  return views.some((v) => v.includes(signature) || v.includes(payload));
}

/** Each character raw, %XX, %xx or double-encoded, chosen by `modes` (cycled). */
function encode(s: string, modes: readonly number[]): string {
  return [...s]
    .map((c, i) => {
      const hex = c.charCodeAt(0).toString(16).padStart(2, '0');
      switch (modes.length === 0 ? 0 : modes[i % modes.length]) {
        case 1:
          return `%${hex.toUpperCase()}`;
        case 2:
          return `%${hex}`;
        case 3:
          return `%25${hex}`;
        default:
          return c;
      }
    })
    .join('');
}

const arbModes = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 12 });
const arbName = fc.oneof(
  fc.constantFrom('token', 'TOKEN', 'Token', 'access_token', 'Access_Token', 'id_token', 'refresh-token', 'jwt', 'auth', 'apiKey'),
  fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/),
);
/** What the token is wrapped in before it is URL-encoded. */
const arbWrap = fc.constantFrom(
  (t: string) => t,
  (t: string) => `Bearer ${t}`,
  (t: string) => `x,${t},y`,
  (t: string) => Buffer.from(t).toString('base64'),
  (t: string) => Buffer.from(`{"token":"${t}"}`).toString('base64url'),
  (t: string) => encodeURIComponent(`next=/a?token=${t}`),
);
const arbInnocent = fc.array(fc.tuple(fc.stringMatching(/^[a-z]{1,6}$/), fc.stringMatching(/^[a-z0-9]{0,10}$/)), { maxLength: 3 });
const arbPlace = fc.constantFrom('query', 'repeated', 'fragment', 'path', 'bare');

test('property: a token encoded into a URL in random ways never survives redactUrl in any decodable form', () => {
  fc.assert(
    fc.property(arbJwt, arbName, arbModes, arbModes, arbWrap, arbInnocent, arbPlace, (jwt, name, nameModes, valueModes, wrap, innocent, place) => {
      const value = encode(wrap(jwt), valueModes);
      const param = `${encode(name, nameModes)}=${value}`;
      const others = innocent.map(([k, v]) => `${k}=${v}`);
      const query = [...others, param, ...(place === 'repeated' ? [param] : [])].join('&');
      const url =
        place === 'path'
          ? `/v1/ops/users/${value}/events?${others.join('&')}`
          : place === 'fragment'
            ? `/v1/stream?${others.join('&')}#${param}`
            : place === 'bare'
              ? `/v1/stream?${value}`
              : `/v1/stream?${query}`;
      const out = redactUrl(url);
      assert.ok(!leaks(out, jwt), `${url}\n→ ${out}`);
      assert.ok(!leaks(redactText(url), jwt), `redactText: ${url}`);
    }),
    { numRuns: 500 },
  );
});

test('property: URLs without credentials are left as they are', () => {
  const arbSafeName = fc.stringMatching(/^[a-z]{1,8}$/).filter((n) => !/token|secret|passw|jwt|auth|apikey|credential|bearer|session|signature/.test(n));
  fc.assert(
    fc.property(fc.array(fc.tuple(arbSafeName, fc.stringMatching(/^[A-Za-z0-9._~-]{0,30}$/)), { maxLength: 4 }), fc.stringMatching(/^[a-z0-9-]{1,20}$/), (params, user) => {
      const url = `/v1/ops/users/${user}/events${params.length > 0 ? `?${params.map(([k, v]) => `${k}=${v}`).join('&')}` : ''}`;
      assert.equal(redactUrl(url), url);
    }),
  );
});

test('the spellings of issue #14 item 5 are all redacted, names kept', () => {
  const pct = [...JWT].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('');
  for (const [url, expected] of [
    [`/v1/stream?%74oken=${JWT}`, '/v1/stream?%74oken=[redacted]'],
    [`/v1/stream?TOKEN=${JWT}&cursor=abc`, '/v1/stream?TOKEN=[redacted]&cursor=abc'],
    [`/v1/stream?a=1&access%5Ftoken=opaque-not-a-jwt`, '/v1/stream?a=1&access%5Ftoken=[redacted]'],
    [`/v1/stream?x=${pct}`, '/v1/stream?x=[redacted]'],
    [`/v1/stream?x=Bearer+${JWT}`, '/v1/stream?x=[redacted]'],
    [`/v1/ops/users/${JWT}/events?limit=1`, '/v1/ops/users/[redacted]/events?limit=1'],
    [`/cb#access_token=${JWT}&state=s`, '/cb#access_token=[redacted]&state=s'],
    [`/v1/stream?${JWT}`, '/v1/stream?[redacted]'],
  ] as const) {
    assert.equal(redactUrl(url), expected);
  }
});

test('redactDeep cleans every string of a stored value, keys included; containsJwt sees through encodings', () => {
  const stored = redactDeep({ url: `/x?q=${encodeURIComponent(encodeURIComponent(JWT))}`, list: [JWT, 'ok'], [JWT]: 1, n: 5 });
  assert.ok(!leaks(JSON.stringify(stored), JWT), JSON.stringify(stored));
  assert.deepEqual((stored as { list: string[]; n: number }).list[1], 'ok');
  assert.equal((stored as { n: number }).n, 5);
  assert.ok(containsJwt(Buffer.from(JWT).toString('base64')));
  assert.ok(!containsJwt('eyJ-but-no-dots and c1.epoch.3.5'));
});

test('every logger line leaves without a JWT, whatever key or message carries it', async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const log = createLogger({ service: 'test', level: 'info', destination: sink });
  log.info({ where: `/v1/stream?x=${encodeURIComponent(JWT)}`, nested: { deep: [JWT] } }, `failed for ${JWT}`);
  log.error({ err: new Error(`upstream said ${JWT}`) }, 'request failed');
  assert.equal(lines.length, 2);
  for (const line of lines) assert.ok(!leaks(line, JWT), line);
});

test('hostile input costs linear time: 15 KB of eyJ without a dot (quadratic for a backtracking JWT regex, > 1 s)', () => {
  const hostile = ['/v1/stream?x=' + 'eyJ'.repeat(5000) + '%00', '/' + 'eyJ'.repeat(5000), '/x?' + 'eyJ.&'.repeat(3000)];
  const started = process.hrtime.bigint();
  for (const url of hostile) {
    redactUrl(url);
    redactText(url);
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  assert.ok(ms < 250, `${ms.toFixed(0)} ms`);
});
