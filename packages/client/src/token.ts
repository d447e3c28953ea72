/**
 * Reads `sub` and `exp` from a JWT *without verifying it*: the server
 * verifies. The client only needs them to keep per-user state (cursor key,
 * cross-tab sharing) apart before the server's `welcome` names the user.
 */
export interface TokenClaims {
  sub?: string | undefined;
  /** ms since epoch */
  expiresAt?: number | undefined;
}

export function readClaims(token: string): TokenClaims {
  const part = token.split('.')[1];
  if (!part) return {};
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    const payload = JSON.parse(new TextDecoder().decode(bytes)) as { sub?: unknown; exp?: unknown };
    return {
      sub: typeof payload.sub === 'string' ? payload.sub : undefined,
      expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : undefined,
    };
  } catch {
    return {};
  }
}
