import { readFile } from 'node:fs/promises';
import type {
  AuditPage,
  DeadLetterPage,
  DeadLetterRetried,
  DeadLetterRetryAll,
  HistoryPage,
  LagReport,
  RebuildStatus,
  RedeliverAccepted,
} from '@tidings/protocol';
import { CliError, type OpsClient } from './client.js';
import { clip, progressLine, table } from './format.js';

/** Where a command writes: stdout, stderr (progress), and whether the caller asked for JSON. */
export interface Output {
  json: boolean;
  write(text: string): void;
  progress(text: string, final: boolean): void;
}

const print = (out: Output, data: unknown, human: () => string) => out.write(out.json ? JSON.stringify(data, null, 2) : human());

export async function history(c: OpsClient, out: Output, userId: string, o: { from?: string; to?: string; limit?: string; all?: boolean }): Promise<void> {
  const events: HistoryPage['events'] = [];
  let from = o.from;
  let next: string | undefined;
  do {
    const page = await c.get<HistoryPage>(`/v1/ops/users/${encodeURIComponent(userId)}/events`, { from, to: o.to, limit: o.limit });
    events.push(...page.events);
    next = page.next;
    from = next;
  } while (o.all && next !== undefined);
  print(out, { events, ...(next !== undefined ? { next } : {}) }, () =>
    [
      table(
        ['partition', 'offset', 'time', 'type', 'id', 'data'],
        events.map((e) => [e.partition, e.offset, e.event.time, e.event.type, e.event.id, clip(e.event.data, 50)]),
      ),
      `${events.length} events${next !== undefined ? `; more with --from ${next}` : ''}`,
    ].join('\n'),
  );
}

export async function redeliver(c: OpsClient, out: Output, userId: string, o: { fromCursor?: string; fromTime?: string }): Promise<void> {
  if ((o.fromCursor === undefined) === (o.fromTime === undefined)) throw new CliError('TIDINGS_ERR_USAGE', 'give exactly one of --from-cursor, --from-time');
  const r = await c.post<RedeliverAccepted>('/v1/ops/redeliver', {
    userId,
    ...(o.fromCursor !== undefined ? { fromCursor: o.fromCursor } : { fromTime: o.fromTime }),
  });
  print(out, r, () => `redeliver requested: ${r.requestId} (gateways log the outcome under this id)`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a rebuild and, unless told not to wait, follows it to the end; a failed rebuild is an error (exit code). */
export async function rebuild(c: OpsClient, out: Output, o: { source: string; wait: boolean; pollMs?: number }): Promise<void> {
  let s = await c.post<RebuildStatus>('/v1/ops/rebuild', { source: o.source });
  if (o.wait) s = await follow(c, out, s.id, o.pollMs);
  finish(out, s);
}

export async function rebuildStatus(c: OpsClient, out: Output, id: string, o: { wait: boolean; pollMs?: number }): Promise<void> {
  const s = o.wait ? await follow(c, out, id, o.pollMs) : await c.get<RebuildStatus>(`/v1/ops/rebuild/${encodeURIComponent(id)}`);
  finish(out, s);
}

async function follow(c: OpsClient, out: Output, id: string, pollMs = 1000): Promise<RebuildStatus> {
  for (;;) {
    const s = await c.get<RebuildStatus>(`/v1/ops/rebuild/${encodeURIComponent(id)}`);
    // finishedAt, not just the state: a done job may still be dropping the old table (phase cleanup).
    const over = s.finishedAt !== null;
    if (!out.json) out.progress(`rebuild ${id} ${progressLine(s)}`, over);
    if (over) return s;
    await sleep(pollMs);
  }
}

function finish(out: Output, s: RebuildStatus): void {
  print(out, s, () => {
    const phases = Object.entries(s.phases)
      .map(([name, p]) => `${name} ${p.events} events in ${(p.ms / 1000).toFixed(1)} s`)
      .join(', ');
    return [
      `rebuild ${s.id} (${s.source}): ${s.state}${s.state === 'running' || s.state === 'swapping' ? `/${s.phase}` : ''}`,
      `${s.events.toLocaleString('en-US')} events, ${s.eventsPerSec.toLocaleString('en-US')} events/s${phases ? ` (${phases})` : ''}`,
      ...(s.state === 'running' ? [progressLine(s)] : []),
    ].join('\n');
  });
  if (s.state === 'failed') throw new CliError(s.error?.code ?? 'TIDINGS_ERR_REBUILD_FAILED', `rebuild ${s.id} failed: ${s.error?.message ?? 'unknown'}`);
}

export async function dlqList(c: OpsClient, out: Output, o: { pending?: boolean; limit?: string; after?: string }): Promise<void> {
  const r = await c.get<DeadLetterPage>('/v1/ops/dlq', { pending: o.pending ? true : undefined, limit: o.limit, after: o.after });
  print(out, r, () =>
    [
      table(
        ['id', 'partition', 'offset', 'created', 'retries', 'reason', 'value'],
        r.letters.map((l) => [l.id, l.partition, l.offset, l.createdAt, l.retryCount, clip(l.reason, 50), clip(l.value ?? '', 40)]),
      ),
      `${r.letters.length} shown, ${r.pending} pending${r.next !== undefined ? `; more with --after ${r.next}` : ''}`,
    ].join('\n'),
  );
}

export async function dlqRetry(c: OpsClient, out: Output, id: string, o: { value?: string }): Promise<void> {
  let body: { value?: unknown } = {};
  if (o.value !== undefined) {
    let text: string;
    try {
      text = await readFile(o.value, 'utf8');
    } catch (error) {
      throw new CliError('TIDINGS_ERR_USAGE', `cannot read --value ${o.value}: ${(error as Error).message}`);
    }
    try {
      body = { value: JSON.parse(text) as unknown };
    } catch {
      throw new CliError('TIDINGS_ERR_USAGE', `--value ${o.value} is not JSON`);
    }
  }
  const r = await c.post<DeadLetterRetried>(`/v1/ops/dlq/${encodeURIComponent(id)}/retry`, body);
  print(out, r, () => `dead letter ${r.id} re-produced as event ${r.eventId} for ${r.userId} (retry #${r.retryCount})`);
}

export async function dlqRetryAll(c: OpsClient, out: Output): Promise<void> {
  const r = await c.post<DeadLetterRetryAll>('/v1/ops/dlq/retry-all');
  print(out, r, () =>
    [
      `${r.retried} re-produced, ${r.skippedCount} still invalid (left pending)`,
      ...r.skipped.map((s) => `  ${s.id}: ${s.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`),
    ].join('\n'),
  );
}

export async function lag(c: OpsClient, out: Output): Promise<void> {
  const r = await c.get<LagReport>('/v1/ops/lag');
  const nodes = r.partitions[0]?.gateways.map((g) => g.node) ?? [];
  print(out, r, () =>
    table(
      ['partition', 'log end', 'committed', 'watermark', 'persister lag', ...nodes.map((n) => `lag ${n}`)],
      r.partitions.map((p) => [p.partition, p.logEnd, p.persisterCommitted, p.watermark, p.persisterLag, ...p.gateways.map((g) => g.lag)]),
    ),
  );
}

export async function audit(c: OpsClient, out: Output, o: { limit?: string; before?: string; action?: string; actor?: string }): Promise<void> {
  const r = await c.get<AuditPage>('/v1/ops/audit', o);
  print(out, r, () =>
    [
      table(
        ['id', 'at', 'actor', 'action', 'ok', 'params', 'result'],
        r.entries.map((e) => [e.id, e.at, e.actor, e.action, e.ok ? 'ok' : 'FAILED', clip(e.params, 40), clip(e.result, 40)]),
      ),
      ...(r.next !== undefined ? [`more with --before ${r.next}`] : []),
    ].join('\n'),
  );
}
