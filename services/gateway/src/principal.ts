import type { Principal } from '@tidings/auth';

/**
 * Scopes that mark a token as a service's or an operator's, never an end
 * user's. G5: service tokens cannot read user feeds — a producer whose `sub`
 * happened to equal a userId must not be able to open that user's stream.
 * User tokens carry none of these (their `sub` is the userId).
 */
export const NON_USER_SCOPES: readonly string[] = ['notifications:write', 'topics:write', 'ops:read', 'ops:write'];

export function isUserToken(principal: Principal): boolean {
  return !NON_USER_SCOPES.some((s) => principal.scopes.has(s));
}
