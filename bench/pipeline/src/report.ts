import type { LoadResult } from './load.js';
import type { PersistRate } from './persisted.js';

export interface BenchResult {
  command: string;
  startedAt: string;
  machine: { cpus: number; model: string; memGb: number; node: string };
  settings: Record<string, unknown>;
  ingest: LoadResult[];
  persister: {
    underLoad: PersistRate;
    drain?: (PersistRate & { backlog: number; wallS: number; wallEventsPerSec: number }) | undefined;
  };
  accepted: number;
  stored: number;
  lost: number;
}

/** A short human table; the JSON is the record. */
export function table(r: BenchResult): string {
  const lines = [
    `command: ${r.command}`,
    `machine: ${r.machine.cpus} × ${r.machine.model}, ${r.machine.memGb} GB, node ${r.machine.node} (Kafka, Postgres, services and load generator together)`,
    '',
    'phase     conns  accepted/s  requests/s  p50 ms  p90 ms  p99 ms  max ms  errors',
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
        ` ${errs}`,
      ].join('  '),
    );
  }
  lines.push('');
  lines.push(`persister under load: ${r.persister.underLoad.eventsPerSec} events/s (${r.persister.underLoad.events} events over ${r.persister.underLoad.spanS} s)`);
  const d = r.persister.drain;
  if (d) {
    lines.push(`persister drain:      ${d.eventsPerSec} events/s first→last row (${d.events} backlog events over ${d.spanS} s); ${d.wallEventsPerSec} events/s wall clock incl. start and group join (${d.wallS} s)`);
  }
  lines.push(`accepted ${r.accepted}, stored ${r.stored}, lost ${r.lost}`);
  return lines.join('\n');
}
