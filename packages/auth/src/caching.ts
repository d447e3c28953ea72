import type { Principal, TokenVerifier } from './verifier.js';

export interface TokenCacheOptions {
  /** Distinct tokens remembered; the oldest is forgotten first. Default 1000. */
  max?: number;
  /** A verified token is re-verified after this long even if still valid (key rotation, revocation). Default 60 s. */
  maxAgeMs?: number;
  now?: () => number;
}

/**
 * Remembers successful verifications. A producing service sends the same
 * token with thousands of requests; verifying its signature each time
 * (WebCrypto HMAC/RSA through jose) costs more than the rest of a small
 * request. A remembered token is still refused from its expiry on, and is
 * verified afresh after `maxAgeMs`. Failures are never remembered.
 */
export function cachingVerifier(verify: TokenVerifier, opts: TokenCacheOptions = {}): TokenVerifier {
  const max = opts.max ?? 1000;
  const maxAgeMs = opts.maxAgeMs ?? 60_000;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { principal: Principal; until: number }>();
  return async (token) => {
    const hit = cache.get(token);
    if (hit && now() < hit.until) return hit.principal;
    if (hit) cache.delete(token);
    const principal = await verify(token);
    const until = Math.min(now() + maxAgeMs, principal.expiresAt ?? Infinity);
    cache.set(token, { principal, until });
    if (cache.size > max) cache.delete(cache.keys().next().value!);
    return principal;
  };
}
