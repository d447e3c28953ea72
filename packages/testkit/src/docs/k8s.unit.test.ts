import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import type { TObject } from '@sinclair/typebox';
import { parseAllDocuments } from 'yaml';
import { SERVICE_CONFIGS } from './config-docs.js';

interface K8sDoc {
  kind: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}
interface Container {
  command: string[];
  env?: { name: string }[];
  readinessProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string } };
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
}

const dir = new URL('../../../../infra/k8s/', import.meta.url);

async function load(): Promise<K8sDoc[]> {
  const docs: K8sDoc[] = [];
  for (const f of (await readdir(dir)).filter((f) => f.endsWith('.yaml'))) {
    for (const d of parseAllDocuments(await readFile(new URL(f, dir), 'utf8'))) {
      assert.deepEqual(d.errors, [], `${f} is not valid YAML`);
      docs.push(d.toJS() as K8sDoc);
    }
  }
  return docs;
}

test('every workload has probes on /readyz and /healthz, a grace period and a disruption budget', async () => {
  const docs = await load();
  const workloads = docs.filter((d) => d.kind === 'Deployment' || d.kind === 'StatefulSet');
  assert.deepEqual(workloads.map((w) => w.metadata.name).sort(), ['tidings-gateway', 'tidings-ingest', 'tidings-ops', 'tidings-persister']);
  for (const w of workloads) {
    const pod = (w.spec!['template'] as { spec: { terminationGracePeriodSeconds: number; containers: Container[] } }).spec;
    const c = pod.containers[0]!;
    assert.equal(c.readinessProbe?.httpGet?.path, '/readyz', w.metadata.name);
    assert.equal(c.livenessProbe?.httpGet?.path, '/healthz', w.metadata.name);
    assert.ok(pod.terminationGracePeriodSeconds >= 30, `${w.metadata.name} drains for at least 30 s`);
    assert.ok(docs.some((d) => d.kind === 'PodDisruptionBudget' && d.metadata.name === w.metadata.name), `${w.metadata.name} has a PDB`);
    // Services behind a load balancer keep serving while endpoints are removed (the persister has no traffic).
    if (w.metadata.name !== 'tidings-persister') {
      const sleep = c.lifecycle?.preStop?.exec?.command;
      assert.ok(sleep?.[0] === 'sleep' && Number(sleep[1]) >= 3 && Number(sleep[1]) < pod.terminationGracePeriodSeconds, `${w.metadata.name} has a preStop sleep shorter than its grace period`);
    }
  }
});

test('every environment variable the manifests set is one the service accepts', async () => {
  const docs = await load();
  const shared = docs.filter((d) => d.kind === 'ConfigMap' || d.kind === 'Secret').flatMap((d) => Object.keys({ ...d.data, ...d.stringData }));
  const anyAccepts = new Set<string>();
  // The inbox page is a development tool; it is not deployed.
  for (const cfg of SERVICE_CONFIGS.filter((c) => c.service !== 'web')) {
    const schema = ((await import(new URL(cfg.module, import.meta.url).href)) as Record<string, TObject>)[cfg.schema]!;
    const accepted = new Set(Object.keys(schema.properties));
    for (const name of accepted) anyAccepts.add(name);
    const w = docs.find((d) => d.metadata.name === `tidings-${cfg.service}` && (d.kind === 'Deployment' || d.kind === 'StatefulSet'));
    assert.ok(w, `no workload for ${cfg.service}`);
    const c = (w.spec!['template'] as { spec: { containers: Container[] } }).spec.containers[0]!;
    assert.deepEqual(c.command, ['node', `services/${cfg.service}/dist/main.js`]);
    for (const name of (c.env ?? []).map((e) => e.name)) assert.ok(accepted.has(name), `${cfg.service} does not accept ${name}`);
  }
  // Shared settings go to every pod; each must mean something to some service.
  for (const name of shared) assert.ok(anyAccepts.has(name), `no service reads ${name}`);
});
