import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * infra/grafana/tidings.json must stay importable and must only chart
 * metrics the services really define: a renamed metric fails here instead
 * of leaving an empty panel in production.
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { uid: string };
  targets?: { refId: string; expr: string; datasource?: { uid: string } }[];
}

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sourceFiles(path)));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

/** Every metric name a service defines (`name: 'tidings_…'` in services/<x>/src). */
async function definedMetrics(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const service of await readdir(join(root, 'services'))) {
    const src = join(root, 'services', service, 'src');
    for (const file of await sourceFiles(src).catch(() => [])) {
      for (const m of (await readFile(file, 'utf8')).matchAll(/name:\s*'(tidings_[a-z0-9_]+)'/g)) names.add(m[1]!);
    }
  }
  return names;
}

const dashboard = async () => JSON.parse(await readFile(join(root, 'infra/grafana/tidings.json'), 'utf8')) as { panels: Panel[]; __inputs: { name: string }[]; uid: string; title: string };

/** Metric names an expression reads, with histogram/summary series suffixes mapped to the metric. */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\btidings_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''));
}

test('every metric a dashboard panel queries is defined by a service', async () => {
  const defined = await definedMetrics();
  assert.ok(defined.size > 10, `found only ${defined.size} metric definitions — did the grep break?`);
  const d = await dashboard();
  for (const panel of d.panels.filter((p) => p.type !== 'row')) {
    assert.ok(panel.targets && panel.targets.length > 0, `panel "${panel.title}" has no query`);
    for (const t of panel.targets) {
      const used = metricsIn(t.expr);
      assert.ok(used.length > 0, `panel "${panel.title}" ${t.refId} queries no tidings metric: ${t.expr}`);
      for (const name of used) assert.ok(defined.has(name), `panel "${panel.title}" queries ${name}, which no service defines`);
    }
  }
});

test('the dashboard covers the metrics that matter (docs/contract.md §8)', async () => {
  const d = await dashboard();
  const exprs = d.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
  const required = [
    'tidings_gateway_connections',
    'tidings_ingest_events_accepted_total',
    'tidings_gateway_events_out_total',
    'tidings_persister_lag_records',
    'tidings_persister_batch_seconds',
    'tidings_gateway_resumes_total',
    'tidings_gateway_resume_events',
    'tidings_gateway_resume_seconds',
    'tidings_gateway_slow_disconnects_total',
    'tidings_dlq_records_total',
    'tidings_ingest_kafka_write_seconds',
  ];
  for (const name of required) assert.ok(exprs.some((e) => metricsIn(e).includes(name)), `no panel charts ${name}`);
  for (const q of ['0.5', '0.99']) {
    assert.ok(
      exprs.some((e) => e.includes(`histogram_quantile(${q},`) && e.includes('tidings_gateway_delivery_seconds_bucket')),
      `no delivery latency p${q === '0.5' ? 50 : 99} panel`,
    );
  }
});

test('the dashboard is importable: a datasource input, unique panel ids, panels on the 24-column grid', async () => {
  const d = await dashboard();
  assert.ok(d.uid && d.title);
  assert.deepEqual(d.__inputs.map((i) => i.name), ['DS_PROMETHEUS']);
  const ids = d.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'panel ids repeat');
  for (const p of d.panels) {
    assert.ok(p.gridPos.x >= 0 && p.gridPos.x + p.gridPos.w <= 24, `panel "${p.title}" leaves the grid`);
    if (p.type !== 'row') assert.equal(p.datasource?.uid, '${DS_PROMETHEUS}', `panel "${p.title}" is not bound to the datasource input`);
  }
});
