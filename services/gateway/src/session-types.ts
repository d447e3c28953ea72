import type { WebSocket } from 'ws';

/** One live event ready to write: its log offset and the serialized `event` frame. */
export interface OutFrame {
  offset: bigint;
  frame: string;
  /** Event time (ms) for the delivery-latency metric. */
  eventTimeMs: number;
}

/**
 * A connected, authenticated socket. While `buffer` is set the session is
 * replaying and live frames are held there (bounded); once replay is done
 * the buffer is flushed and set to null, and frames go straight out.
 */
export interface Session {
  readonly connectionId: string;
  readonly userId: string;
  readonly ws: WebSocket;
  buffer: OutFrame[] | null;
  /** Highest offset delivered (replayed or live); frames at or below it are not sent again. */
  lastOffset: bigint;
}
