import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;

export function createGatewayMetrics(registry: Registry) {
  const registers = [registry];
  return {
    connections: new Gauge({ name: 'tidings_gateway_connections', help: 'Open WebSocket connections', registers }),
    eventsOut: new Counter({ name: 'tidings_gateway_events_out_total', help: 'Live event frames written to sockets', registers }),
    deliverySeconds: new Histogram({
      name: 'tidings_gateway_delivery_seconds',
      help: 'Event time (ingest accept) to socket write',
      buckets: [0.002, 0.005, 0.01, 0.015, 0.025, 0.05, 0.06, 0.1, 0.25, 0.5, 1, 5],
      registers,
    }),
    resumes: new Counter({ name: 'tidings_gateway_resumes_total', help: 'Resumes by outcome', labelNames: ['recovered', 'reason'], registers }),
    resumeEvents: new Histogram({
      name: 'tidings_gateway_resume_events',
      help: 'Events replayed per resume',
      buckets: [0, 1, 10, 100, 1000, 10000, 100000],
      registers,
    }),
    resumeSeconds: new Histogram({
      name: 'tidings_gateway_resume_seconds',
      help: 'Time from hello to synced',
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    }),
    slowDisconnects: new Counter({ name: 'tidings_gateway_slow_disconnects_total', help: 'Sockets closed with 4009', registers }),
    rateLimited: new Counter({ name: 'tidings_gateway_rate_limited_total', help: 'Sockets closed with 4008 (client frame flood, or state requests beyond the user budget)', registers }),
    budgetRefusals: new Counter({
      name: 'tidings_gateway_budget_refusals_total',
      help: 'Requests refused for a per-user budget (HTTP 429 or socket error frame), by budget',
      labelNames: ['budget'],
      registers,
    }),
    heartbeatTimeouts: new Counter({ name: 'tidings_gateway_heartbeat_timeouts_total', help: 'Sockets terminated after two missed pings', registers }),
    redeliveries: new Counter({
      name: 'tidings_gateway_redeliveries_total',
      help: 'Redeliver commands handled, by outcome',
      labelNames: ['outcome'],
      registers,
    }),
    redeliveredEvents: new Counter({ name: 'tidings_gateway_redelivered_events_total', help: 'Event frames written by redeliveries', registers }),
    badFrames: new Counter({ name: 'tidings_gateway_bad_frames_total', help: 'Rejected client frames', labelNames: ['code'], registers }),
    feedLag: new Gauge({ name: 'tidings_gateway_feed_lag_records', help: 'Live feed records behind log end', labelNames: ['partition'], registers }),
  };
}
