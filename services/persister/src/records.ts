import type { KafkaMessage } from 'kafkajs';
import { parseEnvelope, type Envelope } from '@tidings/protocol';

export interface GoodRecord {
  offset: bigint;
  event: Envelope;
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
    const parsed = parseEnvelope(m.value);
    if (!parsed.ok) {
      const reason = parsed.issues.map((i) => `${i.path} ${i.message}`).join('; ');
      dead.push({ offset, key, value: m.value ? m.value.toString('utf8') : null, reason });
    } else if (key !== parsed.value.userId) {
      dead.push({ offset, key, value: m.value!.toString('utf8'), reason: 'record key does not match userId' });
    } else {
      good.push({ offset, event: parsed.value });
    }
  }
  return { good, dead };
}
