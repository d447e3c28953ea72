import { writeFile } from 'node:fs/promises';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { SystemRun } from './scenarios/common.js';

/** Renders a Vega-Lite spec to SVG with Vega's headless view (no browser, no canvas). */
async function render(spec: TopLevelSpec, file: string): Promise<void> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    await writeFile(file, await view.toSVG());
  } finally {
    view.finalize();
  }
}

/** Latency CDF per system (log-scaled ms against percentile). */
export async function latencyCdf(runs: readonly SystemRun[], title: string, file: string): Promise<boolean> {
  const values = runs.flatMap((r) => (r.cdf ?? []).map(([ms, p]) => ({ system: r.system, ms: Math.max(ms, 0.01), percentile: p })));
  if (values.length === 0) return false;
  await render(
    {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title,
      width: 560,
      height: 320,
      data: { values },
      mark: { type: 'line', interpolate: 'step-after' },
      encoding: {
        x: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'latency, publish accepted → client receipt (ms, log)' },
        y: { field: 'percentile', type: 'quantitative', scale: { domain: [0, 100] }, title: 'percentile' },
        color: { field: 'system', type: 'nominal' },
      },
    },
    file,
  );
  return true;
}

/** Messages accepted by the system but never delivered, per system. */
export async function lossBars(runs: readonly SystemRun[], title: string, file: string): Promise<boolean> {
  const values = runs.filter((r) => r.lost !== undefined).map((r) => ({ system: r.system, lost: r.lost! }));
  if (values.length === 0) return false;
  await render(
    {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title,
      width: 420,
      height: 280,
      data: { values },
      layer: [
        { mark: 'bar', encoding: { x: { field: 'system', type: 'nominal', sort: null }, y: { field: 'lost', type: 'quantitative', title: 'messages lost' }, color: { field: 'system', type: 'nominal', legend: null } } },
        { mark: { type: 'text', dy: -6 }, encoding: { x: { field: 'system', type: 'nominal', sort: null }, y: { field: 'lost', type: 'quantitative' }, text: { field: 'lost', type: 'quantitative' } } },
      ],
    },
    file,
  );
  return true;
}
