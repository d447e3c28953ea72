import type { SequenceFindings } from '../chaos/check.js';
import type { WatermarkVerdict } from './watermark-check.js';

/**
 * A run is cut into phases at its node events: phase i runs from the start
 * of event i to the start of event i+1. Everything is attributed to the
 * phase in which ingest accepted the event (its 202), so a loss shows
 * under the node event it happened near, whenever the client noticed.
 */
export interface Phase {
  name: string;
  /** ms since the start of the load. */
  startMs: number;
}

/** The phase containing `atMs` (the first phase for anything earlier). */
export function phaseAt(phases: readonly Phase[], atMs: number): number {
  let i = 0;
  while (i + 1 < phases.length && phases[i + 1]!.startMs <= atMs) i += 1;
  return i;
}

export interface PhaseRow {
  name: string;
  startMs: number;
  /** Notifications ingest accepted (202) / refused or dropped. */
  accepted: number;
  rejected: number;
  /** Events received by clients (one per client and event). */
  delivered: number;
  lost: number;
  duplicated: number;
  reordered: number;
  /** Accepted ids missing from Postgres after the drain. */
  unpersisted: number;
  watermarkSamples: number;
  regressions: number;
  overshoots: number;
}

export interface ClientSequence {
  findings: SequenceFindings;
  /** Every id the client received, repeats included. */
  received: readonly string[];
}

export interface PhaseInputs {
  phases: readonly Phase[];
  clients: readonly ClientSequence[];
  /** The phase of an event id (when it was accepted). */
  phaseOf: (id: string) => number;
  /** Per phase: notifications accepted and refused. */
  answers: readonly { accepted: number; rejected: number }[];
  /** The watermark verdict and every sample time, to count readings per phase. */
  watermarks: WatermarkVerdict;
  sampleTimes: readonly number[];
}

export function phaseRows(inputs: PhaseInputs): PhaseRow[] {
  const rows: PhaseRow[] = inputs.phases.map((p, i) => ({
    name: p.name,
    startMs: p.startMs,
    accepted: inputs.answers[i]?.accepted ?? 0,
    rejected: inputs.answers[i]?.rejected ?? 0,
    delivered: 0,
    lost: 0,
    duplicated: 0,
    reordered: 0,
    unpersisted: 0,
    watermarkSamples: 0,
    regressions: 0,
    overshoots: 0,
  }));
  const row = (id: string) => rows[Math.min(rows.length - 1, Math.max(0, inputs.phaseOf(id)))]!;
  for (const c of inputs.clients) {
    for (const id of new Set(c.received)) row(id).delivered += 1;
    for (const id of c.findings.lost) row(id).lost += 1;
    for (const id of c.findings.duplicated) row(id).duplicated += 1;
    for (const id of c.findings.reordered) row(id).reordered += 1;
    for (const id of c.findings.unpersisted) row(id).unpersisted += 1;
  }
  const atTime = (ms: number) => rows[phaseAt(inputs.phases, ms)]!;
  for (const ms of inputs.sampleTimes) atTime(ms).watermarkSamples += 1;
  for (const f of inputs.watermarks.regressions) atTime(f.atMs).regressions += 1;
  for (const f of inputs.watermarks.overshoots) atTime(f.atMs).overshoots += 1;
  return rows;
}

/** The sum of every row, as one more row named `total`. */
export function totalRow(rows: readonly PhaseRow[]): PhaseRow {
  const total: PhaseRow = { name: 'total', startMs: 0, accepted: 0, rejected: 0, delivered: 0, lost: 0, duplicated: 0, reordered: 0, unpersisted: 0, watermarkSamples: 0, regressions: 0, overshoots: 0 };
  const keys = ['accepted', 'rejected', 'delivered', 'lost', 'duplicated', 'reordered', 'unpersisted', 'watermarkSamples', 'regressions', 'overshoots'] as const;
  for (const r of rows) for (const k of keys) total[k] += r[k];
  return total;
}

/** A row passes when nothing was lost, doubled, reordered or unpersisted and every watermark reading held. */
export const rowPassed = (r: PhaseRow): boolean => r.lost + r.duplicated + r.reordered + r.unpersisted + r.regressions + r.overshoots === 0;
