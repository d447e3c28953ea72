/** Plain-text rendering for humans: aligned tables and a rebuild progress line. */

export type Cell = string | number | boolean | null | undefined;

/** Columns padded to their widest cell; numbers right-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || (typeof r[i] === 'string' && /^-?\d+$/.test(r[i] as string))));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join('\n');
}

/** Cuts long values (event data, raw dead letters) for one table cell. */
export function clip(value: unknown, max = 60): string {
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  if (s === undefined) return '-';
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export interface ProgressView {
  state: string;
  phase: string;
  events: number;
  eventsPerSec: number;
  partitions: { done: string; target: string }[];
}

/** `[#######-------]  52%  1,234,567 events  61,234 ev/s  running/load` */
export function progressLine(s: ProgressView, width = 30): string {
  let done = 0n;
  let target = 0n;
  for (const p of s.partitions) {
    const t = BigInt(p.target);
    const d = BigInt(p.done);
    target += t;
    done += d < t ? d : t;
  }
  const ratio = target === 0n ? (s.state === 'done' ? 1 : 0) : Number((done * 1000n) / target) / 1000;
  const filled = Math.round(ratio * width);
  const fmt = (n: number) => n.toLocaleString('en-US');
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}%  ${fmt(s.events)} events  ${fmt(s.eventsPerSec)} ev/s  ${s.state}/${s.phase}`;
}
