import type { FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { AuthError, bearerToken, requireScope, type TokenVerifier } from '@tidings/auth';
import type { Logger } from '@tidings/runtime';
import { audit } from './audit.js';
import type { OpsMetrics } from './metrics.js';

export type OpsScope = 'ops:read' | 'ops:write';

export interface Guard {
  /**
   * An onRequest hook: verifies the bearer token and requires `scope`. It
   * runs before body validation, so a caller without the right token learns
   * nothing about the API (401/403 before any 400). A refused token that
   * verified is audited as a failed `action`.
   */
  require(scope: OpsScope, action: string): (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Runs an ops action and audits it (row + log line), whether it succeeds or fails. */
  run<T>(req: FastifyRequest, action: string, params: unknown, work: () => Promise<T>, summary?: (r: T) => unknown): Promise<T>;
  /** Audits an outcome that arrives outside a request (e.g. the end of a rebuild). */
  record(actor: string, action: string, params: unknown, ok: boolean, result?: unknown): Promise<void>;
}

export function createGuard(deps: { verify: TokenVerifier; pool: pg.Pool; logger: Logger; metrics: OpsMetrics }): Guard {
  const record = async (actor: string, action: string, params: unknown, ok: boolean, result?: unknown) => {
    deps.metrics.actions.inc({ action, ok: String(ok) });
    await audit(deps.pool, deps.logger, { actor, action, params, ok, result });
  };
  return {
    record,
    require(scope, action) {
      return async (req) => {
        const principal = await deps.verify(bearerToken(req.headers.authorization));
        try {
          requireScope(principal, scope);
        } catch (error) {
          if (error instanceof AuthError) {
            await record(principal.sub, action, { url: req.url }, false, { error: error.code }).catch((e: unknown) =>
              deps.logger.error({ err: e }, 'could not audit a refused ops request'),
            );
          }
          throw error;
        }
        req.principal = principal;
      };
    },
    async run(req, action, params, work, summary) {
      const actor = req.principal?.sub ?? 'anonymous';
      let result: Awaited<ReturnType<typeof work>>;
      try {
        result = await work();
      } catch (error) {
        const e = error as Error & { code?: string };
        await record(actor, action, params, false, { error: e.code ?? 'TIDINGS_ERR_INTERNAL', message: e.message });
        throw error;
      }
      await record(actor, action, params, true, summary ? summary(result) : undefined);
      return result;
    },
  };
}
