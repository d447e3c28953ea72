import type { KafkaMessage } from 'kafkajs';
import { misplacement } from '@tidings/kafka';
import { LIMITS, parseEnvelope, type Envelope } from '@tidings/protocol';

export interface GoodRecord {
  offset: bigint;
  event: Envelope;
  /** The record as received, kept so it can still be dead-lettered verbatim if Postgres refuses it. */
  key?: string | undefined;
  value?: string | undefined;
}
export interface DeadRecord {
  offset: bigint;
  key: string | null;
  value: string | null;
  reason: string;
}

/** Where a batch was read: its partition, and how many the topic has. */
export interface Placement {
  partition: number;
  partitions: number;
}

/**
 * Splits a fetched batch into valid events and dead letters. A record is
 * dead when its value is not a valid envelope, when its key is not the
 * envelope's userId (it would sit in the wrong user's partition and break
 * per-user ordering), or when it is not in the partition its key belongs in
 * (a direct producer with another partitioner: a resume would skip it).
 */
export function classify(messages: readonly KafkaMessage[], placement: Placement): { good: GoodRecord[]; dead: DeadRecord[] } {
  const good: GoodRecord[] = [];
  const dead: DeadRecord[] = [];
  for (const m of messages) {
    const offset = BigInt(m.offset);
    const key = m.key ? m.key.toString('utf8') : null;
    if (m.value === null) {
      dead.push({ offset, key, value: null, reason: '/ record has no value' });
      continue;
    }
    const value = m.value.toString('utf8');
    // The size limit is on the bytes as they travelled (a string's length counts UTF-16 units).
    const result = m.value.length > LIMITS.envelopeMaxBytes ? parseEnvelope(m.value) : parseEnvelope(value);
    if (!result.ok) {
      dead.push({ offset, key, value, reason: result.issues.map((i) => `${i.path} ${i.message}`).join('; ') });
      continue;
    }
    if (key !== result.value.userId) {
      dead.push({ offset, key, value, reason: 'record key does not match userId' });
      continue;
    }
    const misplaced = misplacement(key, placement.partition, placement.partitions);
    if (misplaced !== undefined) dead.push({ offset, key, value, reason: misplaced });
    else good.push({ offset, event: result.value, key, value });
  }
  return { good, dead };
}
