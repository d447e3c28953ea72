/**
 * Redaction by meaning (docs/security.md, "Token handling"): a credential is
 * recognised after decoding, not by how it happens to be spelled. Two rules:
 *
 * 1. a query or fragment parameter whose *decoded* name is credential-like
 *    (`token`, `%74oken`, `Access_Token`, `id-token`, `api_key`, …) loses its value;
 * 2. anything that decodes to a JWT (`eyJ….….…`) is removed wherever it is —
 *    under any parameter name, in a path segment, percent-encoded once or
 *    several times, or wrapped in base64.
 *
 * This is the one place that decides what is secret: the loggers, the
 * request log line, the web proxy and the ops audit writer all come here.
 */

export const REDACTED = '[redacted]';

/** Runs of the characters a compact JWS/JWE is made of: base64url parts and the dots between them. */
const JWT_CHARS = /[A-Za-z0-9_.-]{4,}/g;
/** Runs long enough to hold a base64-wrapped JWT (≥ 40 chars of base64 for the shortest one). */
const BASE64_RUN = /[A-Za-z0-9+/_-]{40,}={0,2}/g;
/** Credential-like parameter names, matched on the decoded, lower-cased name without separators. */
const SECRET_NAME = /token|secret|passw|jwt|auth|apikey|credential|bearer|session|signature/;
/** Cheap pre-check: text without any of these cannot hold a JWT in any encoding handled here. */
const MAYBE = /eyJ|%[0-9a-f]{2}|[A-Za-z0-9+/_-]{40,}/i;
/** Decoding rounds: enough for double and triple encoding, bounded against hostile input. */
const MAX_ROUNDS = 4;

/** Percent-decodes byte by byte; malformed sequences stay as they are (never throws). */
function percentDecode(s: string): string {
  return s.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('latin1'));
}

/** The text and what repeated percent-decoding (`+` as space, as in forms) makes of it, last the most decoded. */
function percentDecodings(s: string): string[] {
  const views = [s];
  let current = s;
  for (let i = 0; i < MAX_ROUNDS; i++) {
    const next = percentDecode(current.replace(/\+/g, ' '));
    if (next === current) break;
    views.push(next);
    current = next;
  }
  return views;
}

/** Every form the text decodes to: its percent-decodings and the base64 runs inside each. */
function decodings(s: string): string[] {
  const views = percentDecodings(s);
  for (const view of views.slice()) {
    for (const run of view.match(BASE64_RUN) ?? []) {
      const inner = Buffer.from(run, 'base64').toString('latin1');
      views.push(inner, percentDecode(inner));
    }
  }
  return views;
}

/**
 * A compact JWS/JWE: a base64url JSON header (`{"` encodes as `eyJ`), then one
 * or more dot-separated parts. Equivalent to matching
 * /eyJ[A-Za-z0-9_-]*(\.[A-Za-z0-9_-]*)+/ — an `eyJ` with a dot after it in
 * the same run — but linear: the regex backtracks quadratically on a long
 * run of `eyJ` without a dot, which a hostile URL can send for free.
 */
function hasJwtShape(text: string): boolean {
  for (const run of text.match(JWT_CHARS) ?? []) {
    const at = run.indexOf('eyJ');
    if (at >= 0 && run.lastIndexOf('.') > at + 2) return true;
  }
  return false;
}

/** Whether `s` holds a JWT in any encoding redaction understands. */
export function containsJwt(s: string): boolean {
  if (!MAYBE.test(s)) return false;
  return decodings(s).some(hasJwtShape);
}

/** Whether a parameter name, once decoded, names a credential. */
export function isSecretName(name: string): boolean {
  const decoded = percentDecodings(name).at(-1) ?? name;
  return SECRET_NAME.test(decoded.toLowerCase().replace(/[^a-z0-9]/g, ''));
}

/**
 * `name=value&…` with credential values removed. A parameter is kept
 * (its raw name, so the line still says what was passed) unless the name
 * itself holds a JWT.
 */
function redactParams(params: string): string {
  return params
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      if (containsJwt(name)) return REDACTED;
      if (eq < 0) return part;
      const value = part.slice(eq + 1);
      return isSecretName(name) || containsJwt(value) ? `${name}=${REDACTED}` : part;
    })
    .join('&');
}

function redactPath(path: string): string {
  return path
    .split('/')
    .map((segment) => (containsJwt(segment) ? REDACTED : segment))
    .join('/');
}

/**
 * A request URL (path, query, fragment) fit to log or store: credential
 * parameters and JWT-shaped values removed after decoding (see above).
 */
export function redactUrl(url: string): string {
  if (!url.includes('?') && !url.includes('#') && !MAYBE.test(url)) return url;
  const hash = url.indexOf('#');
  const beforeHash = hash < 0 ? url : url.slice(0, hash);
  const q = beforeHash.indexOf('?');
  const path = q < 0 ? beforeHash : beforeHash.slice(0, q);
  let out = redactPath(path);
  if (q >= 0) out += `?${redactParams(beforeHash.slice(q + 1))}`;
  // Fragments carry tokens too (OAuth's implicit flow: `#access_token=…`).
  if (hash >= 0) out += `#${redactParams(url.slice(hash + 1))}`;
  // A JWT assembled across parameters (e.g. `;` or an encoded `&` inside a
  // value) is still caught here; the URL is then dropped whole.
  if (!containsJwt(out)) return out;
  const safePath = redactPath(path);
  // Base64's alphabet has `/`: a wrapped JWT can span path segments.
  return containsJwt(safePath) ? REDACTED : `${safePath}${q >= 0 || hash >= 0 ? `?${REDACTED}` : ''}`;
}

/**
 * Free text (a log line, an error message, a stored value) with every run
 * that decodes to a JWT replaced. Runs stop at characters no encoding of a
 * JWT uses (quotes, spaces, `?`, `&`, `=` between names and values, …).
 */
export function redactText(s: string): string {
  if (!MAYBE.test(s)) return s;
  return s.replace(/[A-Za-z0-9%_.+/=-]{8,}/g, (run) => (containsJwt(run) ? REDACTED : run));
}

/** A JSON-like value with `redactText` applied to every string in it (keys included), e.g. audit parameters. */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object' || depth > 16) return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [redactText(k), redactDeep(v, depth + 1)]));
}
