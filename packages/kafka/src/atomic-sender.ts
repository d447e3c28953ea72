import type { Kafka, Message, Producer, TopicMessages } from 'kafkajs';
import { chunkByBytes, DEFAULT_MAX_REQUEST_BYTES } from './chunk.js';
import { KafkaWriteError } from './errors.js';
import type { Logger } from './client.js';

export interface AtomicSenderOptions {
  kafka: Kafka;
  /**
   * Stable per process slot (e.g. `ingest-0`): a restarted process with the
   * same id fences its predecessor and aborts its open transaction at once,
   * instead of read-committed consumers waiting for the transaction timeout.
   */
  transactionalId: string;
  /** How long a write may wait for company before its batch is sent. */
  lingerMs?: number;
  /** Messages per transaction; a larger single write still goes alone, whole. */
  maxBatchMessages?: number;
  /**
   * Bytes per produce call inside a transaction; keep it under the broker's
   * `message.max.bytes` minus one envelope. Larger transactions are sent as
   * several calls, still committed (or aborted) as one.
   */
  maxRequestBytes?: number;
  /** A write not committed within this time is rejected and guaranteed never to become visible. */
  sendTimeoutMs?: number;
  /** Broker-side transaction timeout; bounds how long a crashed writer can stall consumers. */
  transactionTimeoutMs?: number;
  logger?: Logger | undefined;
}

export interface WriteRequest {
  topic: string;
  messages: Message[];
}

/**
 * Writes groups of messages atomically: everything passed to one `send` call
 * is committed in one Kafka transaction (acks=all, idempotent), or none of it
 * becomes visible to read-committed consumers. Concurrent calls are grouped
 * into one transaction (micro-batching), because kafkajs sends one request per
 * call and a transaction costs two extra round trips.
 */
export interface AtomicSender {
  /**
   * Connects and registers the transactional id now (InitProducerId), so the
   * first request does not pay for it — and a service can refuse to report
   * ready until Kafka transactions work.
   */
  connect(): Promise<void>;
  send(writes: readonly WriteRequest[]): Promise<void>;
  /**
   * Writes pages produced on demand (e.g. a topic's subscribers) in ONE
   * transaction of their own, holding one page in memory at a time. Returns
   * the number of messages committed.
   */
  sendStream(pages: AsyncIterable<readonly WriteRequest[]>): Promise<number>;
  close(): Promise<void>;
}

interface Pending {
  writes: readonly WriteRequest[];
  stream?: AsyncIterable<readonly WriteRequest[]>;
  streamed?: number;
  count: number;
  resolve(): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
  taken: boolean;
  /** Epoch ms by which the write must be committed or refused (enqueue time + send timeout). */
  deadline: number;
}

export function createAtomicSender(opts: AtomicSenderOptions): AtomicSender {
  const lingerMs = opts.lingerMs ?? 2;
  const maxBatch = opts.maxBatchMessages ?? 5000;
  const sendTimeoutMs = opts.sendTimeoutMs ?? 3000;
  const maxRequestBytes = opts.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const queue: Pending[] = [];
  let producer: Producer | undefined;
  let connecting: Promise<Producer> | undefined;
  let inFlight = false;
  let lingerTimer: NodeJS.Timeout | undefined;
  let closed = false;
  let current: Promise<void> | undefined;

  async function getProducer(): Promise<Producer> {
    if (producer) return producer;
    connecting ??= (async () => {
      const p = opts.kafka.producer({
        transactionalId: opts.transactionalId,
        idempotent: true,
        maxInFlightRequests: 1,
        transactionTimeout: opts.transactionTimeoutMs ?? 10000,
        retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
      });
      await p.connect();
      producer = p;
      return p;
    })().finally(() => {
      connecting = undefined;
    });
    return connecting;
  }

  async function discardProducer(): Promise<void> {
    const p = producer;
    producer = undefined;
    await p?.disconnect().catch(() => undefined);
  }

  function takeBatch(): Pending[] {
    const batch: Pending[] = [];
    let count = 0;
    while (queue.length > 0) {
      const next = queue[0]!;
      // A stream always runs alone in its transaction.
      if (batch.length > 0 && (next.stream || batch[0]!.stream || count + next.count > maxBatch)) break;
      queue.shift();
      next.taken = true;
      clearTimeout(next.timer);
      batch.push(next);
      count += next.count;
    }
    return batch;
  }

  function schedule(): void {
    if (inFlight || queue.length === 0 || lingerTimer) return;
    const queued = queue.reduce((n, p) => n + p.count, 0);
    if (queued >= maxBatch || lingerMs === 0) {
      void flush();
      return;
    }
    lingerTimer = setTimeout(() => {
      lingerTimer = undefined;
      void flush();
    }, lingerMs);
  }

  function flush(): Promise<void> {
    current ??= flushOnce().finally(() => {
      current = undefined;
      schedule();
    });
    return current;
  }

  async function flushOnce(): Promise<void> {
    const batch = takeBatch();
    if (batch.length === 0) return;
    inFlight = true;
    try {
      await commitBatch(batch);
      for (const p of batch) p.resolve();
    } catch (error) {
      // Errors raised by the caller's own stream (e.g. validation) pass through unchanged.
      const callerError = error instanceof Error && !(error instanceof KafkaWriteError) && String((error as { code?: unknown }).code ?? '').startsWith('TIDINGS_ERR_');
      const err =
        error instanceof KafkaWriteError || callerError
          ? (error as Error)
          : new KafkaWriteError('TIDINGS_ERR_KAFKA_UNAVAILABLE', `error writing to Kafka: ${(error as Error).message}`, { cause: error });
      opts.logger?.warn({ err: err.message, writes: batch.length }, 'kafka transaction failed; nothing of it is visible');
      for (const p of batch) p.reject(err);
    } finally {
      inFlight = false;
    }
  }

  /**
   * Invariant: commit() is only called if the batch has not been abandoned.
   * Once abandoned (timed out before commit), the transaction is aborted or
   * fenced by the next producer's InitProducerId, so a rejected write can
   * never surface later.
   */
  function group(writes: readonly WriteRequest[], into = new Map<string, Message[]>()): Map<string, Message[]> {
    for (const w of writes) {
      const list = into.get(w.topic) ?? [];
      for (const m of w.messages) list.push(m);
      into.set(w.topic, list);
    }
    return into;
  }
  const asTopicMessages = (byTopic: Map<string, Message[]>): TopicMessages[] =>
    [...byTopic].map(([topic, messages]) => ({ topic, messages }));

  /** One call per byte-bounded chunk, in order, so no partition's record batch exceeds the broker's limit. */
  async function sendChunked(tx: Awaited<ReturnType<Producer['transaction']>>, byTopic: Map<string, Message[]>, isAbandoned: () => boolean) {
    for (const topicMessages of chunkByBytes(asTopicMessages(byTopic), maxRequestBytes)) {
      if (isAbandoned()) throw new Error('abandoned after timeout');
      await tx.sendBatch({ topicMessages, acks: -1 });
    }
  }

  /** Pages of a stream, each bounded by the send timeout (a page is the unit of progress). */
  async function sendPages(tx: Awaited<ReturnType<Producer['transaction']>>, p: Pending, isAbandoned: () => boolean, touch: () => void) {
    p.streamed = 0;
    for await (const writes of p.stream!) {
      if (isAbandoned()) throw new Error('abandoned after timeout');
      touch();
      await sendChunked(tx, group(writes), isAbandoned);
      p.streamed += writes.reduce((n, w) => n + w.messages.length, 0);
    }
  }

  async function commitBatch(batch: Pending[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const p of batch) group(p.writes, byTopic);
    const stream = batch[0]?.stream ? batch[0] : undefined;
    let abandoned = false;
    let committing = false;
    let timer: NodeJS.Timeout | undefined;
    let rejectTimeout: (error: Error) => void = () => undefined;
    // A plain batch must finish by its earliest write's deadline, so time spent
    // queued behind a failing batch counts: each write is answered within the
    // send timeout. A stream's pages are its unit of progress: each gets a full one.
    const earliest = Math.min(...batch.map((p) => p.deadline));
    const arm = (ms = stream ? sendTimeoutMs : Math.max(1, earliest - Date.now())) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (committing) return; // the commit's own outcome decides; it is bounded by the request timeout
        abandoned = true;
        rejectTimeout(new KafkaWriteError('TIDINGS_ERR_KAFKA_TIMEOUT', `Kafka did not take the write within ${sendTimeoutMs} ms`));
      }, ms);
    };
    const work = (async () => {
      const p = await getProducer();
      const tx = await p.transaction();
      try {
        if (stream) await sendPages(tx, stream, () => abandoned, () => arm(sendTimeoutMs));
        else await sendChunked(tx, byTopic, () => abandoned);
        if (abandoned) throw new Error('abandoned after timeout');
        committing = true;
        await tx.commit();
      } catch (error) {
        if (!committing) await tx.abort().catch(() => undefined);
        throw error;
      }
    })();
    const timeout = new Promise<never>((_, reject) => {
      rejectTimeout = reject;
    });
    arm();
    try {
      await Promise.race([work, timeout]);
    } catch (error) {
      // A producer in an unknown transactional state is replaced; the new one
      // fences the old transaction.
      work.catch(() => undefined);
      await discardProducer();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Queues a write; it is rejected if still queued (not yet in a
   * transaction) when the send timeout passes. Resolves with the number of
   * messages streamed (0 for plain writes).
   */
  function enqueue(spec: Pick<Pending, 'writes' | 'count' | 'stream'>): Promise<number> {
    if (closed) return Promise.reject(new KafkaWriteError('TIDINGS_ERR_KAFKA_CLOSED', 'sender is closed'));
    return new Promise<number>((resolve, reject) => {
      const pending: Pending = {
        ...spec,
        resolve: () => resolve(pending.streamed ?? 0),
        reject,
        taken: false,
        deadline: Date.now() + sendTimeoutMs,
        timer: setTimeout(() => {
          if (pending.taken) return;
          queue.splice(queue.indexOf(pending), 1);
          reject(new KafkaWriteError('TIDINGS_ERR_KAFKA_TIMEOUT', `Kafka did not take the write within ${sendTimeoutMs} ms`));
        }, sendTimeoutMs),
      };
      queue.push(pending);
      schedule();
    });
  }

  return {
    async connect() {
      await getProducer();
    },
    send(writes) {
      const count = writes.reduce((n, w) => n + w.messages.length, 0);
      if (count === 0 && !closed) return Promise.resolve();
      return enqueue({ writes, count }).then(() => undefined);
    },
    sendStream(pages) {
      return enqueue({ writes: [], stream: pages, count: 0 });
    },
    async close() {
      closed = true;
      clearTimeout(lingerTimer);
      lingerTimer = undefined;
      while (queue.length > 0 || current) await (current ?? flush());
      await discardProducer();
    },
  };
}
