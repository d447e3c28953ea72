import type { TObject, TSchema } from '@sinclair/typebox';

/** Each service's config module and the name of its schema export. */
export const SERVICE_CONFIGS = [
  { service: 'ingest', module: '../../../../services/ingest/dist/config.js', schema: 'IngestEnv' },
  { service: 'persister', module: '../../../../services/persister/dist/config.js', schema: 'PersisterEnv' },
  { service: 'gateway', module: '../../../../services/gateway/dist/config.js', schema: 'GatewayEnv' },
  { service: 'ops', module: '../../../../services/ops/dist/config.js', schema: 'OpsEnv' },
  { service: 'web', module: '../../../../services/web/dist/config.js', schema: 'WebEnv' },
] as const;

function constraint(s: TSchema & Record<string, unknown>): string {
  const parts: string[] = [];
  if (Array.isArray(s['anyOf'])) parts.push((s['anyOf'] as { const?: unknown }[]).map((a) => String(a.const)).join(' \\| '));
  else if (typeof s['type'] === 'string') parts.push(s['type']);
  if (typeof s['pattern'] === 'string') parts.push(`pattern \`${s['pattern']}\``);
  if (typeof s['minimum'] === 'number') parts.push(`≥ ${s['minimum']}`);
  if (typeof s['maximum'] === 'number') parts.push(`≤ ${s['maximum']}`);
  return parts.join(', ');
}

/** A markdown table of a service's variables, straight from its schema, so docs cannot drift. */
export function renderConfigTable(service: string, schema: TObject): string {
  const rows = Object.entries(schema.properties).map(([name, raw]) => {
    const s = raw as TSchema & Record<string, unknown>;
    const required = (schema.required ?? []).includes(name) && s['default'] === undefined;
    const def = s['default'] === undefined ? '' : `\`${JSON.stringify(s['default'])}\``;
    return `| \`${name}\` | ${required ? 'yes' : 'no'} | ${def} | ${constraint(s)} |`;
  });
  return [`## ${service}`, '', '| variable | required | default | accepts |', '| --- | --- | --- | --- |', ...rows, ''].join('\n');
}

export async function renderConfigDocs(): Promise<string> {
  const sections: string[] = [];
  for (const c of SERVICE_CONFIGS) {
    const mod = (await import(new URL(c.module, import.meta.url).href)) as Record<string, TObject>;
    const schema = mod[c.schema];
    if (!schema) throw new Error(`${c.module} does not export ${c.schema}`);
    sections.push(renderConfigTable(c.service, schema));
  }
  return [
    '# Configuration',
    '',
    'Every service reads environment variables once at start, validates them, and stops with',
    '`TIDINGS_ERR_CONFIG` naming every bad or missing one. Auth: set exactly one of',
    '`AUTH_JWKS_URL`, `AUTH_JWKS_JSON`, `AUTH_PUBLIC_KEY`, `AUTH_HS256_SECRET` (development).',
    '`npm start` additionally reads `KAFKA_BROKERS`, `DATABASE_URL` (use these instead of starting',
    'its own), `TIDINGS_INFRA` (`local`|`containers`), `TIDINGS_HOME` (dev keys, default `~/.tidings`),',
    'and the `*_PORT` variables.',
    '',
    'Generated from the config schemas by `npm run docs:config`; a test fails when this file is stale.',
    '',
    ...sections,
  ].join('\n');
}
