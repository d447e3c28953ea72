import { randomUUID } from 'node:crypto';

/**
 * A steady producer load through ingest: `ratePerSec` notifications spread
 * round-robin over `users`. Only 202s count as accepted (G1 is about what the
 * API acknowledged); 503s and dropped connections during a fault are expected
 * and only counted.
 */
export interface LoadOptions {
  ingestUrl: () => string;
  token: string;
  users: readonly string[];
  ratePerSec: number;
  /** Requests in flight at most; with a dead ingest they fail fast anyway. */
  concurrency?: number;
  /** Explicit ids let a scenario resubmit the same id (G4); otherwise the server assigns them. */
  explicitIds?: boolean;
  /** Called with every answer as it arrives (e.g. to note when each id was accepted); status 0 = no answer. */
  onAnswer?: (userId: string, outcome: SendOutcome) => void;
}

export interface LoadStats {
  sent: number;
  accepted: number;
  rejected: number;
  /** Non-202 answers by status (0 = connection error). */
  statuses: Record<number, number>;
}

export interface Load {
  /** Accepted ids per user, in acknowledgement order (not necessarily log order). */
  accepted: Map<string, string[]>;
  /** Explicit ids sent per user whose outcome was unknown or refused (as sent: the event ids ingest derives from them differ). */
  unacknowledged: Map<string, string[]>;
  stats: LoadStats;
  /** Stops sending and waits for the requests in flight. */
  stop(): Promise<void>;
}

export interface SendOutcome {
  status: number;
  ids: string[];
}

/** One POST /v1/notifications; network errors are status 0. */
export async function sendOne(ingestUrl: string, token: string, userId: string, title: string, id?: string): Promise<SendOutcome> {
  try {
    const res = await fetch(`${ingestUrl}/v1/notifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId, ...(id ? { id } : {}), data: { category: 'chaos', title } }),
      signal: AbortSignal.timeout(10000),
    });
    const body = (await res.json().catch(() => ({}))) as { ids?: string[] };
    return { status: res.status, ids: res.status === 202 ? (body.ids ?? []) : [] };
  } catch {
    return { status: 0, ids: [] };
  }
}

export function startLoad(opts: LoadOptions): Load {
  const accepted = new Map<string, string[]>(opts.users.map((u) => [u, []]));
  const unacknowledged = new Map<string, string[]>(opts.users.map((u) => [u, []]));
  const stats: LoadStats = { sent: 0, accepted: 0, rejected: 0, statuses: {} };
  const concurrency = opts.concurrency ?? 8;
  const intervalMs = 1000 / opts.ratePerSec;
  const started = Date.now();
  let stopped = false;
  let seq = 0;
  const inflight = new Set<Promise<void>>();

  const fire = (): void => {
    const n = seq++;
    const userId = opts.users[n % opts.users.length]!;
    const id = opts.explicitIds ? `chaos-${randomUUID()}` : undefined;
    stats.sent += 1;
    const p = sendOne(opts.ingestUrl(), opts.token, userId, `load-${n}`, id).then((r) => {
      opts.onAnswer?.(userId, r);
      if (r.status === 202) {
        stats.accepted += 1;
        accepted.get(userId)!.push(...r.ids);
      } else {
        stats.rejected += 1;
        stats.statuses[r.status] = (stats.statuses[r.status] ?? 0) + 1;
        if (id) unacknowledged.get(userId)!.push(id);
      }
    });
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  };

  // Paced against the wall clock, so a slow request does not lower the rate (until concurrency caps it).
  const loop = async () => {
    while (!stopped) {
      const due = Math.floor((Date.now() - started) / intervalMs);
      while (seq < due && inflight.size < concurrency && !stopped) fire();
      await new Promise((r) => setTimeout(r, Math.max(1, Math.min(intervalMs, 20))));
    }
  };
  const running = loop();
  return {
    accepted,
    unacknowledged,
    stats,
    async stop() {
      stopped = true;
      await running;
      await Promise.all([...inflight]);
    },
  };
}
