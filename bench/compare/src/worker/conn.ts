/**
 * One bench client connection, whatever the system. Implementations
 * reconnect by themselves after an unexpected close (a killed server) the
 * way that system's client does, and report what arrived through `sink`.
 */
export interface ConnSink {
  /** A message of this user arrived (its per-user sequence number). */
  message(seq: number): void;
  /** The connection is usable again after an unexpected close; `recovered` is the server's word on the session. */
  reconnected(recovered: boolean): void;
  /** The server side went away unexpectedly. */
  dropped(): void;
}

export interface ConnContext {
  userId: string;
  endpoints: string[];
  /** Index of the node to use first. */
  node: number;
  localAddress: string;
  sink: ConnSink;
  secret?: string;
}

export interface BenchConn {
  /** Opens and subscribes; resolves once messages published from now on will arrive. */
  open(): Promise<void>;
  /** Leaves as a client going offline would, keeping what it needs to resume. */
  away(): Promise<void>;
  /**
   * Comes back; `onConnected` when the transport is up, resolves when the
   * server has done its resume work (`recovered` as the server reports it).
   */
  back(onConnected: () => void): Promise<{ recovered: boolean }>;
  readonly isOpen: boolean;
  close(): void;
}

/** A delay from [0, window): full jitter, as the Tidings SDK's reconnect backoff. */
export function jitter(windowMs: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.floor(Math.random() * windowMs)));
}

export function once<T>(fn: (resolve: (v: T) => void, reject: (e: Error) => void) => void, timeoutMs: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
    fn(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
