import { splitList } from '@tidings/config';

/**
 * Which browser Origins may open the socket or read the API cross-origin
 * (CORS). Built from GATEWAY_ALLOWED_ORIGINS: `*` allows every Origin, a list
 * allows those, and an empty value allows none — secure by default
 * (docs/security.md). A request without an Origin header is not from a
 * foreign page (browsers always send it on WebSocket upgrades and
 * cross-origin fetches), so it is never refused here.
 */
export interface OriginPolicy {
  /** `*` was given. */
  readonly any: boolean;
  readonly allowed: ReadonlySet<string>;
}

export function originPolicy(value: string | undefined): OriginPolicy {
  const list = splitList(value ?? '');
  return { any: list.includes('*'), allowed: new Set(list.filter((o) => o !== '*')) };
}

export function originAllowed(policy: OriginPolicy, origin: string | undefined): boolean {
  return origin === undefined || policy.any || policy.allowed.has(origin);
}
