import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';

/** The subset of a pino logger the Kafka client needs. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface KafkaClientOptions {
  brokers: readonly string[];
  clientId: string;
  logger?: Logger | undefined;
  /** Fail fast: a request that cannot reach the broker errors out quickly so ingest can answer 503. */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  retries?: number;
}

/**
 * Broker answers kafkajs logs at error level and then retries on its own, as
 * the broker expects: CONCURRENT_TRANSACTIONS comes back while the previous
 * transaction's markers are still being written. They are part of normal
 * transactional traffic, so they are logged at debug; if the retries run
 * out, the caller gets the error and reports it.
 */
const EXPECTED_RETRIES = ['The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing'];

/** The level a kafkajs log entry is written at. */
export function levelFor(level: logLevel, extra: { error?: unknown }): 'error' | 'warn' | 'info' | 'debug' {
  if (typeof extra.error === 'string' && EXPECTED_RETRIES.includes(extra.error)) return 'debug';
  if (level === logLevel.ERROR) return 'error';
  if (level === logLevel.WARN) return 'warn';
  if (level === logLevel.INFO) return 'info';
  return 'debug';
}

/** Routes kafkajs logs into the service's structured logger. */
function logCreator(logger: Logger | undefined) {
  return () =>
    ({ level, label, log }: LogEntry) => {
      if (!logger) return;
      const { message, ...extra } = log;
      const entry = { kafka: label, ...extra };
      logger[levelFor(level, extra as { error?: unknown })](entry, message);
    };
}

export function createKafka(opts: KafkaClientOptions): Kafka {
  const config: KafkaConfig = {
    clientId: opts.clientId,
    brokers: [...opts.brokers],
    connectionTimeout: opts.connectionTimeoutMs ?? 3000,
    requestTimeout: opts.requestTimeoutMs ?? 10000,
    retry: { retries: opts.retries ?? 5, initialRetryTime: 100, maxRetryTime: 2000 },
    logLevel: logLevel.WARN,
    logCreator: logCreator(opts.logger),
  };
  return new Kafka(config);
}
