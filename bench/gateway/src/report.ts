/** Percentiles and the printed table. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

export interface Row {
  metric: string;
  value: string;
  target: string;
  ok?: boolean | undefined;
}

export function table(rows: readonly Row[]): string {
  const w = [Math.max(6, ...rows.map((r) => r.metric.length)), Math.max(5, ...rows.map((r) => r.value.length)), Math.max(6, ...rows.map((r) => r.target.length))];
  const line = (a: string, b: string, c: string, d: string) => `| ${a.padEnd(w[0]!)} | ${b.padStart(w[1]!)} | ${c.padEnd(w[2]!)} | ${d.padEnd(5)} |`;
  return [
    line('metric', 'value', 'contract §9', 'meets'),
    `|${'-'.repeat(w[0]! + 2)}|${'-'.repeat(w[1]! + 2)}|${'-'.repeat(w[2]! + 2)}|-------|`,
    ...rows.map((r) => line(r.metric, r.value, r.target, r.ok === undefined ? '' : r.ok ? 'yes' : 'NO')),
  ].join('\n');
}
