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

/** Routes kafkajs logs into the service's structured logger. */
function logCreator(logger: Logger | undefined) {
  return () =>
    ({ level, label, log }: LogEntry) => {
      if (!logger) return;
      const { message, ...extra } = log;
      const entry = { kafka: label, ...extra };
      if (level === logLevel.ERROR) logger.error(entry, message);
      else if (level === logLevel.WARN) logger.warn(entry, message);
      else if (level === logLevel.INFO) logger.info(entry, message);
      else logger.debug(entry, message);
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
