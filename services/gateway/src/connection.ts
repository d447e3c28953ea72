import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { WebSocket, type RawData } from 'ws';
import { AuthError, type Principal, type TokenVerifier } from '@tidings/auth';
import {
  CloseCode,
  compile,
  HelloMessage,
  PingMessage,
  RefreshMessage,
  StateRequestMessage,
  type ClientMessage,
  type ErrorCode,
  type ServerMessage,
} from '@tidings/protocol';
import type { Logger } from '@tidings/runtime';
import type { GatewayMetrics } from './metrics.js';
import type { SessionRegistry } from './registry.js';
import { newBucket, take, type Bucket } from './rate.js';
import type { ResumeContext } from './resume.js';
import { resume } from './resume.js';
import type { OutFrame, Session } from './session-types.js';
import { produceState, type StateKind } from './state-events.js';
import type { AtomicSender } from '@tidings/kafka';

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
  sender: AtomicSender;
  /** The event topic state events go to. */
  topic: string;
  limits: ConnectionLimits;
  logger: Logger;
  metrics: GatewayMetrics;
  /** Filled once the live feed and watermarks are up. */
  resume: Omit<ResumeContext, 'write' | 'push' | 'isOpen' | 'registry'>;
}

/** Per-socket state; the Session is created at a successful hello. */
interface Conn {
  id: string;
  ws: WebSocket;
  queryToken: string | undefined;
  session: Session | null;
  principal: Principal | null;
  bucket: Bucket;
  missedPongs: number;
  badFrames: number;
  helloTimer: NodeJS.Timeout | undefined;
  warnTimer: NodeJS.Timeout | undefined;
  expireTimer: NodeJS.Timeout | undefined;
}

const validators = {
  hello: compile(HelloMessage),
  ping: compile(PingMessage),
  refresh: compile(RefreshMessage),
  state: compile(StateRequestMessage),
};
const STATE_TYPES = new Set(['read', 'seen', 'archive', 'unarchive']);
/** Bad frames tolerated before the peer counts as abusive (close 1008). */
const MAX_BAD_FRAMES = 20;

export interface GatewayNode {
  handle(ws: WebSocket, req: IncomingMessage): void;
  deliver(session: Session, out: OutFrame): void;
  readonly connections: number;
  /** Closes every socket with 1001 (resume elsewhere). */
  closeAll(): void;
  stop(): void;
}

export function createGatewayNode(ctx: NodeContext): GatewayNode {
  const conns = new Set<Conn>();
  const { limits, metrics, logger } = ctx;

  function sendRaw(conn: Conn, text: string, cb?: (err?: Error) => void): void {
    if (conn.ws.readyState !== WebSocket.OPEN) {
      cb?.();
      return;
    }
    if (conn.ws.bufferedAmount > limits.sendBufferBytes) {
      // The client will resume from its last cursor, losing nothing.
      metrics.slowDisconnects.inc();
      close(conn, CloseCode.tooSlow, 'too slow to keep up; resume from your cursor');
      cb?.();
      return;
    }
    conn.ws.send(text, cb);
  }
  const send = (conn: Conn, msg: ServerMessage) => sendRaw(conn, JSON.stringify(msg));
  const sendError = (conn: Conn, code: ErrorCode, message: string, id?: string, path?: string) =>
    send(conn, { type: 'error', ...(id ? { id } : {}), code, message, ...(path ? { path } : {}) });

  function close(conn: Conn, code: number, reason: string): void {
    if (conn.ws.readyState === WebSocket.OPEN || conn.ws.readyState === WebSocket.CONNECTING) conn.ws.close(code, reason);
  }

  const connOf = new WeakMap<Session, Conn>();

  function deliver(session: Session, out: OutFrame): void {
    if (session.buffer) {
      if (session.buffer.length >= limits.replayBufferEvents) {
        const conn = connOf.get(session);
        if (conn) {
          metrics.slowDisconnects.inc();
          close(conn, CloseCode.tooSlow, 'too many events during replay; resume from your cursor');
        }
        return;
      }
      session.buffer.push(out);
      return;
    }
    if (out.offset <= session.lastOffset) return;
    session.lastOffset = out.offset;
    const conn = connOf.get(session);
    if (!conn) return;
    sendRaw(conn, out.frame);
    metrics.eventsOut.inc();
    if (Number.isFinite(out.eventTimeMs)) metrics.deliverySeconds.observe(Math.max(0, Date.now() - out.eventTimeMs) / 1000);
  }

  const resumeCtx: ResumeContext = {
    ...ctx.resume,
    registry: ctx.registry,
    push: deliver,
    isOpen: (s) => connOf.get(s)?.ws.readyState === WebSocket.OPEN,
    write: (s, frame) =>
      new Promise<void>((resolve) => {
        const conn = connOf.get(s);
        if (!conn) return resolve();
        sendRaw(conn, frame, () => resolve());
      }),
  };

  function scheduleExpiry(conn: Conn): void {
    clearTimeout(conn.warnTimer);
    clearTimeout(conn.expireTimer);
    const exp = conn.principal?.expiresAt;
    if (!exp) return;
    const left = exp - Date.now();
    conn.warnTimer = setTimeout(() => send(conn, { type: 'token_expiring', inMs: Math.max(0, exp - Date.now()) }), Math.max(0, left - limits.tokenWarningMs));
    conn.expireTimer = setTimeout(() => close(conn, CloseCode.tokenExpired, 'token expired'), Math.max(0, left));
  }

  async function authenticate(token: string | undefined): Promise<{ principal: Principal } | { code: number; reason: string }> {
    if (!token) return { code: CloseCode.invalidToken, reason: 'no token' };
    try {
      return { principal: await ctx.verify(token) };
    } catch (error) {
      if (error instanceof AuthError && error.code === 'TIDINGS_ERR_AUTH_EXPIRED') return { code: CloseCode.tokenExpired, reason: 'token expired' };
      return { code: CloseCode.invalidToken, reason: 'invalid token' };
    }
  }

  async function onHello(conn: Conn, msg: HelloMessage): Promise<void> {
    const auth = await authenticate(msg.token ?? conn.queryToken);
    if ('code' in auth) return close(conn, auth.code, auth.reason);
    const userId = auth.principal.sub;
    if (ctx.registry.countFor(userId) >= limits.maxPerUser) {
      return close(conn, CloseCode.policy, 'too many connections for this user');
    }
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    conn.principal = auth.principal;
    const session: Session = { connectionId: conn.id, userId, ws: conn.ws, buffer: null, lastOffset: -1n };
    conn.session = session;
    connOf.set(session, conn);
    scheduleExpiry(conn);
    send(conn, { type: 'welcome', connectionId: conn.id, userId, heartbeatMs: limits.heartbeatMs });
    const started = performance.now();
    const result = await resume(resumeCtx, session, msg.cursor);
    metrics.resumeEvents.observe(result.replayed);
    metrics.resumeSeconds.observe((performance.now() - started) / 1000);
    metrics.resumes.inc({ recovered: String(result.synced.recovered), reason: result.synced.reason ?? 'none' });
  }

  async function onRefresh(conn: Conn, msg: RefreshMessage): Promise<void> {
    const auth = await authenticate(msg.token);
    if ('code' in auth) return close(conn, auth.code, auth.reason);
    if (auth.principal.sub !== conn.principal?.sub) return close(conn, CloseCode.forbidden, 'token is for another user');
    conn.principal = auth.principal;
    scheduleExpiry(conn);
    if (msg.id) send(conn, { type: 'result', id: msg.id, ok: true });
  }

  async function onState(conn: Conn, msg: StateRequestMessage): Promise<void> {
    if ((msg.ids === undefined) === (msg.all === undefined)) {
      return sendError(conn, 'TIDINGS_ERR_VALIDATION', 'give exactly one of ids, all', msg.id, '/');
    }
    try {
      const ids = await produceState(ctx.sender, ctx.topic, conn.principal!.sub, msg.type as StateKind, { ids: msg.ids, all: msg.all });
      if (msg.id) send(conn, { type: 'result', id: msg.id, ok: true, data: { ids } });
    } catch (error) {
      logger.warn({ err: error }, 'state request failed');
      sendError(conn, 'TIDINGS_ERR_UNAVAILABLE', 'could not record the change; retry', msg.id);
    }
  }

  function badFrame(conn: Conn, code: ErrorCode, message: string, id?: string, path?: string): void {
    conn.badFrames += 1;
    metrics.badFrames.inc({ code });
    if (conn.badFrames > MAX_BAD_FRAMES) return close(conn, CloseCode.policy, 'too many invalid frames');
    sendError(conn, code, message, id, path);
  }

  function onMessage(conn: Conn, data: RawData, isBinary: boolean): void {
    if (!take(conn.bucket, limits.msgRatePerSec, limits.msgBurst)) return close(conn, CloseCode.rateLimited, 'rate limited');
    if (isBinary) return badFrame(conn, 'TIDINGS_ERR_BAD_FRAME', 'binary frames are not accepted');
    let value: unknown;
    try {
      value = JSON.parse(data.toString());
    } catch {
      return badFrame(conn, 'TIDINGS_ERR_BAD_FRAME', 'frame is not valid JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return badFrame(conn, 'TIDINGS_ERR_BAD_FRAME', 'frame must be a JSON object');
    const type = (value as { type?: unknown }).type;
    const reqId = typeof (value as { id?: unknown }).id === 'string' ? ((value as { id: string }).id) : undefined;
    const check = type === 'hello' ? validators.hello : type === 'ping' ? validators.ping : type === 'refresh' ? validators.refresh : STATE_TYPES.has(type as string) ? validators.state : undefined;
    if (!check) return badFrame(conn, 'TIDINGS_ERR_UNKNOWN_TYPE', `unknown message type`, reqId, '/type');
    const result = check(value);
    if (!result.ok) return badFrame(conn, 'TIDINGS_ERR_VALIDATION', result.issues.map((i) => `${i.path} ${i.message}`).join('; '), reqId, result.issues[0]?.path);
    const msg = result.value as ClientMessage;
    if (msg.type === 'ping') return send(conn, { type: 'pong', ...(msg.id ? { id: msg.id } : {}) });
    if (msg.type === 'hello') {
      if (conn.principal || conn.helloTimer === undefined) return badFrame(conn, 'TIDINGS_ERR_ALREADY_HELLO', 'hello was already received', reqId);
      clearTimeout(conn.helloTimer);
      conn.helloTimer = undefined;
      return void onHello(conn, msg).catch((error: unknown) => {
        logger.error({ err: error, connectionId: conn.id }, 'hello failed');
        close(conn, CloseCode.serverError, 'server error');
      });
    }
    if (!conn.principal) return badFrame(conn, 'TIDINGS_ERR_HELLO_REQUIRED', 'send hello first', reqId);
    if (msg.type === 'refresh') return void onRefresh(conn, msg);
    return void onState(conn, msg);
  }

  function cleanup(conn: Conn): void {
    conns.delete(conn);
    clearTimeout(conn.helloTimer);
    clearTimeout(conn.warnTimer);
    clearTimeout(conn.expireTimer);
    if (conn.session) ctx.registry.remove(conn.session);
    metrics.connections.set(conns.size);
  }

  const heartbeat = setInterval(() => {
    for (const conn of conns) {
      if (conn.missedPongs >= 2) {
        conn.ws.terminate();
        continue;
      }
      conn.missedPongs += 1;
      if (conn.ws.readyState === WebSocket.OPEN) conn.ws.ping();
    }
  }, limits.heartbeatMs);

  return {
    handle(ws, req) {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const conn: Conn = {
        id: `${ctx.nodeId}.${randomBytes(6).toString('base64url')}`,
        ws,
        queryToken: url.searchParams.get('token') ?? undefined,
        session: null,
        principal: null,
        bucket: newBucket(limits.msgBurst),
        missedPongs: 0,
        badFrames: 0,
        helloTimer: undefined,
        warnTimer: undefined,
        expireTimer: undefined,
      };
      conn.helloTimer = setTimeout(() => close(conn, CloseCode.noHello, 'no hello in time'), limits.helloTimeoutMs);
      conns.add(conn);
      metrics.connections.set(conns.size);
      ws.on('message', (data, isBinary) => onMessage(conn, data, isBinary));
      ws.on('pong', () => {
        conn.missedPongs = 0;
      });
      ws.on('close', () => cleanup(conn));
      ws.on('error', (error) => logger.debug({ err: error, connectionId: conn.id }, 'socket error'));
    },
    deliver,
    get connections() {
      return conns.size;
    },
    closeAll() {
      for (const conn of conns) close(conn, CloseCode.goingAway, 'node shutting down; resume elsewhere');
    },
    stop() {
      clearInterval(heartbeat);
    },
  };
}
