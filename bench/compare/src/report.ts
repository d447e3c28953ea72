import type { SystemRun } from './scenarios/common.js';

// Figures read back from JSON carry null where a run had NaN (nobody got there).
const fmt = (v: number | null) => (v === null || Number.isNaN(v) ? 'n/a' : Number.isInteger(v) ? v.toLocaleString('en-US') : String(v));

/** Tidings value / peer value (what "x times" means); n/a when either side has no figure or the peer's is 0. */
export function ratio(tidings: number | null, peer: number | null): string {
  if (tidings === null || peer === null || !Number.isFinite(tidings) || !Number.isFinite(peer)) return 'n/a';
  if (peer === 0) return tidings === 0 ? '=' : '∞';
  return `${(tidings / peer).toFixed(2)}×`;
}

export interface Ratios {
  [metric: string]: Record<string, string>;
}

export function ratios(runs: readonly SystemRun[]): Ratios {
  const t = runs.find((r) => r.system === 'tidings');
  const out: Ratios = {};
  if (!t) return out;
  for (const m of t.metrics) {
    out[m.name] = {};
    for (const peer of runs) {
      if (peer.system === 'tidings') continue;
      const pm = peer.metrics.find((x) => x.name === m.name);
      out[m.name]![`tidings/${peer.system}`] = pm ? ratio(m.value, pm.value) : 'n/a';
    }
  }
  return out;
}

/** A markdown table: one row per metric, one column per system, then Tidings/peer ratios. */
export function table(runs: readonly SystemRun[]): string {
  const names = [...new Set(runs.flatMap((r) => r.metrics.map((m) => m.name)))];
  const peers = runs.filter((r) => r.system !== 'tidings');
  const hasTidings = runs.some((r) => r.system === 'tidings');
  const r = ratios(runs);
  const head = ['metric', ...runs.map((x) => x.system), ...(hasTidings ? peers.map((p) => `tidings/${p.system}`) : [])];
  const rows = names.map((n) => {
    const unit = runs.flatMap((x) => x.metrics).find((m) => m.name === n)?.unit ?? '';
    const cells = runs.map((x) => {
      const m = x.metrics.find((y) => y.name === n);
      if (!m) return '—';
      const v = fmt(m.value);
      return v === 'n/a' || !unit ? v : `${v} ${unit}`;
    });
    return [n, ...cells, ...(hasTidings ? peers.map((p) => r[n]?.[`tidings/${p.system}`] ?? 'n/a') : [])];
  });
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}
