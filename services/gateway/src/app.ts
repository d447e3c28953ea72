import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import cors from '@fastify/cors';
import websocket from '@fastify/websocket';
import { Type } from '@sinclair/typebox';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import type { TokenVerifier } from '@tidings/auth';
import { InboxPageSchema, Position, StateAcceptedSchema, StateRequest, SUBPROTOCOL, UnreadCountSchema } from '@tidings/protocol';
import { ApiError, authenticate, createHttpServer, registerOpenApi, type HttpTimeouts, type Logger } from '@tidings/runtime';
import type { GatewayNode } from './connection.js';
import { inboxPage, unreadCount } from './inbox.js';
import type { Budgets } from './budget.js';
import { originAllowed, type OriginPolicy } from './origins.js';
import { INVALID_SUB_MESSAGE, userPrincipalProblem } from './principal.js';
import type { StateKind } from './state-events.js';
import { recordState, type StateContext } from './state-request.js';

export interface GatewayAppDeps {
  /** Slow-client bounds from the service's config (`HTTP_*_TIMEOUT_MS`); defaults otherwise. */
  httpTimeouts?: Partial<HttpTimeouts>;
  logger: Logger;
  registry: Registry;
  verify: TokenVerifier;
  pool: pg.Pool;
  /** State requests: ownership check, per-user write budget, Kafka. */
  state: StateContext;
  /** Per-user budget of inbox reads (pages and unread counts). */
  reads: Budgets;
  node: GatewayNode;
  epoch: string;
  partitionOf: (userId: string) => number;
  maxFrameBytes: number;
  maxConnections: number;
  origins: OriginPolicy;
  readiness: Record<string, () => Promise<void>>;
}

const InboxQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    before: Type.Optional(Position),
    status: Type.Optional(Type.Union([Type.Literal('unread'), Type.Literal('all')])),
    archived: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/**
 * @fastify/websocket keeps two things alive for a socket's whole life that
 * nothing uses after the upgrade: an 'error' listener closing over Fastify's
 * request and reply, and the ServerResponse it assigned to the TCP socket
 * (which holds the IncomingMessage and all its headers). Dropping both halves
 * the JS heap an idle connection costs (measured 5.1 → 2.6 KiB); ws has
 * taken the socket over and GatewayNode.handle adds its own 'error' listener.
 */
function releaseUpgrade(ws: WebSocket, req: IncomingMessage): void {
  ws.removeAllListeners('error');
  const socket = req.socket as Socket & { _httpMessage?: ServerResponse | null };
  socket._httpMessage?.detachSocket(socket);
}

/** 429 with Retry-After in whole seconds (at least 1), the stable code and what ran out. */
function rateLimited(reply: FastifyReply, retryAfterMs: number, what: string): ApiError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  void reply.header('retry-after', String(seconds));
  return new ApiError('TIDINGS_ERR_RATE_LIMITED', `per-user budget of ${what} exceeded; retry in ${seconds} s`);
}

export async function buildGatewayApp(deps: GatewayAppDeps): Promise<FastifyInstance> {
  const app = createHttpServer({ timeouts: deps.httpTimeouts, logger: deps.logger, registry: deps.registry, bodyLimit: 256 * 1024, readiness: deps.readiness });
  await registerOpenApi(app, {
    title: 'Tidings gateway user API',
    description:
      "A user's inbox over HTTP, with the user's own token (`sub` = userId). The WebSocket `/v1/stream` on the same port is described by docs/asyncapi.yaml.",
  });
  const wsOptions = {
    // ws defaults to 100 MiB; larger frames are refused with 1009.
    maxPayload: deps.maxFrameBytes,
    // Select tidings.v1 when offered; a client offering none is accepted too (docs/contract.md §7).
    handleProtocols: (protocols: Set<string>) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    // Frames are small JSON; deflate would cost tens of KB of zlib state per busy socket.
    perMessageDeflate: false,
    // The node tracks its sockets itself (GatewayNode.drain closes them with 1001).
    clientTracking: false,
    // A peer that does not answer our close frame (a stalled slow consumer) is
    // cut after 5 s instead of ws's 30 s, so its buffers are freed sooner.
    // (ws ≥ 8.19 option, not yet in @types/ws.)
    closeTimeout: 5000,
  };
  // Browser apps on other origins read the inbox with a bearer token (no
  // cookies, so no ambient credentials): CORS follows the same Origin
  // allow-list as the socket; an empty list grants no Origin.
  await app.register(cors, {
    origin: deps.origins.any ? true : [...deps.origins.allowed],
    methods: ['GET', 'POST'],
    allowedHeaders: ['authorization', 'content-type'],
    credentials: false,
    maxAge: 600,
  });
  await app.register(websocket, {
    options: wsOptions,
    // ws has already closed the socket with the right code (1009, 1007…) when it
    // reports an error; the default handler would log at error level and cut
    // the connection before that close frame is flushed.
    errorHandler: (error) => deps.logger.debug({ err: error }, 'websocket error'),
  });

  app.get(
    '/v1/stream',
    {
      websocket: true,
      // OpenAPI cannot describe the socket; docs/asyncapi.yaml does.
      schema: { hide: true },
      preValidation: async (req, reply) => {
        // A plain GET would otherwise get @fastify/websocket's bare 404 with an empty body (found by the HTTP fuzz suite).
        if (!req.ws) return reply.code(404).send({ code: 'TIDINGS_ERR_NOT_FOUND', message: 'GET /v1/stream is the WebSocket endpoint: send Upgrade: websocket' });
        const origin = req.headers.origin;
        // Cross-site WebSocket hijacking: browsers always send Origin, so an allow-list stops foreign pages.
        if (!originAllowed(deps.origins, origin)) {
          return reply.code(403).send({ code: 'TIDINGS_ERR_FORBIDDEN', message: 'origin not allowed' });
        }
        if (deps.node.draining) {
          return reply.code(503).send({ code: 'TIDINGS_ERR_UNAVAILABLE', message: 'node is shutting down; try another' });
        }
        if (deps.node.connections >= deps.maxConnections) {
          return reply.code(503).send({ code: 'TIDINGS_ERR_UNAVAILABLE', message: 'node is full; try another' });
        }
        return undefined;
      },
    },
    (socket, req) => {
      releaseUpgrade(socket, req.raw);
      deps.node.handle(socket, req.raw);
    },
  );

  const verified = authenticate(deps.verify);
  const userAuth = async (req: FastifyRequest, reply: FastifyReply) => {
    await verified(req, reply);
    const problem = userPrincipalProblem(req.principal!);
    if (problem === 'service_token') throw new ApiError('TIDINGS_ERR_FORBIDDEN', 'service tokens cannot read a user inbox');
    if (problem === 'invalid_sub') throw new ApiError('TIDINGS_ERR_AUTH_INVALID', INVALID_SUB_MESSAGE);
  };
  // Reads cost the user one unit each; over budget → 429 with Retry-After.
  const readAuth = async (req: FastifyRequest, reply: FastifyReply) => {
    await userAuth(req, reply);
    const spent = deps.reads.spend(req.principal!.sub, 1);
    if (!spent.ok) throw rateLimited(reply, spent.retryAfterMs, 'inbox reads');
  };
  const pageSchema = {
    summary: 'An inbox page, newest first, with the stream position it is complete up to',
    querystring: InboxQuery,
    response: { 200: InboxPageSchema },
    tags: ['inbox'],
  };
  app.get('/v1/me/notifications', { onRequest: readAuth, schema: pageSchema }, async (req) => {
    const q = req.query as { limit?: number; before?: string; status?: 'unread' | 'all'; archived?: boolean };
    const userId = req.principal!.sub;
    return inboxPage(deps.pool, {
      userId,
      partition: deps.partitionOf(userId),
      epoch: deps.epoch,
      limit: q.limit ?? 50,
      before: q.before,
      status: q.status ?? 'all',
      archived: q.archived ?? false,
    });
  });
  const countSchema = { summary: 'Unread, unarchived notifications', response: { 200: UnreadCountSchema }, tags: ['inbox'] };
  app.get('/v1/me/unread-count', { onRequest: readAuth, schema: countSchema }, async (req) => ({
    unread: await unreadCount(deps.pool, req.principal!.sub),
  }));

  const stateSummaries = { read: 'Mark as read', seen: 'Mark as seen', archive: 'Archive', unarchive: 'Unarchive' } as const;
  for (const kind of ['read', 'seen', 'archive', 'unarchive'] as const satisfies readonly StateKind[]) {
    const stateSchema = {
      summary: `${stateSummaries[kind]} notifications (by ids, or all): produces state events for the caller's own notifications; 202 once durable in Kafka`,
      description:
        "One state event per id that is one of the caller's own notifications (or one for `all`); other ids are listed in `ignored` and write nothing. Each id counts against the caller's per-user budget (429 with Retry-After beyond it).",
      body: StateRequest,
      response: { 202: StateAcceptedSchema },
      tags: ['inbox'],
    };
    app.post(`/v1/me/notifications/${kind}`, { onRequest: userAuth, schema: stateSchema }, async (req, reply) => {
      const body = req.body as { ids?: string[]; all?: true };
      if ((body.ids === undefined) === (body.all === undefined)) {
        throw new ApiError('TIDINGS_ERR_VALIDATION', 'give exactly one of ids, all', [{ path: '/', message: 'must have exactly one of ids, all' }]);
      }
      const outcome = await recordState(deps.state, req.principal!.sub, kind, body);
      if (!outcome.ok) throw rateLimited(reply, outcome.retryAfterMs, 'state changes');
      return reply.code(202).send({ ids: outcome.ids, ignored: outcome.ignored });
    });
  }
  return app;
}
