import { stringify } from 'yaml';

/**
 * The HTTP services with an API, and the module whose `buildOpenApi()` builds
 * the app (without a port or dependencies) and returns what it serves at
 * `/openapi.json`. Loaded from the services' build output, as the config
 * docs are: the services depend on the testkit, not the other way round.
 */
export const OPENAPI_SERVICES = [
  { service: 'ingest', module: '../../../../services/ingest/dist/openapi.js' },
  { service: 'gateway', module: '../../../../services/gateway/dist/openapi.js' },
  { service: 'ops', module: '../../../../services/ops/dist/openapi.js' },
] as const;

export type OpenApiService = (typeof OPENAPI_SERVICES)[number]['service'];

/** Where a service's committed document lives. */
export function openApiFile(service: OpenApiService): URL {
  return new URL(`../../../../docs/openapi/${service}.yaml`, import.meta.url);
}

/** The document the service's app serves now. */
export async function buildOpenApi(service: OpenApiService): Promise<Record<string, unknown>> {
  const entry = OPENAPI_SERVICES.find((s) => s.service === service)!;
  const mod = (await import(new URL(entry.module, import.meta.url).href)) as { buildOpenApi?: () => Promise<Record<string, unknown>> };
  if (typeof mod.buildOpenApi !== 'function') throw new Error(`${entry.module} does not export buildOpenApi`);
  return mod.buildOpenApi();
}

export function renderOpenApi(service: OpenApiService, doc: Record<string, unknown>): string {
  return (
    `# The ${service} service's /openapi.json, generated from its routes and the protocol schemas by\n` +
    '# `npm run docs:openapi`; a test fails when it is stale.\n' +
    stringify(doc, { lineWidth: 0 })
  );
}
