import { build } from 'hdr-histogram-js';
import type { PublishLog } from './publisher.js';
import type { Receipts } from './types.js';

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export interface Delivery {
  /** Messages published in the phase, accepted by the system, refused. */
  issued: number;
  accepted: number;
  failed: number;
  /** Distinct accepted messages that reached their client. */
  received: number;
  /** Accepted, never received. */
  lost: number;
  /** Received more than once (extra copies). */
  duplicated: number;
  /** Received after a later message of the same user. */
  reordered: number;
  /** Received although the publish was refused. */
  unexpected: number;
  /** Publish accepted (HTTP 202 / PUBLISH reply / PUBACK) → client receipt, ms. */
  acceptToReceiptMs: LatencySummary;
  /** Publish sent → client receipt, ms. */
  sendToReceiptMs: LatencySummary;
  /** Latency CDF points: [ms, percentile]. */
  cdf: [number, number][];
}

const CDF_PERCENTILES = [...Array.from({ length: 99 }, (_, i) => i + 1), 99.5, 99.9, 99.99, 100];

function histogram() {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
}

function summary(h: ReturnType<typeof histogram>): LatencySummary {
  const ms = (us: number) => Math.round(us / 10) / 100;
  if (h.totalCount === 0) return { count: 0, p50: NaN, p90: NaN, p99: NaN, p999: NaN, max: NaN, mean: NaN };
  return {
    count: h.totalCount,
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
    mean: ms(h.mean),
  };
}

/**
 * Joins what was published in a phase (messages after `from` up to `to`, per
 * user) with what the clients received. Latency only counts first copies of
 * messages sent at or after `measureFrom` (epoch ms), so warm-up is excluded
 * from latency but not from the loss count.
 */
export function analyze(log: PublishLog, from: Int32Array, to: Int32Array, receipts: Receipts[], measureFrom = 0): Delivery {
  const users = from.length;
  const seen: Uint8Array[] = Array.from({ length: users }, (_, u) => new Uint8Array(Math.max(0, to[u]! - from[u]!)));
  const maxSeen = new Int32Array(users);
  const lat = histogram();
  const send = histogram();
  let duplicated = 0;
  let reordered = 0;
  let unexpected = 0;
  let received = 0;
  for (const r of receipts) {
    for (let k = 0; k < r.users.length; k++) {
      const u = r.users[k]!;
      const seq = r.seqs[k]!;
      if (seq <= from[u]! || seq > to[u]!) continue; // another phase's message
      const slot = seq - from[u]! - 1;
      if (seen[u]![slot]) {
        duplicated += 1;
        continue;
      }
      seen[u]![slot] = 1;
      if (seq < maxSeen[u]!) reordered += 1;
      else maxSeen[u] = seq;
      const ack = log.ackT[u]![seq - 1]!;
      if (Number.isNaN(ack)) {
        unexpected += 1;
        continue;
      }
      received += 1;
      const sent = log.sendT[u]![seq - 1]!;
      if (sent < measureFrom) continue;
      const t = r.times[k]!;
      // The socket can beat the publish reply back to the publisher: that is 0, not negative.
      lat.recordValue(Math.max(1, Math.round((t - ack) * 1000)));
      send.recordValue(Math.max(1, Math.round((t - sent) * 1000)));
    }
  }
  let issued = 0;
  let accepted = 0;
  for (let u = 0; u < users; u++) {
    for (let seq = from[u]! + 1; seq <= to[u]!; seq++) {
      issued += 1;
      if (!Number.isNaN(log.ackT[u]![seq - 1]!)) accepted += 1;
    }
  }
  const cdf: [number, number][] =
    lat.totalCount === 0 ? [] : CDF_PERCENTILES.map((p) => [Math.round(lat.getValueAtPercentile(p) / 10) / 100, p]);
  return {
    issued,
    accepted,
    failed: issued - accepted,
    received,
    lost: accepted - received,
    duplicated,
    reordered,
    unexpected,
    acceptToReceiptMs: summary(lat),
    sendToReceiptMs: summary(send),
    cdf,
  };
}
