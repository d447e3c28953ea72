import type { ScenarioResult } from './runner.js';

/** One line per scenario with the client totals, then the failing clients, for the console and the report. */
export function summaryTable(results: readonly ScenarioResult[]): string {
  const head = ['scenario', 'duration', 'clients', 'sent', 'accepted', 'received', 'lost', 'dup', 'reordered', 'result'];
  const rows = results.map((r) => {
    const sum = (k: 'received' | 'lost' | 'duplicated' | 'reordered') => r.clients.reduce((n, c) => n + c[k], 0);
    return [
      r.name,
      `${(r.durationMs / 1000).toFixed(1)}s`,
      String(r.clients.length),
      String(r.sent),
      String(r.accepted),
      String(sum('received')),
      String(sum('lost')),
      String(sum('duplicated')),
      String(sum('reordered')),
      r.ok ? 'PASS' : 'FAIL',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  for (const r of results) {
    if (r.error) out.push(`  ${r.name}: error: ${r.error}`);
    if (r.crashes.length) out.push(`  ${r.name}: services crashed: ${r.crashes.join(', ')}`);
    for (const c of r.clients) if (!r.ok && (c.lost || c.duplicated || c.reordered || c.foreign || c.unpersisted || c.unrecovered)) out.push(`  ${r.name}: ${JSON.stringify(c)}`);
    for (const n of r.notes) out.push(`  ${r.name}: ${n}`);
  }
  return out.join('\n');
}
