/** Sends `rate` notifications/s to random fleet users through ingest's batch endpoint, for `durationMs`. */
export interface LoadResult {
  sent: number;
  /** Accepted event id → when its 202 arrived (epoch ms); events for connected users only. */
  acks: Map<string, number>;
  failed: number;
  achievedPerSec: number;
}

export async function runLoad(opts: {
  ingestUrl: string;
  token: string;
  users: readonly string[];
  rate: number;
  batch: number;
  durationMs: number;
  /** Share (0..1) of notifications addressed to users with no socket anywhere: pure read amplification for the node. */
  offline?: number;
  maxInFlight?: number;
}): Promise<LoadResult> {
  const data = { category: 'bench', title: 'Your order has shipped', body: 'Tracking number 1Z999AA10123456784', url: 'https://example.com/orders/42' };
  const maxInFlight = opts.maxInFlight ?? 16;
  const t0 = performance.now();
  let due = 0;
  let sent = 0;
  let failed = 0;
  const acks = new Map<string, number>();
  let inFlight = 0;
  const inflight = new Set<Promise<void>>();
  const offline = opts.offline ?? 0;
  const pick = () =>
    Math.random() < offline ? `offline-${Math.floor(Math.random() * 1e6)}` : opts.users[Math.floor(Math.random() * opts.users.length)]!;
  const post = async (n: number) => {
    const notifications = Array.from({ length: n }, () => ({ userId: pick(), data }));
    try {
      const res = await fetch(`${opts.ingestUrl}/v1/notifications/batch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ notifications }),
      });
      const body = (await res.json()) as { ids?: string[] };
      const at = Date.now();
      if (res.status === 202 && body.ids) {
        sent += n;
        body.ids.forEach((id, i) => {
          if (!notifications[i]!.userId.startsWith('offline-')) acks.set(id, at);
        });
      } else failed += n;
    } catch {
      failed += n;
    }
  };
  // A 5 ms pacer: whatever is due goes out in batches, bounded in flight (open-loop while it keeps up).
  while (performance.now() - t0 < opts.durationMs) {
    const target = Math.floor(((performance.now() - t0) / 1000) * opts.rate);
    while (due < target && inFlight < maxInFlight) {
      const n = Math.min(opts.batch, target - due);
      due += n;
      inFlight += 1;
      const p: Promise<void> = post(n).finally(() => {
        inFlight -= 1;
        inflight.delete(p);
      });
      inflight.add(p);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(inflight);
  const seconds = (performance.now() - t0) / 1000;
  return { sent, acks, failed, achievedPerSec: Math.round(sent / seconds) };
}
