import { setTimeout as delay } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import type { ExitInfo } from './jvm.js';

export type ReadyOutcome =
  | { ready: true; attempts: number }
  | { ready: false; reason: 'exited'; exit: ExitInfo; lastError: string | undefined }
  | { ready: false; reason: 'timeout'; lastError: string | undefined };

/**
 * Polls until a kafkajs admin client can connect and list topics — the same
 * path every service takes, so "ready" means usable, not merely "port open".
 * Each attempt fails fast (no kafkajs retries, 1 s connect timeout) and the
 * loop waits `pollMs` between attempts; it stops early when the broker exits.
 */
export async function waitUntilReady(opts: {
  brokers: string[];
  exited: Promise<ExitInfo>;
  timeoutMs: number;
  pollMs?: number;
}): Promise<ReadyOutcome> {
  const pollMs = opts.pollMs ?? 100;
  const deadline = Date.now() + opts.timeoutMs;
  let exit: ExitInfo | undefined;
  void opts.exited.then((info) => {
    exit = info;
  });
  const kafka = new Kafka({
    clientId: 'tidings-testkit-ready',
    brokers: opts.brokers,
    connectionTimeout: 1_000,
    requestTimeout: 5_000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  let lastError: string | undefined;
  for (let attempts = 1; ; attempts++) {
    if (exit) return { ready: false, reason: 'exited', exit, lastError };
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.listTopics();
      return { ready: true, attempts };
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    } finally {
      await admin.disconnect().catch(() => {});
    }
    const left = deadline - Date.now();
    if (left <= 0) return { ready: false, reason: 'timeout', lastError };
    // Wake early if the broker dies while we sleep.
    await Promise.race([delay(Math.min(pollMs, left)), opts.exited]);
  }
}
