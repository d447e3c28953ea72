import type { Message, TopicMessages } from 'kafkajs';

/**
 * The broker refuses a partition's record batch over `message.max.bytes`
 * (1 MiB by default) and kafkajs puts everything one `sendBatch` holds for a
 * partition into one record batch. Bounding the bytes of a whole call bounds
 * every partition's batch, without needing to know how keys map to partitions.
 * 768 KiB leaves room for one more envelope (≤ 64 KiB) and record overhead.
 */
export const DEFAULT_MAX_REQUEST_BYTES = 768 * 1024;

/** Record framing (offset/timestamp deltas, lengths, attributes) is a few dozen bytes; round up. */
const RECORD_OVERHEAD = 64;

function length(value: Message['value'] | Message['key']): number {
  if (value == null) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}

/** An upper estimate of a message's size inside a record batch. */
export function messageBytes(message: Message): number {
  let n = RECORD_OVERHEAD + length(message.key) + length(message.value);
  for (const [k, v] of Object.entries(message.headers ?? {})) {
    n += Buffer.byteLength(k);
    for (const item of Array.isArray(v) ? v : [v]) n += length(item as Message['value']);
  }
  return n;
}

/**
 * Splits topic messages into consecutive calls of at most `maxBytes` each
 * (a single larger message goes alone). Order is kept: sent one call after
 * the other, every partition sees its messages in the original order.
 */
export function chunkByBytes(topicMessages: readonly TopicMessages[], maxBytes = DEFAULT_MAX_REQUEST_BYTES): TopicMessages[][] {
  const chunks: TopicMessages[][] = [];
  let chunk: TopicMessages[] = [];
  let bytes = 0;
  for (const { topic, messages } of topicMessages) {
    let current: TopicMessages | undefined;
    for (const message of messages) {
      const size = messageBytes(message);
      if (bytes > 0 && bytes + size > maxBytes) {
        chunks.push(chunk);
        chunk = [];
        bytes = 0;
        current = undefined;
      }
      if (!current) {
        current = { topic, messages: [] };
        chunk.push(current);
      }
      current.messages.push(message);
      bytes += size;
    }
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
