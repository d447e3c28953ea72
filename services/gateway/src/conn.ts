import type { WebSocket } from 'ws';
import type { OutFrame, Session } from './session-types.js';

/** Where a connection is in the §7 handshake. */
export const Phase = Object.freeze({
  /** Waiting for `hello` (the hello deadline applies). */
  awaitingHello: 0,
  /** `hello` received, token being verified. */
  authenticating: 1,
  /** Authenticated: a Session in the registry. */
  open: 2,
});
export type Phase = (typeof Phase)[keyof typeof Phase];

/**
 * Everything the node keeps per socket, in one plain object of fixed shape:
 * no per-socket timers or closures (the node's single sweep handles hello
 * deadlines, token expiry and heartbeats; listeners are shared functions), so
 * an idle connection costs a few hundred bytes of JS heap on top of ws.
 * It is also the Session the live feed routes to once `phase` is `open`.
 */
export class Connection implements Session {
  userId = '';
  buffer: OutFrame[] | null = null;
  lastOffset = -1n;
  phase: Phase = Phase.awaitingHello;
  /** Epoch ms after which a socket still in `awaitingHello` is closed with 4001. */
  helloDeadline: number;
  /** Token expiry, epoch ms; 0 when the token has none (or before hello). */
  expiresAt = 0;
  /** `token_expiring` was sent for the current token. */
  warned = false;
  /** Token bucket of the client-frame rate limit (see rate.ts). */
  tokens: number;
  at: number;
  /** Heartbeat pings sent since the last pong. */
  missedPongs = 0;
  /** Invalid frames so far; past a limit the peer counts as abusive. */
  badFrames = 0;
  /** State requests refused for budget in a row; past a limit the socket is closed 4008. */
  limitedRequests = 0;
  /** `?token=` from the upgrade URL, used when `hello` carries none; dropped after hello. */
  queryToken: string | undefined;

  constructor(
    readonly connectionId: string,
    readonly ws: WebSocket,
    queryToken: string | undefined,
    now: number,
    helloTimeoutMs: number,
    burst: number,
  ) {
    this.queryToken = queryToken;
    this.helloDeadline = now + helloTimeoutMs;
    this.tokens = burst;
    this.at = now;
  }
}
