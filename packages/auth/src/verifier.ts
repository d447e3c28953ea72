import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  importSPKI,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { AuthError } from './errors.js';

export interface VerifierOptions {
  /** Exactly one key source. */
  jwksUrl?: string | undefined;
  /** A local JWKS document (JSON), for deployments that ship keys as config. */
  jwksJson?: string | undefined;
  /** SPKI PEM public key. */
  publicKeyPem?: string | undefined;
  /** Development only: a shared HS256 secret. */
  hs256Secret?: string | undefined;
  /** Accepted algorithms; anything else (including `none`) is refused. */
  algorithms: readonly string[];
  issuer?: string | undefined;
  audience?: string | undefined;
  clockToleranceSec?: number | undefined;
}

/** Who a verified token speaks for. */
export interface Principal {
  sub: string;
  scopes: ReadonlySet<string>;
  /** Expiry in epoch milliseconds, when the token has one. */
  expiresAt?: number | undefined;
}

export type TokenVerifier = (token: string) => Promise<Principal>;

type Key = Uint8Array | CryptoKey | JWTVerifyGetKey;

async function resolveKey(opts: VerifierOptions): Promise<Key> {
  const sources = [opts.jwksUrl, opts.jwksJson, opts.publicKeyPem, opts.hs256Secret].filter((s) => s);
  if (sources.length !== 1) {
    throw new Error('exactly one of jwksUrl, jwksJson, publicKeyPem, hs256Secret must be set');
  }
  if (opts.jwksUrl) return createRemoteJWKSet(new URL(opts.jwksUrl));
  if (opts.jwksJson) return createLocalJWKSet(JSON.parse(opts.jwksJson) as Parameters<typeof createLocalJWKSet>[0]);
  if (opts.publicKeyPem) {
    const alg = opts.algorithms[0];
    if (!alg || opts.algorithms.some((a) => a.startsWith('HS'))) {
      // A public key must never be usable as an HMAC secret (alg confusion).
      throw new Error('a public key needs asymmetric algorithms (RS*, PS*, ES*, EdDSA)');
    }
    return importSPKI(opts.publicKeyPem, alg);
  }
  if (opts.algorithms.some((a) => !a.startsWith('HS'))) {
    throw new Error('an HS256 secret can only verify HS* algorithms');
  }
  const secret = new TextEncoder().encode(opts.hs256Secret);
  // jose imports a raw secret into a CryptoKey on every verify (WebCrypto
  // importKey: ~0.2 ms, the gateway's largest cost in a reconnect storm);
  // import it once when a single hash is allowed. Several HS* algorithms need
  // one key per hash, so they keep the raw bytes.
  if (opts.algorithms.length === 1 && opts.algorithms[0] === 'HS256') {
    return crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  }
  return secret;
}

function scopesOf(payload: JWTPayload): Set<string> {
  const scope = payload['scope'];
  const scp = payload['scp'];
  const list = typeof scope === 'string' ? scope.split(' ') : Array.isArray(scp) ? scp : [];
  return new Set(list.filter((s): s is string => typeof s === 'string' && s.length > 0));
}

/**
 * Builds a verifier once per process. It never logs tokens; failures carry
 * a stable code and a message safe to return to the caller.
 */
export async function createVerifier(opts: VerifierOptions): Promise<TokenVerifier> {
  const key = await resolveKey(opts);
  const verifyOptions = {
    algorithms: [...opts.algorithms],
    issuer: opts.issuer,
    audience: opts.audience,
    clockTolerance: opts.clockToleranceSec ?? 5,
  };
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } =
        typeof key === 'function'
          ? await jwtVerify(token, key, verifyOptions)
          : await jwtVerify(token, key, verifyOptions));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) {
        throw new AuthError('TIDINGS_ERR_AUTH_EXPIRED', 'token has expired', { cause: error });
      }
      throw new AuthError('TIDINGS_ERR_AUTH_INVALID', 'token is invalid', { cause: error });
    }
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) {
      throw new AuthError('TIDINGS_ERR_AUTH_INVALID', 'token has no subject');
    }
    return {
      sub: payload.sub,
      scopes: scopesOf(payload),
      expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : undefined,
    };
  };
}

/** Throws TIDINGS_ERR_FORBIDDEN unless the principal holds `scope`. */
export function requireScope(principal: Principal, scope: string): void {
  if (!principal.scopes.has(scope)) {
    throw new AuthError('TIDINGS_ERR_FORBIDDEN', `token lacks scope ${scope}`);
  }
}

/** Extracts the token of an `Authorization: Bearer …` header. */
export function bearerToken(header: string | undefined): string {
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match?.[1]) throw new AuthError('TIDINGS_ERR_AUTH_MISSING', 'no bearer token');
  return match[1];
}
