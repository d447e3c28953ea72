import { fastify, LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { AuthError, bearerToken, requireScope, type Principal, type TokenVerifier } from '@tidings/auth';
import { ajv, coercingAjv, ERRORS, toIssues, type ErrorBody, type ErrorCode } from '@tidings/protocol';
import { ApiError } from './api-error.js';
import { registerBodyHandling } from './body.js';
import { redactUrl } from './logger.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export interface HttpServerOptions {
  logger: Logger;
  registry: Registry;
  /** Largest accepted request body in bytes. */
  bodyLimit?: number;
  /** Dependency checks for /readyz; each throws when its dependency is unreachable. */
  readiness: Record<string, () => Promise<void>>;
  /**
   * Level of the per-request log line for answers below 400 (default `info`).
   * High-rate APIs (ingest) use `debug`: a synchronous log write per request
   * costs more than the request. Errors are always logged at `info`.
   */
  successLogLevel?: 'info' | 'debug';
  /** Time bounds on slow clients; each service takes them from its config (`HTTP_*_TIMEOUT_MS`). */
  timeouts?: Partial<HttpTimeouts>;
}

/** How long a client may take to send a request (docs/configuration.md, `HTTP_*_TIMEOUT_MS`). */
export interface HttpTimeouts {
  /** Request headers must arrive within this many ms of the connection's request start (Node closes the socket otherwise). */
  headersTimeoutMs: number;
  /** The body must arrive completely within this many ms of the headers; else 408 `TIDINGS_ERR_REQUEST_TIMEOUT`. */
  bodyTimeoutMs: number;
}
export const DEFAULT_HTTP_TIMEOUTS: Readonly<HttpTimeouts> = Object.freeze({ headersTimeoutMs: 15000, bodyTimeoutMs: 15000 });
/** Most bytes of a refused upload read (and discarded) so its answer reaches the client; see body.ts. */
const DRAIN_MAX_BYTES = 32 * 1024 * 1024;

/** Errors that are safe to send as they are, with the status they map to. */
function classify(error: FastifyError | Error): { status: number; body: ErrorBody; headers?: Record<string, string> } {
  const send = (code: ErrorCode, message?: string, issues?: ErrorBody['issues']) => ({
    status: ERRORS[code].status,
    body: { code, message: message ?? ERRORS[code].message, ...(issues ? { issues } : {}) },
  });
  if (error instanceof ApiError) return send(error.code, error.message, error.issues);
  if (error instanceof AuthError) return send(error.code, error.message);
  const fe = error as FastifyError & { validationContext?: string; retryable?: boolean };
  if (fe.validation) {
    const prefix = fe.validationContext && fe.validationContext !== 'body' ? `/${fe.validationContext}` : '';
    return send('TIDINGS_ERR_VALIDATION', 'request failed validation', toIssues(fe.validation as never, prefix));
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return send('TIDINGS_ERR_TOO_LARGE', 'request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return send('TIDINGS_ERR_UNSUPPORTED_MEDIA');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return send('TIDINGS_ERR_BAD_JSON');
  }
  if (fe instanceof SyntaxError || fe.statusCode === 400) return send('TIDINGS_ERR_BAD_JSON', fe.message);
  if (fe.statusCode === 429) return send('TIDINGS_ERR_RATE_LIMITED');
  if (fe.statusCode === 413) return send('TIDINGS_ERR_TOO_LARGE');
  if (fe.name === 'KafkaWriteError') {
    return { ...send('TIDINGS_ERR_UNAVAILABLE'), headers: { 'retry-after': '1' } };
  }
  return send('TIDINGS_ERR_INTERNAL');
}

/**
 * A Fastify instance with what every service shares: JSON errors with
 * stable codes, request validation through the protocol's Ajv (so paths
 * and messages match every other edge), /healthz, /readyz and /metrics.
 */
export function createHttpServer(opts: HttpServerOptions): FastifyInstance {
  const timeouts = { ...DEFAULT_HTTP_TIMEOUTS, ...opts.timeouts };
  const app = fastify({
    // Node's own bound on a whole request, a backstop behind the body deadline of body.ts (which
    // answers with a catalogued 408 first); Node answers a bare 408 and closes.
    requestTimeout: timeouts.headersTimeoutMs + timeouts.bodyTimeoutMs + 5000,
    // pino's Logger is a FastifyBaseLogger; the cast keeps the default instance type.
    loggerInstance: opts.logger as FastifyBaseLogger,
    // Requests are logged once, by our onResponse hook, with tokens redacted from URLs.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    // Ids are ours: no reflection of a client-chosen request id into logs.
    genReqId: () => Math.random().toString(36).slice(2, 12),
    ajv: undefined,
    // Path parameters carry user ids (≤256 chars, docs/contract.md §4) and topics; the router's default of 100 refused valid ones with a bare 414.
    routerOptions: { maxParamLength: 1024 },
    // Router-level rejections (malformed percent-encoding, over-long parameters) answer with catalogue codes too.
    frameworkErrors: (error, _req, res) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      const reply = res as unknown as FastifyReply;
      return reply.code(400).send({ code: 'TIDINGS_ERR_VALIDATION', message: tooLong ? 'a path parameter is too long' : 'malformed URL' });
    },
  });
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'querystring' || httpPart === 'params' ? coercingAjv : ajv).compile(schema),
  );
  app.decorateRequest('principal', null);
  // Slow-header clients: Node checks this (and requestTimeout) every 30 s, so a cut comes within that much after the bound.
  app.server.headersTimeout = timeouts.headersTimeoutMs;
  registerBodyHandling(app, { bodyTimeoutMs: timeouts.bodyTimeoutMs, drainMaxBytes: DRAIN_MAX_BYTES });

  const successLevel = opts.successLogLevel ?? 'info';
  app.addHook('onResponse', async (req, reply) => {
    const level = reply.statusCode >= 400 ? 'info' : successLevel;
    req.log[level]({ method: req.method, url: redactUrl(req.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });

  app.setErrorHandler((error: FastifyError, req, reply) => {
    const { status, body, headers } = classify(error);
    if (status >= 500) req.log.error({ err: error, url: redactUrl(req.url) }, 'request failed');
    if (headers) void reply.headers(headers);
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ code: 'TIDINGS_ERR_NOT_FOUND', message: `no route ${req.method} ${redactUrl(req.url)}` }),
  );

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const checks: Record<string, string> = {};
    let ready = true;
    await Promise.all(
      Object.entries(opts.readiness).map(async ([name, check]) => {
        try {
          await withTimeout(check(), 2000);
          checks[name] = 'ok';
        } catch (error) {
          ready = false;
          checks[name] = (error as Error).message;
        }
      }),
    );
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks });
  });
  app.get('/metrics', async (_req, reply) =>
    reply.header('content-type', opts.registry.contentType).send(await opts.registry.metrics()),
  );
  return app;
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A preHandler that verifies the bearer token and, if given, requires a scope. */
export function authenticate(verify: TokenVerifier, scope?: string) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const principal = await verify(bearerToken(req.headers.authorization));
    if (scope) requireScope(principal, scope);
    req.principal = principal;
  };
}

/** `http://host:port` of a listening server, for the ready log line (port 0 picks a free one). */
export function listeningUrl(address: string | AddressInfo | null): string {
  if (address === null || typeof address === 'string') return String(address);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
