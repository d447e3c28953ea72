import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { mintToken } from '@tidings/auth';
import { UserId } from '@tidings/protocol';
import { ApiError } from '@tidings/runtime';
import type { Counter } from 'prom-client';

export interface DevOptions {
  enabled: boolean;
  secret: string | undefined;
  issuer: string | undefined;
  audience: string | undefined;
  userTokenTtlSec: number;
  ingestUrl: string;
  tokensMinted: Counter;
}

/** Who test notifications come from (the `source` of their events). */
export const DEV_SOURCE = 'tidings-web-dev';

const TokenBody = Type.Object({ userId: UserId }, { additionalProperties: false });
const NotifyBody = Type.Object(
  {
    userId: UserId,
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    body: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

/**
 * Development-only endpoints, refused (403) unless WEB_DEV_TOKENS is set:
 * they let anyone who reaches the page act as any user.
 * - `POST /dev/token {userId}` → a user token signed with the stack's HS256 secret;
 * - `POST /dev/notify {userId, title?, body?}` → a test notification sent
 *   through the ingest API with a short-lived service token minted here, so
 *   the page never holds a producer credential.
 */
export function registerDevRoutes(app: FastifyInstance, opts: DevOptions): void {
  const refuse = () => {
    throw new ApiError('TIDINGS_ERR_FORBIDDEN', 'development tokens are disabled (WEB_DEV_TOKENS is not set)');
  };
  const mint = (sub: string, scopes: string[], ttlSec: number) =>
    mintToken({ secret: opts.secret!, sub, scopes, issuer: opts.issuer, audience: opts.audience, ttlSec });

  app.post('/dev/token', { schema: { body: TokenBody } }, async (req) => {
    if (!opts.enabled) refuse();
    const { userId } = req.body as { userId: string };
    const token = await mint(userId, [], opts.userTokenTtlSec);
    opts.tokensMinted.inc({ kind: 'user' });
    return { token, expiresAt: new Date(Date.now() + opts.userTokenTtlSec * 1000).toISOString() };
  });

  app.post('/dev/notify', { schema: { body: NotifyBody } }, async (req, reply) => {
    if (!opts.enabled) refuse();
    const body = req.body as { userId: string; title?: string; body?: string };
    const token = await mint(DEV_SOURCE, ['notifications:write'], 60);
    opts.tokensMinted.inc({ kind: 'service' });
    let res: Response;
    try {
      res = await fetch(`${opts.ingestUrl}/v1/notifications`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          userId: body.userId,
          data: { category: 'demo', title: body.title ?? `Test notification at ${new Date().toISOString()}`, ...(body.body ? { body: body.body } : {}) },
        }),
      });
    } catch (error) {
      throw new ApiError('TIDINGS_ERR_UNAVAILABLE', 'ingest is unreachable', undefined, { cause: error });
    }
    return reply.code(res.status).header('content-type', 'application/json').send(await res.text());
  });
}
