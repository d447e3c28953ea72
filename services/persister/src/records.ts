import type { KafkaMessage } from 'kafkajs';
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

/**
 * Splits a fetched batch into valid events and dead letters. A record is
 * dead when its value is not a valid envelope, or when its key is not the
 * envelope's userId (it would sit in the wrong user's partition and break
 * per-user ordering).
 */
export function classify(messages: readonly KafkaMessage[]): { good: GoodRecord[]; dead: DeadRecord[] } {
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
    } else if (key !== result.value.userId) {
      dead.push({ offset, key, value, reason: 'record key does not match userId' });
    } else {
      good.push({ offset, event: result.value, key, value });
    }
  }
  return { good, dead };
}
