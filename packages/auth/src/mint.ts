import { SignJWT } from 'jose';

export interface MintOptions {
  secret: string;
  sub: string;
  scopes?: readonly string[];
  issuer?: string | undefined;
  audience?: string | undefined;
  /** Lifetime in seconds; negative values mint already-expired tokens (tests). */
  ttlSec?: number;
}

/** Development and test tokens only: signed with the shared HS256 secret. */
export async function mintToken(opts: MintOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT({ scope: (opts.scopes ?? []).join(' ') })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(opts.sub)
    .setIssuedAt(now)
    .setExpirationTime(now + (opts.ttlSec ?? 3600));
  if (opts.issuer) jwt = jwt.setIssuer(opts.issuer);
  if (opts.audience) jwt = jwt.setAudience(opts.audience);
  return jwt.sign(new TextEncoder().encode(opts.secret));
}
