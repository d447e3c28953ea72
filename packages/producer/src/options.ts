import { Type, type Static } from '@sinclair/typebox';
import { compile } from '@tidings/protocol';
import { ProducerError } from './errors.js';

/** Options of createProducer(); validated once, each bad option named. */
export const ProducerOptions = Type.Object(
  {
    /** Kafka bootstrap brokers, `host:port`. */
    brokers: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    /** Kafka client id, shown in broker logs. */
    clientId: Type.String({ minLength: 1, maxLength: 128 }),
    /** Who produces: the envelope's `source` (ingest uses the token `sub`). */
    source: Type.String({ minLength: 1, maxLength: 256 }),
    /**
     * Stable per producing process slot (e.g. `billing-0`). A restarted process
     * with the same id fences its predecessor's open transaction; two live
     * processes must not share one.
     */
    transactionalId: Type.String({ minLength: 1, maxLength: 249 }),
    /** Topic prefix of the deployment (shared clusters, tests); default none. */
    topicPrefix: Type.Optional(Type.String({ maxLength: 100 })),
    /** How long a send waits to share a transaction with concurrent sends; default 2 ms. */
    lingerMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    /** A send not committed by then rejects with KafkaWriteError and never becomes visible; default 5000 ms. */
    sendTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 120000 })),
  },
  { additionalProperties: false },
);
export type ProducerOptions = Static<typeof ProducerOptions>;

const check = compile(ProducerOptions);

export function validateOptions(opts: unknown): ProducerOptions {
  const r = check(opts);
  if (!r.ok) throw new ProducerError('TIDINGS_ERR_PRODUCER_OPTIONS', 'invalid producer options', r.issues);
  return r.value;
}
