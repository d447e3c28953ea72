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
    requestTimeout: 2_000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  let lastError: string | undefined;
  const attempt = async (): Promise<boolean> => {
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.listTopics();
      return true;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
      return false;
    } finally {
      await admin.disconnect().catch(() => {});
    }
  };
  const died = opts.exited.then(() => 'exited' as const);
  for (let attempts = 1; ; attempts++) {
    // Race the broker's exit: an attempt against a port that accepts but
    // never answers (someone else's server) would otherwise hide the exit
    // for a whole request timeout.
    const outcome = await Promise.race([attempt(), died]);
    if (outcome === 'exited' || exit) {
      const info = exit ?? (await opts.exited);
      return { ready: false, reason: 'exited', exit: info, lastError };
    }
    if (outcome) return { ready: true, attempts };
    const left = deadline - Date.now();
    if (left <= 0) return { ready: false, reason: 'timeout', lastError };
    await Promise.race([delay(Math.min(pollMs, left)), opts.exited]);
  }
}
