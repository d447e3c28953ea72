import { build, type Histogram } from 'hdr-histogram-js';
import { Pool } from 'undici';

export interface LoadResult {
  phase: string;
  durationS: number;
  requests: number;
  /** Notifications accepted (202), counted from the returned ids. */
  accepted: number;
  errors: Record<string, number>;
  acceptedPerSec: number;
  requestsPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** CPU time per accepted notification, per process (see cpu.ts). */
  cpuUsPerNotification?: { ingest?: number | undefined; persister?: number | undefined };
}

export interface LoadOptions {
  phase: string;
  url: string;
  path: string;
  token: string;
  connections: number;
  durationMs: number;
  /** Pre-serialised bodies, cycled: generating JSON per request would load the generator, not the server. */
  bodies: readonly string[];
}

/**
 * Closed-loop load: `connections` keep-alive clients, each sending its next
 * request when the previous one answered, for a fixed duration. Latency is
 * per request (µs resolution), from send to full response body.
 */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const pool = new Pool(opts.url, { connections: opts.connections, pipelining: 1, keepAliveTimeout: 30_000 });
  const hist: Histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
  const errors: Record<string, number> = {};
  let requests = 0;
  let accepted = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + opts.durationMs;
  const headers = { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json' };

  async function client(): Promise<void> {
    while (performance.now() < deadline) {
      const body = opts.bodies[next++ % opts.bodies.length]!;
      const t0 = performance.now();
      try {
        const res = await pool.request({ method: 'POST', path: opts.path, headers, body });
        const text = await res.body.text();
        hist.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
        requests += 1;
        if (res.statusCode === 202) accepted += (JSON.parse(text) as { ids: string[] }).ids.length;
        else {
          const code = (JSON.parse(text) as { code?: string }).code ?? String(res.statusCode);
          errors[code] = (errors[code] ?? 0) + 1;
        }
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'CLIENT_ERROR';
        errors[code] = (errors[code] ?? 0) + 1;
      }
    }
  }
  await Promise.all(Array.from({ length: opts.connections }, () => client()));
  const durationS = (performance.now() - started) / 1000;
  await pool.close();
  const ms = (us: number) => Math.round(us / 10) / 100;
  return {
    phase: opts.phase,
    durationS: round(durationS),
    requests,
    accepted,
    errors,
    acceptedPerSec: Math.round(accepted / durationS),
    requestsPerSec: Math.round(requests / durationS),
    latencyMs: {
      p50: ms(hist.getValueAtPercentile(50)),
      p90: ms(hist.getValueAtPercentile(90)),
      p99: ms(hist.getValueAtPercentile(99)),
      max: ms(hist.maxValue),
      mean: ms(hist.mean),
    },
  };
}

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
