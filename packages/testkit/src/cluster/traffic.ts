import { startLoad, type Load } from '../chaos/load.js';

/** The chaos load, spread over the live ingest nodes, with what each phase accepted. */
export interface Traffic {
  load: Load;
  /** The phase each accepted id was accepted in. */
  acceptedIn: Map<string, number>;
  /** Per phase: answers that were 202 and that were not. */
  answers: { accepted: number; rejected: number }[];
  /** Resolves once ingest accepted `n` more notifications, or after `timeoutMs`, with how many it did. */
  accepted(n: number, timeoutMs: number): Promise<number>;
}

export interface TrafficOptions {
  /** Base URLs of the ingest nodes up right now. */
  ingestUrls: () => readonly string[];
  token: string;
  users: readonly string[];
  ratePerSec: number;
  /** The index of the phase now running. */
  phase: () => number;
}

export function startTraffic(opts: TrafficOptions): Traffic {
  const acceptedIn = new Map<string, number>();
  const answers: { accepted: number; rejected: number }[] = [];
  const waiters = new Set<() => void>();
  let acceptedCount = 0;
  let turn = 0;
  const load = startLoad({
    // Round robin over the nodes that are up: a load balancer with health checks.
    ingestUrl: () => {
      const up = opts.ingestUrls();
      return up[turn++ % up.length]!;
    },
    token: opts.token,
    users: opts.users,
    ratePerSec: opts.ratePerSec,
    // Enough requests in flight that the rate holds while a transaction commits (~10–30 ms).
    concurrency: 64,
    onAnswer: (_userId, outcome) => {
      const phase = opts.phase();
      const a = (answers[phase] ??= { accepted: 0, rejected: 0 });
      if (outcome.status !== 202) {
        a.rejected += 1;
        return;
      }
      a.accepted += 1;
      acceptedCount += 1;
      for (const id of outcome.ids) acceptedIn.set(id, phase);
      for (const w of [...waiters]) w();
    },
  });
  return {
    load,
    acceptedIn,
    answers,
    accepted: (n, timeoutMs) =>
      new Promise((resolve) => {
        const from = acceptedCount;
        const finish = () => {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(acceptedCount - from);
        };
        const check = () => {
          if (acceptedCount - from >= n) finish();
        };
        const timer = setTimeout(finish, timeoutMs);
        waiters.add(check);
      }),
  };
}
