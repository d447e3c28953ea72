import { mintToken } from '@tidings/auth';

export const TEST_ISSUER = 'tidings-test';
export const TEST_AUDIENCE = 'tidings';

/** The auth environment every service of a test stack gets. */
export function testAuthEnv(secret: string): Record<string, string> {
  return { AUTH_HS256_SECRET: secret, AUTH_ISSUER: TEST_ISSUER, AUTH_AUDIENCE: TEST_AUDIENCE };
}

export function tokenFor(secret: string, sub: string, scopes: string[] = [], ttlSec = 3600): Promise<string> {
  return mintToken({ secret, sub, scopes, issuer: TEST_ISSUER, audience: TEST_AUDIENCE, ttlSec });
}
