import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { WebSocket, type RawData } from 'ws';
import { AuthError, type Principal, type TokenVerifier } from '@tidings/auth';
import { CloseCode, type ErrorCode, type HelloMessage, type RefreshMessage, type ServerMessage, type StateRequestMessage } from '@tidings/protocol';
import type { Logger } from '@tidings/runtime';
import { Connection, Phase } from './conn.js';
import type { Budgets } from './budget.js';
import { choreFor, sweepPeriodMs } from './housekeeping.js';
import { parseClientFrame, type Inbound } from './inbound.js';
import type { GatewayMetrics } from './metrics.js';
import { INVALID_SUB_MESSAGE, userPrincipalProblem } from './principal.js';
import { take } from './rate.js';
import type { SessionRegistry } from './registry.js';
import { resume, type ResumeContext } from './resume.js';
import type { OutFrame, Session } from './session-types.js';
import type { StateKind } from './state-events.js';
import { recordState, type StateContext } from './state-request.js';

export interface ConnectionLimits {
  heartbeatMs: number;
  helloTimeoutMs: number;
  sendBufferBytes: number;
  replayBufferEvents: number;
  msgRatePerSec: number;
  msgBurst: number;
  maxPerUser: number;
  tokenWarningMs: number;
}

export interface NodeContext {
  nodeId: string;
  verify: TokenVerifier;
  registry: SessionRegistry;
  /** State requests: ownership check, per-user write budget (shared with HTTP), Kafka. */
  state: StateContext;
  /** Per-user read budget (shared with HTTP inbox reads): each `hello` costs one unit, its replay reads Postgres. */
  reads: Budgets;
  limits: ConnectionLimits;
  logger: Logger;
  metrics: GatewayMetrics;
  resume: Omit<ResumeContext, 'write' | 'push' | 'isOpen' | 'registry'>;
}

export interface GatewayNode {
  handle(ws: WebSocket, req: IncomingMessage): void;
  /** A live event for one session: buffered while it replays, else written (deduplicated by offset). */
  deliver(session: Session, out: OutFrame): void;
  /**
   * A flow-controlled write (replay, redelivery): returns a promise when the
   * socket is congested, resolved once it drained (or was closed as too slow).
   */
  write(session: Session, frame: string): Promise<void> | undefined;
  isOpen(session: Session): boolean;
  readonly connections: number;
  readonly draining: boolean;
  /** Refuses new sockets from now on (upgrade answers 503). */
  refuse(): void;
  /** Refuses new sockets and closes every open one with 1001 (resume elsewhere). */
  drain(): void;
  stop(): void;
}

/** Bad frames tolerated before the peer counts as abusive (close 1008). */
const MAX_BAD_FRAMES = 20;
/** State requests refused for budget in a row before the peer counts as abusive (close 4008). */
const MAX_LIMITED_REQUESTS = 10;
const kConn = Symbol('tidings.connection');
type TaggedSocket = WebSocket & { [kConn]?: Connection };

function tokenFromUrl(url: string | undefined): string | undefined {
  const q = url?.indexOf('?') ?? -1;
  if (q < 0) return undefined;
  return new URLSearchParams(url!.slice(q + 1)).get('token') ?? undefined;
}

export function createGatewayNode(ctx: NodeContext): GatewayNode {
  const conns = new Set<Connection>();
  const { limits, metrics, logger } = ctx;
  // Replay and redelivery pause above this much queued output; a live write
  // above sendBufferBytes closes the socket as too slow instead.
  const highWater = Math.min(256 * 1024, Math.floor(limits.sendBufferBytes / 2));
  // A socket that cannot take a replay frame for two heartbeats is gone.
  const drainTimeoutMs = 2 * limits.heartbeatMs;
  const idPrefix = `${ctx.nodeId}.${randomBytes(3).toString('hex')}`;
  let idSeq = 0;
  let draining = false;

  const isOpen = (s: Session) => s.ws.readyState === WebSocket.OPEN;

  function close(ws: WebSocket, code: number, reason: string): void {
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(code, reason);
  }

  function tooSlow(ws: WebSocket, reason: string): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    // The client resumes from its last cursor, losing nothing.
    metrics.slowDisconnects.inc();
    ws.close(CloseCode.tooSlow, reason);
  }

  /** Writes without waiting; a socket already holding more than its budget is closed 4009. */
  function push(ws: WebSocket, text: string): boolean {
    if (ws.readyState !== WebSocket.OPEN) return false;
    if (ws.bufferedAmount > limits.sendBufferBytes) {
      tooSlow(ws, 'too slow to keep up; resume from your cursor');
      return false;
    }
    ws.send(text);
    return true;
  }
  const send = (c: Connection, msg: ServerMessage) => push(c.ws, JSON.stringify(msg));
  const sendError = (c: Connection, code: ErrorCode, message: string, id?: string, path?: string) =>
    send(c, { type: 'error', ...(id ? { id } : {}), code, message, ...(path ? { path } : {}) });

  function write(session: Session, frame: string): Promise<void> | undefined {
    const ws = session.ws;
    if (ws.readyState !== WebSocket.OPEN) return undefined;
    if (ws.bufferedAmount <= highWater) {
      ws.send(frame);
      return undefined;
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        tooSlow(ws, 'not reading; resume from your cursor');
        resolve();
      }, drainTimeoutMs);
      // ws calls back once the frame is flushed to the kernel, or with an error once the socket is gone.
      ws.send(frame, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  function deliver(session: Session, out: OutFrame): void {
    if (session.buffer) {
      if (session.buffer.length >= limits.replayBufferEvents) {
        tooSlow(session.ws, 'too many live events during replay; resume from your cursor');
        return;
      }
      session.buffer.push(out);
      return;
    }
    if (out.offset <= session.lastOffset) return;
    session.lastOffset = out.offset;
    if (!push(session.ws, out.frame)) return;
    metrics.eventsOut.inc();
    if (Number.isFinite(out.eventTimeMs)) metrics.deliverySeconds.observe(Math.max(0, Date.now() - out.eventTimeMs) / 1000);
  }

  const resumeCtx: ResumeContext = { ...ctx.resume, registry: ctx.registry, push: deliver, isOpen, write };

  async function authenticate(token: string | undefined): Promise<{ principal: Principal } | { code: number; reason: string }> {
    if (!token) return { code: CloseCode.invalidToken, reason: 'no token' };
    let principal: Principal;
    try {
      principal = await ctx.verify(token);
    } catch (error) {
      if (error instanceof AuthError && error.code === 'TIDINGS_ERR_AUTH_EXPIRED') return { code: CloseCode.tokenExpired, reason: 'token expired' };
      return { code: CloseCode.invalidToken, reason: 'invalid token' };
    }
    const problem = userPrincipalProblem(principal);
    if (problem === 'service_token') return { code: CloseCode.forbidden, reason: 'service tokens cannot open a user stream' };
    if (problem === 'invalid_sub') return { code: CloseCode.invalidToken, reason: INVALID_SUB_MESSAGE };
    // The verifier accepts tokens up to its clock tolerance past `exp`. A
    // socket cannot use one: it would be welcomed and closed 4003 at the next
    // sweep. Refuse it as expired, so the client fetches a fresh token first.
    if (principal.expiresAt !== undefined && principal.expiresAt <= Date.now()) return { code: CloseCode.tokenExpired, reason: 'token expired' };
    return { principal };
  }

  async function onHello(c: Connection, msg: HelloMessage): Promise<void> {
    c.phase = Phase.authenticating;
    const token = msg.token ?? c.queryToken;
    c.queryToken = undefined;
    const auth = await authenticate(token);
    if ('code' in auth) return close(c.ws, auth.code, auth.reason);
    const userId = auth.principal.sub;
    // From here to registry.add (inside resume) nothing awaits, so the cap cannot be overshot.
    if (ctx.registry.countFor(userId) >= limits.maxPerUser) return close(c.ws, CloseCode.policy, 'too many connections for this user');
    // A reconnect loop replays from Postgres each time: hellos spend the user's read budget.
    if (!ctx.reads.spend(userId, 1).ok) return close(c.ws, CloseCode.rateLimited, 'too many connects for this user; back off and retry');
    if (c.ws.readyState !== WebSocket.OPEN) return;
    c.userId = userId;
    c.expiresAt = auth.principal.expiresAt ?? 0;
    c.phase = Phase.open;
    send(c, { type: 'welcome', connectionId: c.connectionId, userId, heartbeatMs: limits.heartbeatMs });
    const started = performance.now();
    const result = await resume(resumeCtx, c, msg.cursor);
    metrics.resumeEvents.observe(result.replayed);
    metrics.resumeSeconds.observe((performance.now() - started) / 1000);
    metrics.resumes.inc({ recovered: String(result.synced.recovered), reason: result.synced.reason ?? 'none' });
  }

  async function onRefresh(c: Connection, msg: RefreshMessage): Promise<void> {
    const auth = await authenticate(msg.token);
    if ('code' in auth) return close(c.ws, auth.code, auth.reason);
    if (auth.principal.sub !== c.userId) return close(c.ws, CloseCode.forbidden, 'token is for another user');
    c.expiresAt = auth.principal.expiresAt ?? 0;
    c.warned = false;
    if (msg.id) send(c, { type: 'result', id: msg.id, ok: true });
  }

  async function onState(c: Connection, msg: StateRequestMessage): Promise<void> {
    if ((msg.ids === undefined) === (msg.all === undefined)) {
      return void sendError(c, 'TIDINGS_ERR_VALIDATION', 'give exactly one of ids, all', msg.id, '/');
    }
    try {
      const outcome = await recordState(ctx.state, c.userId, msg.type as StateKind, { ids: msg.ids, all: msg.all });
      if (!outcome.ok) {
        c.limitedRequests += 1;
        if (c.limitedRequests > MAX_LIMITED_REQUESTS) {
          metrics.rateLimited.inc();
          return close(c.ws, CloseCode.rateLimited, 'state requests beyond the user budget; slow down');
        }
        const retryAfterMs = outcome.retryAfterMs;
        return void send(c, { type: 'error', ...(msg.id ? { id: msg.id } : {}), code: 'TIDINGS_ERR_RATE_LIMITED', message: `per-user budget of state changes exceeded; retry in ${retryAfterMs} ms`, retryAfterMs });
      }
      c.limitedRequests = 0;
      if (msg.id) send(c, { type: 'result', id: msg.id, ok: true, data: { ids: outcome.ids, ignored: outcome.ignored } });
    } catch (error) {
      logger.warn({ err: error, connectionId: c.connectionId }, 'state request failed');
      sendError(c, 'TIDINGS_ERR_UNAVAILABLE', 'could not record the change; retry', msg.id);
    }
  }

  function badFrame(c: Connection, bad: Exclude<Inbound, { ok: true }>): void {
    c.badFrames += 1;
    metrics.badFrames.inc({ code: bad.code });
    if (c.badFrames > MAX_BAD_FRAMES) return close(c.ws, CloseCode.policy, 'too many invalid frames');
    sendError(c, bad.code, bad.message, bad.id, bad.path);
  }

  function onMessage(c: Connection, data: RawData, isBinary: boolean): void {
    if (!take(c, limits.msgRatePerSec, limits.msgBurst)) {
      if (c.ws.readyState === WebSocket.OPEN) metrics.rateLimited.inc();
      return close(c.ws, CloseCode.rateLimited, 'rate limited');
    }
    const parsed = parseClientFrame(data, isBinary);
    if (!parsed.ok) return badFrame(c, parsed);
    const msg = parsed.msg;
    if (msg.type === 'ping') return void send(c, { type: 'pong', ...(msg.id ? { id: msg.id } : {}) });
    if (msg.type === 'hello') {
      if (c.phase !== Phase.awaitingHello) return badFrame(c, { ok: false, code: 'TIDINGS_ERR_ALREADY_HELLO', message: 'hello was already received', id: msg.id });
      return void onHello(c, msg).catch((error: unknown) => {
        logger.error({ err: error, connectionId: c.connectionId }, 'hello failed');
        close(c.ws, CloseCode.serverError, 'server error');
      });
    }
    if (c.phase !== Phase.open) return badFrame(c, { ok: false, code: 'TIDINGS_ERR_HELLO_REQUIRED', message: 'send hello first', id: msg.id });
    if (msg.type === 'refresh') return void onRefresh(c, msg);
    return void onState(c, msg);
  }

  // Shared listeners (`this` is the socket): no closures per connection.
  function onWsMessage(this: TaggedSocket, data: RawData, isBinary: boolean): void {
    const c = this[kConn];
    if (c) onMessage(c, data, isBinary);
  }
  function onWsPong(this: TaggedSocket): void {
    const c = this[kConn];
    if (c) c.missedPongs = 0;
  }
  function onWsClose(this: TaggedSocket): void {
    const c = this[kConn];
    if (!c) return;
    conns.delete(c);
    if (c.phase === Phase.open) ctx.registry.remove(c);
    metrics.connections.set(conns.size);
  }
  function onWsError(this: TaggedSocket, error: Error): void {
    // ws closes the socket itself (e.g. 1009 for an oversized frame); this only records why.
    logger.debug({ err: error, connectionId: this[kConn]?.connectionId }, 'socket error');
  }

  let nextBeat = Date.now() + limits.heartbeatMs;
  const sweep = setInterval(() => {
    const now = Date.now();
    const beat = now >= nextBeat;
    if (beat) nextBeat = now + limits.heartbeatMs;
    for (const c of conns) {
      switch (choreFor(c, now, limits.tokenWarningMs)) {
        case 'hello_timeout':
          close(c.ws, CloseCode.noHello, 'no hello in time');
          continue;
        case 'token_expired':
          close(c.ws, CloseCode.tokenExpired, 'token expired');
          continue;
        case 'token_warning':
          c.warned = true;
          send(c, { type: 'token_expiring', inMs: Math.max(0, c.expiresAt - now) });
          break;
        case 'none':
          break;
      }
      if (!beat) continue;
      // docs/contract.md §7: a peer that misses two pings is dropped.
      if (c.missedPongs >= 2) {
        metrics.heartbeatTimeouts.inc();
        c.ws.terminate();
        continue;
      }
      c.missedPongs += 1;
      if (c.ws.readyState === WebSocket.OPEN) c.ws.ping();
    }
  }, sweepPeriodMs(limits.helloTimeoutMs, limits.tokenWarningMs, limits.heartbeatMs));

  return {
    handle(ws, req) {
      if (draining) return close(ws, CloseCode.goingAway, 'node shutting down; resume elsewhere');
      idSeq += 1;
      const c = new Connection(`${idPrefix}.${idSeq.toString(36)}`, ws, tokenFromUrl(req.url), Date.now(), limits.helloTimeoutMs, limits.msgBurst);
      (ws as TaggedSocket)[kConn] = c;
      conns.add(c);
      metrics.connections.set(conns.size);
      ws.on('message', onWsMessage);
      ws.on('pong', onWsPong);
      ws.on('close', onWsClose);
      ws.on('error', onWsError);
    },
    deliver,
    write,
    isOpen,
    get connections() {
      return conns.size;
    },
    get draining() {
      return draining;
    },
    refuse() {
      draining = true;
    },
    drain() {
      draining = true;
      for (const c of conns) close(c.ws, CloseCode.goingAway, 'node shutting down; resume elsewhere');
    },
    stop() {
      clearInterval(sweep);
    },
  };
}
