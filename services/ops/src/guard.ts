import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { bearerToken, requireScope, type TokenVerifier } from '@tidings/auth';
import { redactUrl, type Logger } from '@tidings/runtime';
import { audit } from './audit.js';
import { createAuditBudget } from './audit-budget.js';
import type { OpsMetrics } from './metrics.js';

export type OpsScope = 'ops:read' | 'ops:write';

export interface Guard {
  /**
   * An onRequest hook: verifies the bearer token and requires `scope`. It
   * runs before body validation, so a caller without the right token learns
   * nothing about the API (401/403 before any 400). Refusals are audited by
   * the hook `auditEveryRequest` installs, as failed `action`s.
   */
  require(scope: OpsScope, action: string): (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Runs an ops action and audits it (row + log line), whether it succeeds or fails. */
  run<T>(req: FastifyRequest, action: string, params: unknown, work: () => Promise<T>, summary?: (r: T) => unknown): Promise<T>;
  /** Audits an outcome that arrives outside a request (e.g. the end of a rebuild). */
  record(actor: string, action: string, params: unknown, ok: boolean, result?: unknown): Promise<void>;
  /**
   * Audits every request under /v1/ops/ — and every request no route
   * matched — that `run` did not: 401, 403, 400 from schema validation, 404,
   * 429, 5xx (G5). The row is written before the answer leaves. Rows of
   * refused requests are rate-limited per class of caller (audit-budget.ts).
   */
  auditEveryRequest(app: FastifyInstance): void;
}

/** What the guard learnt about a request: the action its route names and, once the token verified, who asks. */
interface RequestAudit {
  action: string;
  actor?: string;
  /** `run` wrote its row; nothing more to record. */
  audited?: boolean;
}

const CODE = /^TIDINGS_ERR_[A-Z_]{1,64}$/;

/** The catalogue code of an error answer, and nothing else of the body (it may echo the request). */
function errorCode(payload: unknown): string | undefined {
  if (typeof payload !== 'string' || payload.length > 64 * 1024) return undefined;
  try {
    const code = (JSON.parse(payload) as { code?: unknown }).code;
    return typeof code === 'string' && CODE.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

export function createGuard(deps: { verify: TokenVerifier; pool: pg.Pool; logger: Logger; metrics: OpsMetrics; refusedPerSec: number }): Guard {
  const seen = new WeakMap<FastifyRequest, RequestAudit>();
  const budget = createAuditBudget({ perSec: deps.refusedPerSec, burst: 5 * deps.refusedPerSec });
  const record = async (actor: string, action: string, params: unknown, ok: boolean, result?: unknown) => {
    deps.metrics.actions.inc({ action, ok: String(ok) });
    await audit(deps.pool, deps.logger, { actor, action, params, ok, result });
  };
  return {
    record,
    require(scope, action) {
      return async (req) => {
        const entry: RequestAudit = { action };
        seen.set(req, entry);
        const principal = await deps.verify(bearerToken(req.headers.authorization));
        // Only a verified `sub` is ever an actor: an unverified one is the caller's claim.
        entry.actor = principal.sub;
        requireScope(principal, scope);
        req.principal = principal;
      };
    },
    async run(req, action, params, work, summary) {
      const actor = req.principal?.sub ?? 'anonymous';
      const entry = seen.get(req) ?? { action };
      entry.audited = true;
      seen.set(req, entry);
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
    auditEveryRequest(app) {
      app.addHook('onSend', async (req, reply, payload) => {
        const route = req.routeOptions.url;
        // Health, metrics and the API document are not ops requests; unrouted ones are (a 404 is a refusal).
        if (route !== undefined && !route.startsWith('/v1/ops/')) return payload;
        const entry = seen.get(req);
        if (entry?.audited) return payload;
        const cls = entry?.actor !== undefined ? 'authenticated' : 'anonymous';
        const admitted = budget.take(cls);
        if (!admitted) {
          deps.metrics.auditDropped.inc({ class: cls });
          return payload;
        }
        const status = reply.statusCode;
        const code = status >= 400 ? errorCode(payload) : undefined;
        const result = { status, ...(code ? { error: code } : {}), ...(admitted.dropped > 0 ? { droppedBefore: admitted.dropped } : {}) };
        // The URL, never the headers or body: the token is in a header, and a refused body is the caller's to repeat.
        await record(entry?.actor ?? 'anonymous', entry?.action ?? 'unrouted', { method: req.method, url: redactUrl(req.url) }, status < 400, result).catch(
          (e: unknown) => deps.logger.error({ err: e }, 'could not audit an ops request'),
        );
        return payload;
      });
    },
  };
}
