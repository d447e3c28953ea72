import type { AtomicSender, WriteRequest } from '@tidings/kafka';

/**
 * Several AtomicSenders (each its own transactional id) behind one
 * AtomicSender. Kafka allows one open transaction per transactional id, so a
 * single sender commits one transaction at a time and every request behind
 * it waits a full round of AddPartitions → Produce → EndTxn. With a few
 * senders, transactions overlap and those round trips are paid in parallel.
 *
 * Each write still goes to ONE sender, so it stays atomic. Ordering is
 * unaffected where it is defined: a request answered 202 is committed, so a
 * request sent after that answer is appended after it, whichever sender
 * carries it; requests in flight together have no order to keep.
 *
 * A write goes to the sender with the fewest writes outstanding (ties: the
 * next in turn), so a slow transaction does not collect more waiters.
 */
export function createSenderPool(senders: readonly AtomicSender[]): AtomicSender {
  if (senders.length === 0) throw new Error('a sender pool needs at least one sender');
  const outstanding = senders.map(() => 0);
  let turn = 0;
  function pick(): number {
    let best = turn % senders.length;
    for (let k = 1; k < senders.length; k++) {
      const i = (turn + k) % senders.length;
      if (outstanding[i]! < outstanding[best]!) best = i;
    }
    turn += 1;
    return best;
  }
  async function via<T>(run: (s: AtomicSender) => Promise<T>): Promise<T> {
    const i = pick();
    outstanding[i]! += 1;
    try {
      return await run(senders[i]!);
    } finally {
      outstanding[i]! -= 1;
    }
  }
  return {
    async connect() {
      await Promise.all(senders.map((s) => s.connect()));
    },
    send: (writes: readonly WriteRequest[]) => via((s) => s.send(writes)),
    sendStream: (pages) => via((s) => s.sendStream(pages)),
    async close() {
      await Promise.all(senders.map((s) => s.close()));
    },
  };
}
