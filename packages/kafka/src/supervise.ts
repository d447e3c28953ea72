import type { Logger } from './client.js';

/** What the supervisor needs of a running consumer. */
export interface Stoppable {
  disconnect(): Promise<void>;
}

export interface ConsumerEvents {
  onJoin(): void;
  onCrash(error: Error, restart: boolean): void;
}

export interface SuperviseOptions {
  /** Starts a consumer that reports its joins and crashes through `events`. */
  start(events: ConsumerEvents): Promise<Stoppable>;
  /** Waits before each new consumer after a failure; its length bounds consecutive failures. */
  delaysMs: readonly number[];
  logger: Logger;
  /** Readiness: true after a join, false after any crash. */
  onReady(ready: boolean): void;
  /** Called once when `delaysMs` is exhausted without a join in between. */
  onGiveUp(error: Error): void;
  setTimer?: (fn: () => void, ms: number) => { unref?(): unknown };
  clearTimer?: (timer: unknown) => void;
}

export interface ConsumerSupervisor {
  /** Settles once the first start attempt finished (joined, crashed or failed to connect). */
  started: Promise<void>;
  /** Stops restarting and disconnects the current consumer (its batch in flight finishes and commits). */
  stop(): Promise<void>;
}

/**
 * Keeps one consumer running. kafkajs gives a consumer up for good on
 * errors it deems fatal, among them "Failed to find group coordinator" while
 * a broker restarts, and a failed connect at start is no different. `start`
 * must make a new consumer safe to start at any time: the persister's resumes
 * from its group's committed offsets (its batch path is idempotent), a
 * gateway feed's seeks to what it already dispatched. Only after `delaysMs.length` failures in a row with no join
 * between them does the process give up, for its supervisor to act.
 *
 * Invariant: at most one consumer exists and at most one restart is pending.
 */
export function superviseConsumer(opts: SuperviseOptions): ConsumerSupervisor {
  const setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = opts.clearTimer ?? ((t) => clearTimeout(t as NodeJS.Timeout));
  let current: Stoppable | undefined;
  let pending: unknown;
  let failures = 0;
  let stopping = false;
  let gaveUp = false;

  const events: ConsumerEvents = {
    onJoin() {
      failures = 0;
      opts.onReady(true);
    },
    onCrash(error, restart) {
      opts.onReady(false);
      opts.logger.error({ err: error, restart }, 'consumer crashed');
      // kafkajs restarts the consumer itself when `restart` is true.
      if (!restart) failed(error);
    },
  };

  function failed(error: Error): void {
    if (stopping || gaveUp || pending !== undefined) return;
    const delay = opts.delaysMs[failures];
    if (delay === undefined) {
      gaveUp = true;
      opts.logger.error({ err: error, failures }, 'consumer failed too often in a row; giving up');
      opts.onGiveUp(error);
      return;
    }
    failures += 1;
    opts.logger.warn({ err: error, attempt: failures, inMs: delay }, 'consumer stopped for good; starting a new one');
    const timer = setTimer(() => {
      pending = undefined;
      void attempt();
    }, delay);
    timer.unref?.();
    pending = timer;
  }

  async function attempt(): Promise<void> {
    if (stopping) return;
    try {
      const consumer = await opts.start(events);
      if (stopping) await consumer.disconnect();
      else current = consumer;
    } catch (error) {
      opts.onReady(false);
      failed(error instanceof Error ? error : new Error(String(error)));
    }
  }

  return {
    started: attempt(),
    async stop() {
      stopping = true;
      if (pending !== undefined) clearTimer(pending);
      pending = undefined;
      await current?.disconnect();
    },
  };
}
