import type { CreatedEvent, NotificationRequest, ValidationIssue } from '@tidings/protocol';
import { validateEnvelope } from '@tidings/protocol';
import { ApiError } from '@tidings/runtime';
import { baseId, recipientId, type IdSource } from './ids.js';

/** Exactly one recipient selector; the schema alone cannot say "one of". */
export function recipientIssues(req: NotificationRequest, path: string): ValidationIssue[] {
  const given = (['userId', 'userIds', 'topic'] as const).filter((k) => req[k] !== undefined);
  if (given.length === 1) return [];
  return [{ path: path || '/', message: 'must have exactly one of userId, userIds, topic' }];
}

/**
 * Turns one request for explicit recipients into envelopes. Every envelope
 * is validated as the consumers will see it, so size limits apply to the
 * real record (413) and nothing invalid ever reaches Kafka.
 */
export function buildEnvelopes(
  req: NotificationRequest,
  userIds: readonly string[],
  index: number,
  src: IdSource,
  now: string,
): CreatedEvent[] {
  const base = baseId(req.id, index, src);
  const single = req.userId !== undefined;
  const time = req.time ?? now;
  const seen = new Set<string>();
  const out: CreatedEvent[] = [];
  for (const userId of userIds) {
    // The same user twice in one request gets one notification.
    if (seen.has(userId)) continue;
    seen.add(userId);
    const event: CreatedEvent = {
      id: recipientId(base, userId, single),
      type: 'notification.created',
      userId,
      time,
      source: src.source,
      data: req.data,
    };
    out.push(event);
  }
  return out;
}

/** Validates built envelopes; size problems are 413, anything else 400. */
export function checkEnvelopes(events: readonly CreatedEvent[], pathPrefix: string): void {
  const first = events[0];
  if (!first) return;
  // All envelopes of one request share data; only ids and userIds differ in
  // size, so the largest id/userId combination bounds them all.
  const largest = events.reduce((a, b) => (a.id.length + a.userId.length >= b.id.length + b.userId.length ? a : b));
  const result = validateEnvelope(largest);
  if (result.ok) return;
  const issues = result.issues.map((i) => ({ ...i, path: pathPrefix + i.path }));
  const tooLarge = result.issues.some((i) => /bytes/.test(i.message));
  throw new ApiError(tooLarge ? 'TIDINGS_ERR_TOO_LARGE' : 'TIDINGS_ERR_VALIDATION', tooLarge ? 'notification is too large' : 'request failed validation', issues);
}
