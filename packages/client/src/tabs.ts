import { TidingsClientError } from './errors.js';
import type { StateTarget, Transport, TransportMessage, WireError } from './transport.js';
import type { StateChange, StateKind, StateResult, SyncResult } from './types.js';

/** The slice of the Web Locks API used for leader election. */
export interface LockManagerLike {
  request(name: string, options: { signal?: AbortSignal }, callback: () => Promise<void>): Promise<unknown>;
}
export type BroadcastChannelFactory = new (name: string) => BroadcastChannelLike;
export interface BroadcastChannelLike {
  postMessage(message: unknown): void;
  onmessage: ((ev: { data: unknown }) => void) | null;
  close(): void;
}

export interface TabTransportOptions {
  /** Tabs with the same name share one socket: name it per deployment and user. */
  name: string;
  locks: LockManagerLike;
  BroadcastChannel: BroadcastChannelFactory;
  /** Builds (not starts) the socket transport this tab runs while it leads. */
  createLeader: () => Transport & { start(): void };
}

/** Messages between the tabs of one name. */
type TabMessage =
  | { t: 'msg'; m: TransportMessage }
  | { t: 'hello'; from: string }
  | { t: 'snapshot'; to: string; state: StateChange; lastSync: SyncResult | undefined }
  | { t: 'req'; from: string; rid: string; kind: StateKind; target: StateTarget; timeoutMs: number }
  | { t: 'res'; to: string; rid: string; ok: true; data: StateResult }
  | { t: 'res'; to: string; rid: string; ok: false; error: WireError }
  | { t: 'reconnect'; cursor?: string | undefined }
  | { t: 'leader'; from: string };

interface FollowerRequest {
  resolve: (v: StateResult) => void;
  reject: (e: TidingsClientError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * One socket per browser, not per tab. Tabs of one name elect a leader with
 * the Web Locks API (the lock holder leads; when its tab closes the browser
 * releases the lock and the next waiting tab takes over, resuming from the
 * cursor the old leader kept in localStorage). The leader broadcasts every
 * transport message on a BroadcastChannel and runs the other tabs' requests
 * on its socket. Each tab de-duplicates for itself, so a leader change that
 * replays a few events shows none of them twice.
 */
export class TabTransport implements Transport {
  private readonly tabId = Math.random().toString(36).slice(2, 10);
  private readonly channel: BroadcastChannelLike;
  private readonly listeners = new Set<(m: TransportMessage) => void>();
  private readonly pending = new Map<string, FollowerRequest>();
  private readonly abort = new AbortController();
  private leader: (Transport & { start(): void }) | undefined;
  private releaseLock: (() => void) | undefined;
  private unsubscribeLeader: (() => void) | undefined;
  private current: StateChange = { state: 'connecting', attempt: 0 };
  private synced: SyncResult | undefined;
  private seq = 0;
  private closed = false;

  constructor(private readonly opts: TabTransportOptions) {
    this.channel = new opts.BroadcastChannel(`tidings:${opts.name}`);
    this.channel.onmessage = (ev) => this.onTabMessage(ev.data as TabMessage);
  }

  /** Whether this tab holds the socket. */
  get isLeader(): boolean {
    return this.leader !== undefined;
  }
  get state(): StateChange {
    return this.leader?.state ?? this.current;
  }
  get lastSync(): SyncResult | undefined {
    return this.leader?.lastSync ?? this.synced;
  }

  start(): void {
    this.post({ t: 'hello', from: this.tabId });
    this.opts.locks
      .request(`tidings:${this.opts.name}`, { signal: this.abort.signal }, () => {
        if (this.closed) return Promise.resolve();
        return new Promise<void>((release) => {
          this.releaseLock = release;
          this.lead();
        });
      })
      .catch(() => undefined); // aborted by close() while waiting
  }

  subscribe(listener: (m: TransportMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  request(kind: StateKind, target: StateTarget, timeoutMs: number): Promise<StateResult> {
    if (this.closed) return Promise.reject(new TidingsClientError('TIDINGS_ERR_CLIENT_CLOSED'));
    if (this.leader) return this.leader.request(kind, target, timeoutMs);
    const rid = `${this.tabId}.${++this.seq}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(rid);
        reject(new TidingsClientError('TIDINGS_ERR_CLIENT_TIMEOUT', `request ${kind} got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(rid, { resolve, reject, timer });
      this.post({ t: 'req', from: this.tabId, rid, kind, target, timeoutMs });
    });
  }

  reconnect(opts: { cursor?: string | undefined } = {}): void {
    if (this.leader) this.leader.reconnect(opts);
    else this.post({ t: 'reconnect', cursor: opts.cursor });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    // Followers must not see this tab's 'closed': the next leader takes over.
    this.unsubscribeLeader?.();
    this.leader?.close();
    this.leader = undefined;
    this.releaseLock?.();
    for (const [rid, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(rid);
      p.reject(new TidingsClientError('TIDINGS_ERR_CLIENT_CLOSED'));
    }
    this.channel.close();
    this.current = { ...this.current, state: 'closed' };
    this.emit({ type: 'state', change: this.current });
  }

  private lead(): void {
    const leader = this.opts.createLeader();
    this.leader = leader;
    // Requests a follower sent to the previous leader died with it.
    this.failPending('TIDINGS_ERR_CLIENT_CONNECTION_LOST');
    this.post({ t: 'leader', from: this.tabId });
    this.unsubscribeLeader = leader.subscribe((m) => {
      this.emit(m);
      this.post({ t: 'msg', m });
    });
    leader.start();
  }

  private onTabMessage(msg: TabMessage): void {
    if (this.closed) return;
    switch (msg.t) {
      case 'msg':
        if (this.leader) return; // two leaders cannot coexist under one lock; ignore stale traffic
        if (msg.m.type === 'state') this.current = msg.m.change;
        if (msg.m.type === 'synced') this.synced = msg.m.result;
        return this.emit(msg.m);
      case 'hello':
        if (this.leader) this.post({ t: 'snapshot', to: msg.from, state: this.leader.state, lastSync: this.leader.lastSync });
        return;
      case 'snapshot':
        if (msg.to !== this.tabId || this.leader) return;
        this.current = msg.state;
        this.synced = msg.lastSync;
        this.emit({ type: 'state', change: msg.state });
        if (msg.lastSync && msg.state.state === 'live') this.emit({ type: 'synced', result: msg.lastSync });
        return;
      case 'req':
        if (this.leader) void this.serve(msg);
        return;
      case 'res': {
        if (msg.to !== this.tabId) return;
        const p = this.pending.get(msg.rid);
        if (!p) return;
        this.pending.delete(msg.rid);
        clearTimeout(p.timer);
        if (msg.ok) p.resolve(msg.data);
        else p.reject(new TidingsClientError(msg.error.code, msg.error.message, { retryable: msg.error.retryable }));
        return;
      }
      case 'reconnect':
        this.leader?.reconnect({ cursor: msg.cursor });
        return;
      case 'leader':
        if (!this.leader) this.failPending('TIDINGS_ERR_CLIENT_CONNECTION_LOST');
        return;
    }
  }

  private async serve(msg: Extract<TabMessage, { t: 'req' }>): Promise<void> {
    try {
      const data = await this.leader!.request(msg.kind, msg.target, msg.timeoutMs);
      this.post({ t: 'res', to: msg.from, rid: msg.rid, ok: true, data });
    } catch (error) {
      const e = error as TidingsClientError;
      this.post({ t: 'res', to: msg.from, rid: msg.rid, ok: false, error: { code: e.code ?? 'TIDINGS_ERR_CLIENT_PROTOCOL', message: e.message, retryable: e.retryable ?? false } });
    }
  }

  private failPending(code: string): void {
    for (const [rid, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(rid);
      p.reject(new TidingsClientError(code));
    }
  }

  private post(msg: TabMessage): void {
    if (!this.closed) this.channel.postMessage(msg);
  }

  private emit(m: TransportMessage): void {
    for (const l of [...this.listeners]) l(m);
  }
}
