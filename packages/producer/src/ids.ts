import { createHash, randomUUID } from 'node:crypto';

/**
 * Event ids for a request (SPEC §6 idempotency), shared by ingest and the
 * producer library so both derive the same ids from the same input:
 * - an explicit `id` with one recipient is the event id itself;
 * - with several recipients each gets `hash(id, userId)`, stable across retries;
 * - with no `id` but an idempotency key, the base id is `hash(source, key, index)`,
 *   scoped to the producing service so two services cannot collide;
 * - otherwise a random UUID.
 * Hash ids are 32 base64url characters prefixed `h_`: well under the 128 limit.
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
  if (explicitId) return explicitId;
  if (src.idempotencyKey) return hashId('key', src.source, src.idempotencyKey, String(index));
  return undefined;
}

export function recipientId(base: string | undefined, userId: string, single: boolean): string {
  if (base === undefined) return randomUUID();
  return single ? base : hashId('recipient', base, userId);
}
