import { createAtomicSender, createKafka, toMessage, topicNames, type Logger } from '@tidings/kafka';
import { compile, LIMITS, NotificationRequest, type CreatedEvent, type ValidationIssue } from '@tidings/protocol';
import { buildEnvelopes, checkEnvelopes, recipientIssues } from './envelopes.js';
import { ProducerError } from './errors.js';
import type { IdSource } from './ids.js';
import { validateOptions, type ProducerOptions } from './options.js';
import type { Notification, Producer, SendOptions, SendResult } from './types.js';

const checkRequest = compile(NotificationRequest);

/**
 * A producer for services that write to Kafka directly instead of calling
 * ingest. It builds, ids and validates envelopes with the very code ingest
 * uses, keys each record by userId, and writes through the kafka package's
 * AtomicSender: idempotent, acks=all, one transaction per call (concurrent
 * calls share one), so a rejected send leaves nothing visible.
 */
export function createProducer(options: ProducerOptions & { logger?: Logger }): Producer {
  const { logger, ...rest } = options;
  const opts = validateOptions(rest);
  const kafka = createKafka({ brokers: opts.brokers, clientId: opts.clientId, logger });
  const sender = createAtomicSender({
    kafka,
    transactionalId: opts.transactionalId,
    lingerMs: opts.lingerMs ?? 2,
    sendTimeoutMs: opts.sendTimeoutMs ?? 5000,
    logger,
  });
  const topic = topicNames(opts.topicPrefix ?? '').events;

  function build(notifications: readonly Notification[], sendOpts: SendOptions, batch: boolean): CreatedEvent[] {
    if (batch && (notifications.length === 0 || notifications.length > LIMITS.batchMax)) {
      throw new ProducerError('TIDINGS_ERR_VALIDATION', 'invalid batch', [{ path: '/', message: `must hold 1..${LIMITS.batchMax} notifications` }]);
    }
    const key = sendOpts.idempotencyKey;
    if (key !== undefined && (key.length === 0 || key.length > 256)) {
      throw new ProducerError('TIDINGS_ERR_VALIDATION', 'invalid idempotencyKey', [{ path: '/idempotencyKey', message: 'must be 1..256 characters' }]);
    }
    const src: IdSource = { source: opts.source, idempotencyKey: key };
    const now = new Date().toISOString();
    const events: CreatedEvent[] = [];
    notifications.forEach((n, i) => {
      const path = batch ? `/${i}` : '';
      // Typed callers cannot pass a topic; JavaScript callers can, so check at runtime too.
      const shape = checkRequest(n);
      const issues: ValidationIssue[] = shape.ok ? recipientIssues(shape.value, path) : shape.issues.map((s) => ({ ...s, path: join(path, s.path) }));
      if (shape.ok && shape.value.topic !== undefined) issues.push({ path: `${path}/topic`, message: 'topics are sent through ingest' });
      if (issues.length > 0) throw new ProducerError('TIDINGS_ERR_VALIDATION', 'notification failed validation', issues);
      const req = shape.ok ? shape.value : (n as NotificationRequest);
      const built = buildEnvelopes(req, req.userId !== undefined ? [req.userId] : req.userIds!, i, src, now);
      const checked = checkEnvelopes(built, path);
      if (!checked.ok) {
        throw new ProducerError(checked.tooLarge ? 'TIDINGS_ERR_TOO_LARGE' : 'TIDINGS_ERR_VALIDATION', 'notification failed validation', checked.issues);
      }
      for (const e of built) events.push(e);
    });
    return events;
  }

  async function write(notifications: readonly Notification[], sendOpts: SendOptions, batch: boolean): Promise<SendResult> {
    const events = build(notifications, sendOpts, batch);
    await sender.send([{ topic, messages: events.map((e) => toMessage(e, sendOpts.traceparent)) }]);
    return { ids: events.map((e) => e.id) };
  }

  return {
    send: (notification, sendOpts = {}) => write([notification], sendOpts, false),
    sendBatch: (notifications, sendOpts = {}) => write(notifications, sendOpts, true),
    close: () => sender.close(),
  };
}

function join(prefix: string, path: string): string {
  return prefix && path === '/' ? prefix : prefix + path;
}
