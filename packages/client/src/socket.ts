import { CloseCode, SUBPROTOCOL } from '@tidings/protocol/constants';
import type { ServerMessage } from '@tidings/protocol';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { systemClock, type Clock } from './clock.js';
import { TidingsClientError } from './errors.js';
import { RequestTable } from './requests.js';
import { CursorKeeper } from './cursor.js';
import { readClaims } from './token.js';
import type { StateTarget, Transport, TransportMessage } from './transport.js';
import type { ConnectionState, CursorStorage, StateChange, StateKind, StateResult, SyncResult, WebSocketFactory, WebSocketLike } from './types.js';

/** The browser's idea of connectivity (online/offline events); absent in Node. */
export interface NetworkSignal {
  online(): boolean;
  subscribe(listener: (online: boolean) => void): () => void;
}

export interface SocketTransportOptions {
  /** Stream URLs (`ws(s)://host/v1/stream`), tried in turn. */
  urls: readonly string[];
  getToken: () => string | Promise<string>;
  WebSocket: WebSocketFactory;
  storage: CursorStorage;
  /** Separates cursors of different deployments sharing one storage. */
  storageScope: string;
  /** The user, when the token is not a JWT with `sub` (it keys the stored cursor). */
  userId?: string | undefined;
  clock?: Clock;
  backoff?: BackoffOptions;
  /** A connection live this long counts as healthy: the backoff starts over after it. */
  healthyAfterMs?: number;
  /** Time allowed from socket open to `welcome`. */
  welcomeTimeoutMs?: number;
  /** Time allowed for a token refresh to be acknowledged. */
  refreshTimeoutMs?: number;
  network?: NetworkSignal | undefined;
}

/** Close code the client uses for sockets it gives up on (watchdog, welcome timeout). */
const ABANDONED = 4900;

interface Conn {
  seq: number;
  ws: WebSocketLike;
  url: string;
  welcomed: boolean;
  liveAt: number | undefined;
  connectionId: string | undefined;
  heartbeatMs: number;
  lastTraffic: number;
  timer: unknown;
  refreshing: boolean;
}

/**
 * One WebSocket to one of several gateways, kept up forever: exponential
 * backoff with full jitter and a cap between failed attempts, starting over
 * after a healthy connection; an immediate resume on another URL when a node
 * says it is going away (1001) or that we were too slow (4009); a watchdog
 * that gives up on a socket silent for two heartbeats (browsers cannot see
 * protocol pings, so the client sends `ping` frames while idle); token
 * refresh on `token_expiring` without reconnecting. Every connection resumes
 * from the last cursor, which is kept in `storage` per user.
 */
export class SocketTransport implements Transport {
  private readonly clock: Clock;
  private readonly backoff: BackoffOptions;
  private readonly listeners = new Set<(m: TransportMessage) => void>();
  private readonly requests: RequestTable;
  private conn: Conn | undefined;
  private seq = 0;
  private urlIndex = 0;
  private attempt = 0;
  private readonly cursor: CursorKeeper;
  private retryTimer: unknown;
  private closed = false;
  private started = false;
  private unsubscribeNetwork: (() => void) | undefined;
  private current: StateChange = { state: 'idle', attempt: 0 };
  private synced: SyncResult | undefined;

  constructor(private readonly opts: SocketTransportOptions) {
    if (opts.urls.length === 0) throw new TypeError('at least one gateway URL is required');
    this.clock = opts.clock ?? systemClock;
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.requests = new RequestTable(this.clock, `r${Math.floor(this.clock.random() * 1e6).toString(36)}.`);
    this.cursor = new CursorKeeper(opts.storage, opts.storageScope, (e) =>
      this.report(new TidingsClientError('TIDINGS_ERR_CLIENT_PROTOCOL', e.message, { cause: e.cause })),
    );
  }

  get state(): StateChange {
    return this.current;
  }
  get lastSync(): SyncResult | undefined {
    return this.synced;
  }

  subscribe(listener: (m: TransportMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.unsubscribeNetwork = this.opts.network?.subscribe((online) => this.onNetwork(online));
    if (this.opts.network && !this.opts.network.online()) this.setState('offline', {});
    else void this.open();
  }

  request(kind: StateKind, target: StateTarget, timeoutMs: number): Promise<StateResult> {
    if (this.closed) return Promise.reject(new TidingsClientError('TIDINGS_ERR_CLIENT_CLOSED'));
    const frame = { type: kind, ...(target.all ? { all: true } : { ids: target.ids ?? [] }) };
    const { done } = this.requests.add(frame, timeoutMs);
    this.flushRequests();
    return done.then((data) => ({ ids: ((data as { ids?: string[] } | undefined)?.ids ?? []).slice() }));
  }

  reconnect(opts: { cursor?: string | undefined } = {}): void {
    if (this.closed) return;
    if (opts.cursor !== undefined) this.cursor.value = opts.cursor;
    this.started = true;
    this.clock.clearTimeout(this.retryTimer);
    if (this.conn) this.abandon(this.conn, CloseCode.normal, 'reconnect requested', false);
    void this.open();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.clock.clearTimeout(this.retryTimer);
    this.unsubscribeNetwork?.();
    const conn = this.conn;
    this.conn = undefined;
    if (conn) {
      this.detach(conn);
      try {
        conn.ws.close(CloseCode.normal, 'client closed');
      } catch {
        // already closing
      }
    }
    this.requests.failAll(new TidingsClientError('TIDINGS_ERR_CLIENT_CLOSED'));
    this.setState('closed', {});
  }

  // ---- connection lifecycle -------------------------------------------------

  private async open(): Promise<void> {
    if (this.closed) return;
    const url = this.opts.urls[this.urlIndex % this.opts.urls.length]!;
    const seq = ++this.seq;
    this.setState('connecting', { url });
    let token: string;
    try {
      token = await this.opts.getToken();
    } catch (error) {
      if (seq !== this.seq || this.closed) return;
      this.report(new TidingsClientError('TIDINGS_ERR_CLIENT_TOKEN', `getToken failed: ${(error as Error).message}`, { cause: error }));
      return this.scheduleRetry({ code: 1006, reason: 'no token' }, false);
    }
    if (seq !== this.seq || this.closed) return; // superseded by reconnect() or close() meanwhile
    const user = this.opts.userId ?? readClaims(token).sub;
    await this.cursor.load(user);
    if (seq !== this.seq || this.closed) return;

    let ws: WebSocketLike;
    try {
      ws = new this.opts.WebSocket(url, [SUBPROTOCOL]);
    } catch (error) {
      this.report(new TidingsClientError('TIDINGS_ERR_CLIENT_PROTOCOL', `cannot open ${url}: ${(error as Error).message}`, { cause: error }));
      return this.scheduleRetry({ code: 1006, reason: 'socket constructor failed' }, false);
    }
    const conn: Conn = {
      seq,
      ws,
      url,
      welcomed: false,
      liveAt: undefined,
      connectionId: undefined,
      heartbeatMs: 0,
      lastTraffic: this.clock.now(),
      timer: undefined,
      refreshing: false,
    };
    this.conn = conn;
    conn.timer = this.clock.setTimeout(() => this.abandon(conn, ABANDONED, 'no welcome in time'), this.opts.welcomeTimeoutMs ?? 10000);
    ws.onopen = () => {
      conn.lastTraffic = this.clock.now();
      ws.send(JSON.stringify({ type: 'hello', token, ...(this.cursor.value ? { cursor: this.cursor.value } : {}) }));
    };
    ws.onmessage = (ev) => this.onFrame(conn, ev.data);
    ws.onclose = (ev) => this.onClosed(conn, ev.code, ev.reason);
    // An error is always followed by close; close carries the decision.
    ws.onerror = () => undefined;
  }

  private onFrame(conn: Conn, data: unknown): void {
    if (this.conn !== conn) return;
    conn.lastTraffic = this.clock.now();
    let msg: ServerMessage;
    try {
      msg = JSON.parse(String(data)) as ServerMessage;
    } catch {
      return this.report(new TidingsClientError('TIDINGS_ERR_CLIENT_PROTOCOL', 'server frame is not JSON'));
    }
    switch (msg.type) {
      case 'welcome':
        conn.welcomed = true;
        conn.connectionId = msg.connectionId;
        conn.heartbeatMs = msg.heartbeatMs;
        this.cursor.adopt(msg.userId);
        this.setState('syncing', { url: conn.url, connectionId: msg.connectionId });
        this.flushRequests();
        this.scheduleTick(conn);
        return;
      case 'event':
        // A redelivered frame is an old event pushed again: it must not move the cursor back.
        if (!msg.redelivered) this.cursor.set(msg.cursor);
        return this.emit({ type: 'event', message: msg });
      case 'synced': {
        this.cursor.set(msg.cursor);
        conn.liveAt = this.clock.now();
        this.synced = {
          recovered: msg.recovered,
          reason: msg.reason,
          replayed: msg.replayed ?? 0,
          url: conn.url,
          connectionId: conn.connectionId ?? '',
          at: conn.liveAt,
        };
        this.setState('live', { url: conn.url, connectionId: conn.connectionId });
        return this.emit({ type: 'synced', result: this.synced });
      }
      case 'result':
        this.requests.settle(msg.id, { ok: true, data: msg.data });
        return;
      case 'error':
        if (msg.id && this.requests.settle(msg.id, { ok: false, code: msg.code, message: msg.message })) return;
        return this.report(new TidingsClientError(msg.code, msg.message, { retryable: false }));
      case 'token_expiring':
        return void this.refresh(conn);
      case 'pong':
        return;
      default:
        // Unknown types are ignored: servers may add messages within tidings.v1.
        return;
    }
  }

  private async refresh(conn: Conn): Promise<void> {
    if (conn.refreshing) return;
    conn.refreshing = true;
    try {
      const token = await this.opts.getToken();
      if (this.conn !== conn) return;
      const { done } = this.requests.add({ type: 'refresh', token }, this.opts.refreshTimeoutMs ?? 10000);
      this.flushRequests();
      await done;
    } catch (error) {
      // The server closes with 4003 at expiry; the next connection gets a fresh token.
      this.report(error instanceof TidingsClientError ? error : new TidingsClientError('TIDINGS_ERR_CLIENT_TOKEN', (error as Error).message, { cause: error }));
    } finally {
      conn.refreshing = false;
    }
  }

  /** Watchdog and keepalive, every half heartbeat. */
  private scheduleTick(conn: Conn): void {
    this.clock.clearTimeout(conn.timer);
    const hb = Math.max(100, conn.heartbeatMs);
    conn.timer = this.clock.setTimeout(() => {
      if (this.conn !== conn) return;
      const idle = this.clock.now() - conn.lastTraffic;
      if (idle >= 2 * hb) return this.abandon(conn, ABANDONED, 'heartbeat timeout');
      if (idle >= hb / 2) this.send(conn, { type: 'ping' });
      this.scheduleTick(conn);
    }, hb / 2);
  }

  private onClosed(conn: Conn, code: number, reason: string): void {
    if (this.conn !== conn) return;
    this.closedOut(conn, code, reason, true);
  }

  /** Gives up on a socket without waiting for a close handshake that may never come. */
  private abandon(conn: Conn, code: number, reason: string, retry = true): void {
    if (this.conn !== conn) return;
    this.detach(conn);
    try {
      conn.ws.close(code === ABANDONED ? 4000 : code, reason);
    } catch {
      // not open yet or already closed
    }
    this.closedOut(conn, code, reason, retry);
  }

  private closedOut(conn: Conn, code: number, reason: string, retry: boolean): void {
    this.detach(conn);
    this.conn = undefined;
    this.requests.connectionLost(conn.seq);
    if (this.closed || !retry) return;
    const wasLive = conn.liveAt !== undefined;
    if (wasLive && this.clock.now() - conn.liveAt! >= (this.opts.healthyAfterMs ?? 5000)) this.attempt = 0;
    // The node is going away, we fell behind, or the token ran out: resume
    // at once (on the next URL), if this socket had worked — a node that
    // refuses at the door gets the backoff, so two draining nodes cannot spin.
    const immediate = wasLive && (code === CloseCode.goingAway || code === CloseCode.tooSlow || code === CloseCode.tokenExpired);
    this.scheduleRetry({ code, reason }, immediate);
  }

  private detach(conn: Conn): void {
    this.clock.clearTimeout(conn.timer);
    conn.ws.onopen = null;
    conn.ws.onmessage = null;
    conn.ws.onclose = null;
    // Not null: Node's `ws` emits 'error' when a socket still connecting is
    // closed, and an 'error' without a listener is an uncaught exception that
    // kills the app (close() or a welcome timeout during a slow handshake).
    conn.ws.onerror = () => undefined;
  }

  private scheduleRetry(lastClose: { code: number; reason: string }, immediate: boolean): void {
    if (this.closed) return;
    this.urlIndex = (this.urlIndex + 1) % this.opts.urls.length;
    const url = this.opts.urls[this.urlIndex]!;
    if (this.opts.network && !this.opts.network.online()) {
      this.setState('offline', { url, lastClose });
      return;
    }
    const delay = immediate ? 0 : backoffDelay(this.attempt, this.backoff, () => this.clock.random());
    this.attempt += 1;
    this.setState('reconnecting', { url, lastClose, retryInMs: delay });
    this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = this.clock.setTimeout(() => void this.open(), delay);
  }

  private onNetwork(online: boolean): void {
    if (this.closed || !this.started) return;
    if (!online) {
      // Keep a socket that still works (the event can be wrong); the watchdog
      // notices a dead one within two heartbeats. Pause retries meanwhile.
      if (this.conn) {
        this.send(this.conn, { type: 'ping' });
        return;
      }
      this.clock.clearTimeout(this.retryTimer);
      this.setState('offline', {});
      return;
    }
    if (!this.conn) {
      this.attempt = 0;
      this.clock.clearTimeout(this.retryTimer);
      void this.open();
    }
  }

  /** Resolves once the latest cursor has been written to storage. */
  flush(): Promise<void> {
    return this.cursor.flush();
  }

  // ---- helpers --------------------------------------------------------------

  private flushRequests(): void {
    const conn = this.conn;
    if (!conn?.welcomed) return;
    for (const frame of this.requests.takeUnsent(conn.seq)) this.send(conn, frame);
  }

  private send(conn: Conn, frame: unknown): void {
    try {
      conn.ws.send(JSON.stringify(frame));
    } catch {
      // closing: the close handler settles what was in flight
    }
  }

  private setState(state: ConnectionState, extra: Omit<StateChange, 'state' | 'attempt'>): void {
    this.current = { state, attempt: this.attempt, ...extra };
    this.emit({ type: 'state', change: this.current });
  }

  private report(error: TidingsClientError): void {
    this.emit({ type: 'error', error: { code: error.code, message: error.message, retryable: error.retryable } });
  }

  private emit(m: TransportMessage): void {
    for (const l of [...this.listeners]) l(m);
  }
}
