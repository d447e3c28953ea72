import type { Envelope } from '@tidings/protocol';
import type { Message } from 'kafkajs';

/** docs/contract.md §4: key = userId, JSON value, content-type and traceparent headers. */
export function toMessage(event: Envelope, traceparent?: string): Message {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (traceparent) headers['traceparent'] = traceparent;
  return { key: event.userId, value: JSON.stringify(event), headers };
}
