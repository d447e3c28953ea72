import type { Principal } from '@tidings/auth';
import { compile, LIMITS, UserId } from '@tidings/protocol';

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

const validUserId = compile(UserId);

/** Why a verified token cannot act as an end user: a service token (forbidden), or a `sub` that no event could carry. */
export type PrincipalProblem = 'service_token' | 'invalid_sub';

/** Said on 401 and in the 4002 close reason (≤ 123 bytes). */
export const INVALID_SUB_MESSAGE = `token subject is not a valid userId (1-${LIMITS.userIdMaxLength} characters of A-Za-z0-9_.:@-)`;

/**
 * A user token's `sub` becomes the userId of every state event the gateway
 * writes for it, so it must satisfy the same UserId schema as any event
 * (docs/contract.md §4); otherwise the node would welcome a user whose every
 * write is dead-lettered.
 */
export function userPrincipalProblem(principal: Principal): PrincipalProblem | undefined {
  if (!isUserToken(principal)) return 'service_token';
  if (!validUserId(principal.sub).ok) return 'invalid_sub';
  return undefined;
}
