import { rowPassed, type PhaseRow } from './phases.js';
import { fmtAt, type ClusterResult } from './run.js';

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function phaseCells(r: PhaseRow, start: string): string[] {
  return [
    r.name,
    start,
    String(r.accepted),
    String(r.rejected),
    String(r.delivered),
    String(r.lost),
    String(r.duplicated),
    String(r.reordered),
    String(r.unpersisted),
    String(r.watermarkSamples),
    String(r.regressions),
    String(r.overshoots),
    rowPassed(r) ? 'PASS' : 'FAIL',
  ];
}

/** Per phase: what ingest accepted, what clients got, and how the watermark readings held. */
export function phaseTable(result: ClusterResult): string {
  const head = ['phase', 'from', 'accepted', 'refused', 'delivered', 'lost', 'dup', 'reordered', 'unpersisted', 'wm samples', 'regressions', 'overshoots', 'result'];
  return table(head, [...result.phases.map((r) => phaseCells(r, fmtAt(r.startMs))), phaseCells(result.total, '')]);
}

/** The node events in time order, with wall-clock and load-relative times. */
export function nodeEventLines(result: ClusterResult): string {
  return result.nodeEvents
    .map((e) => `${e.at}  ${fmtAt(e.atMs).padStart(7)}  ${e.what}${e.tookMs ? ` (${(e.tookMs / 1000).toFixed(1)} s)` : ''}${e.ok ? '' : `  FAILED: ${e.error}`}`)
    .join('\n');
}

/** The lines under the table: clients, watermarks, failures, and the verdict. */
export function summaryLines(result: ClusterResult): string {
  const c = result.clients;
  const w = result.watermarks;
  const out = [
    `clients: ${c.count}; resumes ${c.resumes}; sockets lost by close code ${JSON.stringify(c.closes)}; recovered:false ${c.unrecovered}; foreign events ${c.foreign}; repeats dropped by the SDK ${c.sdkDuplicatesDropped}`,
    `load: ${result.load.sent} sent, ${result.load.accepted} accepted, ${result.load.rejected} not (by status: ${JSON.stringify(result.load.statuses)})`,
    `watermarks: ${w.samples} partition readings (${w.snapshotErrors} failed snapshots), ${w.regressions.length} regressions, ${w.overshoots.length} overshoots, against ${w.committedRecords} committed records; at the log end after the drain: ${result.reachedLogEnd ? 'yes' : 'NO'}`,
  ];
  const still = w.longestStandstill;
  if (still) out.push(`  longest watermark standstill: ${((still.toMs - still.fromMs) / 1000).toFixed(1)} s (partition ${still.partition}, ${fmtAt(still.fromMs)} to ${fmtAt(still.toMs)})`);
  for (const f of [...w.regressions, ...w.overshoots].slice(0, 10)) out.push(`  watermark p${f.partition} = ${f.watermark} at ${fmtAt(f.atMs)}: ${f.detail}`);
  for (const crash of result.crashes) out.push(`crash: ${crash}`);
  for (const error of result.errors) out.push(`error: ${error}`);
  out.push(`result: ${result.ok ? 'PASS' : 'FAIL'} in ${(result.durationMs / 1000).toFixed(1)} s`);
  return out.join('\n');
}
