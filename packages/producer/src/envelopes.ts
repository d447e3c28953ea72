import { validateEnvelope, type CreatedEvent, type NotificationRequest, type ValidationIssue } from '@tidings/protocol';
import { baseId, recipientId, type IdSource } from './ids.js';

/** Exactly one recipient selector; the schema alone cannot say "one of". */
export function recipientIssues(req: NotificationRequest, path: string): ValidationIssue[] {
  const given = (['userId', 'userIds', 'topic'] as const).filter((k) => req[k] !== undefined);
  if (given.length === 1) return [];
  return [{ path: path || '/', message: 'must have exactly one of userId, userIds, topic' }];
}

/**
 * Turns one request for explicit recipients into envelopes, one per distinct
 * recipient (the same user twice in one request gets one notification).
 * `now` is the event time unless the request sets `time`.
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
    if (seen.has(userId)) continue;
    seen.add(userId);
    out.push({ id: recipientId(base, userId, single), type: 'notification.created', userId, time, source: src.source, data: req.data });
  }
  return out;
}

/** Why built envelopes were refused: `tooLarge` (HTTP 413) or another validation failure (400). */
export type EnvelopeCheck = { ok: true } | { ok: false; tooLarge: boolean; issues: ValidationIssue[] };

/**
 * Validates built envelopes exactly as consumers will see them, so size
 * limits apply to the real record and nothing invalid ever reaches Kafka.
 * All envelopes of one request share `data` and `time`; only ids and
 * userIds differ in size, so the largest id/userId combination bounds them
 * all and is the only one validated.
 */
export function checkEnvelopes(events: readonly CreatedEvent[], pathPrefix: string): EnvelopeCheck {
  const first = events[0];
  if (!first) return { ok: true };
  const largest = events.reduce((a, b) => (a.id.length + a.userId.length >= b.id.length + b.userId.length ? a : b));
  const result = validateEnvelope(largest);
  if (result.ok) return { ok: true };
  const issues = result.issues.map((i) => ({ ...i, path: prefixed(pathPrefix, i.path) }));
  return { ok: false, tooLarge: result.issues.some((i) => /bytes/.test(i.message)), issues };
}

function prefixed(prefix: string, path: string): string {
  if (!prefix) return path;
  return path === '/' ? prefix : prefix + path;
}
