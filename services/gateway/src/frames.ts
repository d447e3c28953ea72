import { encodeCursor, type ServerMessage } from '@tidings/protocol';

export function serialize(message: ServerMessage): string {
  return JSON.stringify(message);
}

/**
 * The `event` frame, built around the record's JSON text as it came from
 * Kafka or Postgres so a live event is never parsed and re-serialized per
 * socket. `eventJson` must be a validated envelope.
 */
export function eventFrame(epoch: string, partition: number, offset: bigint, eventJson: string, flag?: 'replayed' | 'redelivered'): string {
  const cursor = encodeCursor({ epoch, partition, offset });
  const extra = flag ? `,"${flag}":true` : '';
  return `{"type":"event","cursor":"${cursor}"${extra},"event":${eventJson}}`;
}
