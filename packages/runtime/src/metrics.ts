import { collectDefaultMetrics, Registry } from 'prom-client';

/** One registry per service process, with Node's default metrics under `tidings_`. */
export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'tidings_' });
  return registry;
}
