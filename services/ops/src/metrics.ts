import { Counter, Gauge, type Registry } from 'prom-client';

export type OpsMetrics = ReturnType<typeof createOpsMetrics>;

export function createOpsMetrics(registry: Registry) {
  const registers = [registry];
  return {
    actions: new Counter({ name: 'tidings_ops_actions_total', help: 'Audited ops actions, by action and outcome', labelNames: ['action', 'ok'], registers }),
    rebuildEvents: new Counter({ name: 'tidings_ops_rebuild_events_total', help: 'Events applied by projection rebuilds', labelNames: ['source'], registers }),
    rebuildRate: new Gauge({ name: 'tidings_ops_rebuild_events_per_second', help: 'Apply rate of the running (or last) rebuild', registers }),
    auditDropped: new Counter({ name: 'tidings_ops_audit_dropped_total', help: 'Refused ops requests not written to the audit log because their class exceeded OPS_AUDIT_REFUSED_PER_SEC', labelNames: ['class'], registers }),
    dlqRetried: new Counter({ name: 'tidings_ops_dlq_retried_total', help: 'Dead letters re-produced to the events topic', registers }),
  };
}
