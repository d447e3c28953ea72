import { Type, type Static, type TObject } from '@sinclair/typebox';
import { splitList } from '@tidings/config';
import type { VerifierOptions } from './verifier.js';

/**
 * Auth variables every service that verifies tokens accepts. Exactly one key
 * source must be set; the verifier refuses to start otherwise.
 */
export const AuthEnv = {
  /** Remote JWKS endpoint (production). */
  AUTH_JWKS_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** Inline JWKS document. */
  AUTH_JWKS_JSON: Type.Optional(Type.String({ minLength: 2 })),
  /** SPKI PEM public key. */
  AUTH_PUBLIC_KEY: Type.Optional(Type.String({ minLength: 20 })),
  /** Development shared secret (HS256), at least 32 characters. */
  AUTH_HS256_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  /** Comma-separated allow-list; defaults to HS256 with a secret, RS256 otherwise. */
  AUTH_ALGORITHMS: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9,]+$' })),
  AUTH_ISSUER: Type.Optional(Type.String({ minLength: 1 })),
  AUTH_AUDIENCE: Type.Optional(Type.String({ minLength: 1 })),
  AUTH_CLOCK_TOLERANCE_SEC: Type.Integer({ minimum: 0, maximum: 300, default: 5 }),
};
export type AuthEnv = Static<TObject<typeof AuthEnv>>;

export function verifierOptionsFrom(env: AuthEnv): VerifierOptions {
  const algorithms = env.AUTH_ALGORITHMS
    ? splitList(env.AUTH_ALGORITHMS)
    : env.AUTH_HS256_SECRET
      ? ['HS256']
      : ['RS256'];
  return {
    jwksUrl: env.AUTH_JWKS_URL,
    jwksJson: env.AUTH_JWKS_JSON,
    publicKeyPem: env.AUTH_PUBLIC_KEY,
    hs256Secret: env.AUTH_HS256_SECRET,
    algorithms,
    issuer: env.AUTH_ISSUER,
    audience: env.AUTH_AUDIENCE,
    clockToleranceSec: env.AUTH_CLOCK_TOLERANCE_SEC,
  };
}
