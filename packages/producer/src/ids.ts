import { createHash, randomUUID } from 'node:crypto';

/**
 * Event ids for a request (docs/contract.md §6, §10), shared by ingest and the
 * producer library so both derive the same ids from the same input. Every
 * derived id hashes the producing service in, so ids are scoped to the
 * producer: no producer can produce, and so replace or suppress, another's
 * event id (posting someone's `h_…` id as an explicit id hashes to a new one).
 * - an explicit `id` is an idempotency key: the base is `hash(source, id)`;
 * - with no `id` but an idempotency key, the base is `hash(source, key, index)`;
 * - otherwise there is no base and every event gets a random UUID;
 * - one recipient's event id is the base; with several, each gets `hash(base, userId)`.
 * Hash ids are `h_` + 32 base64url characters: well under the 128 limit.
 * Parts are joined by `\n`, which no explicit id may contain (ID_PATTERN), so
 * distinct (source, id) pairs hash distinct inputs.
 */
export interface IdSource {
  /** The producing service (`sub` of its token, or the producer's `source`). */
  source: string;
  idempotencyKey?: string | undefined;
}

function hashId(...parts: string[]): string {
  return 'h_' + createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, 32);
}

/** The id a notification's recipients derive theirs from; `index` is its place in a batch. */
export function baseId(explicitId: string | undefined, index: number, src: IdSource): string | undefined {
  if (explicitId) return hashId('id', src.source, explicitId);
  if (src.idempotencyKey) return hashId('key', src.source, src.idempotencyKey, String(index));
  return undefined;
}

export function recipientId(base: string | undefined, userId: string, single: boolean): string {
  if (base === undefined) return randomUUID();
  return single ? base : hashId('recipient', base, userId);
}

/** The event id a producer's explicit `id` gets when sent to one `userId`. */
export function explicitEventId(source: string, explicitId: string): string {
  return hashId('id', source, explicitId);
}
