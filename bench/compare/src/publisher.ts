import { now, sleep } from './proc.js';
import type { BenchUser } from './types.js';

/** One message: the `seq`-th (1-based) message of user index `user`. */
export interface PublishMsg {
  user: number;
  seq: number;
}

/**
 * A system's publish path. `send` is called by one lane at a time per lane
 * and answers, per message, when the system accepted it (epoch ms; NaN =
 * refused or failed). A lane sends its next batch only after the previous
 * one was answered, and every user belongs to exactly one lane, so a user's
 * messages are published strictly in sequence order: any reordering seen by
 * a client is the system's.
 */
export interface Publisher {
  lanes: number;
  maxBatch: number;
  send(lane: number, batch: PublishMsg[]): Promise<ArrayLike<number>>;
  close(): Promise<void>;
}

/** Every message issued: per user, send and accept times indexed by seq − 1. */
export class PublishLog {
  readonly sendT: number[][];
  readonly ackT: number[][];
  constructor(users: number) {
    this.sendT = Array.from({ length: users }, () => []);
    this.ackT = Array.from({ length: users }, () => []);
  }
  issue(user: number): number {
    this.sendT[user]!.push(now());
    this.ackT[user]!.push(Number.NaN);
    return this.sendT[user]!.length;
  }
  /** Per user, how many messages have been issued so far (the next phase starts after these). */
  mark(): Int32Array {
    return Int32Array.from(this.sendT, (s) => s.length);
  }
}

export interface LoadStats {
  issued: number;
  accepted: number;
  failed: number;
  seconds: number;
  acceptedPerSec: number;
}

function lanesOf(users: readonly BenchUser[], lanes: number): BenchUser[][] {
  const out: BenchUser[][] = Array.from({ length: lanes }, () => []);
  for (const u of users) out[u.index % lanes]!.push(u);
  return out.filter((l) => l.length > 0);
}

async function sendBatch(pub: Publisher, log: PublishLog, lane: number, users: BenchUser[], counts: { accepted: number; failed: number }) {
  const batch = users.map((u) => ({ user: u.index, seq: log.issue(u.index) }));
  let acks: ArrayLike<number>;
  try {
    acks = await pub.send(lane, batch);
  } catch {
    acks = batch.map(() => Number.NaN);
  }
  batch.forEach((m, i) => {
    const at = acks[i]!;
    log.ackT[m.user]![m.seq - 1] = at;
    if (Number.isNaN(at)) counts.failed += 1;
    else counts.accepted += 1;
  });
}

/**
 * Open-loop load at `rate` messages/s for `durationMs`: lanes draw what is
 * due from a shared budget, each batch taking the lane's users round robin.
 * A lane whose previous batch is still out waits, so when the system cannot
 * keep up the achieved rate falls below the target (reported, not hidden).
 */
export async function runPaced(pub: Publisher, log: PublishLog, users: readonly BenchUser[], rate: number, durationMs: number): Promise<LoadStats> {
  const t0 = performance.now();
  const end = t0 + durationMs;
  let issued = 0;
  const counts = { accepted: 0, failed: 0 };
  await Promise.all(
    lanesOf(users, pub.lanes).map(async (laneUsers, lane) => {
      let rr = 0;
      while (performance.now() < end) {
        const due = Math.floor(((performance.now() - t0) / 1000) * rate) - issued;
        const n = Math.min(pub.maxBatch, laneUsers.length, due);
        if (n <= 0) {
          await sleep(4);
          continue;
        }
        issued += n;
        const pick: BenchUser[] = [];
        for (let k = 0; k < n; k++) pick.push(laneUsers[rr++ % laneUsers.length]!);
        await sendBatch(pub, log, lane, pick, counts);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return { issued, ...counts, seconds, acceptedPerSec: Math.round(counts.accepted / seconds) };
}

/** As fast as the system takes them: `perUser` messages to every user, round after round. */
export async function runBurst(pub: Publisher, log: PublishLog, users: readonly BenchUser[], perUser: number): Promise<LoadStats> {
  const t0 = performance.now();
  const counts = { accepted: 0, failed: 0 };
  await Promise.all(
    lanesOf(users, pub.lanes).map(async (laneUsers, lane) => {
      for (let r = 0; r < perUser; r++) {
        for (let i = 0; i < laneUsers.length; i += pub.maxBatch) await sendBatch(pub, log, lane, laneUsers.slice(i, i + pub.maxBatch), counts);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return { issued: users.length * perUser, ...counts, seconds, acceptedPerSec: Math.round(counts.accepted / seconds) };
}
