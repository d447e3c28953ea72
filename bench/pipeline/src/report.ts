import { describeDurability, type PostgresDurability } from '@tidings/testkit';
import type { LoadResult } from './load.js';
import type { PersistRate } from './persisted.js';

export interface BenchResult {
  command: string;
  startedAt: string;
  machine: { cpus: number; model: string; memGb: number; node: string; loadAvg: number[]; postgres: PostgresDurability };
  settings: Record<string, unknown>;
  ingest: LoadResult[];
  persister: {
    underLoad: PersistRate;
    drain?: (PersistRate & { backlog: number; wallS: number; wallEventsPerSec: number; cpuUsPerEvent?: number | undefined }) | undefined;
  };
  accepted: number;
  stored: number;
  lost: number;
}

/** A short human table; the JSON is the record. */
export function table(r: BenchResult): string {
  const lines = [
    `command: ${r.command}`,
    `machine: ${r.machine.cpus} × ${r.machine.model}, ${r.machine.memGb} GB, node ${r.machine.node} (Kafka, Postgres, services and load generator together); load average ${r.machine.loadAvg.join(' → ')}`,
    `postgres: ${describeDurability(r.machine.postgres)}`,
    '',
    'phase     conns  accepted/s  requests/s  p50 ms  p90 ms  p99 ms  max ms  cpu µs/notification (ingest, persister)  errors',
  ];
  for (const l of r.ingest) {
    const errs = Object.entries(l.errors).map(([k, v]) => `${k}:${v}`).join(' ') || '-';
    lines.push(
      [
        l.phase.padEnd(8),
        String(r.settings['connections']).padStart(5),
        String(l.acceptedPerSec).padStart(10),
        String(l.requestsPerSec).padStart(10),
        l.latencyMs.p50.toFixed(1).padStart(6),
        l.latencyMs.p90.toFixed(1).padStart(6),
        l.latencyMs.p99.toFixed(1).padStart(6),
        l.latencyMs.max.toFixed(0).padStart(6),
        `${String(l.cpuUsPerNotification?.ingest ?? '-').padStart(8)}, ${String(l.cpuUsPerNotification?.persister ?? '-').padEnd(30)}`,
        ` ${errs}`,
      ].join('  '),
    );
  }
  lines.push('');
  lines.push(`persister under load: ${r.persister.underLoad.eventsPerSec} events/s (${r.persister.underLoad.events} events over ${r.persister.underLoad.spanS} s)`);
  const d = r.persister.drain;
  if (d) {
    lines.push(`persister drain:      ${d.eventsPerSec} events/s first→last row (${d.events} backlog events over ${d.spanS} s); ${d.wallEventsPerSec} events/s wall clock incl. start and group join (${d.wallS} s); persister CPU ${d.cpuUsPerEvent ?? '-'} µs/event`);
  }
  lines.push(`accepted ${r.accepted}, stored ${r.stored}, lost ${r.lost}`);
  return lines.join('\n');
}
