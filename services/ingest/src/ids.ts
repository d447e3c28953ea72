import { createHash, randomUUID } from 'node:crypto';

/**
 * Event ids for a request (SPEC §6 idempotency):
 * - an explicit `id` with one recipient is the event id itself;
 * - with several recipients each gets `hash(id, userId)`, stable across retries;
 * - with no `id` but an `Idempotency-Key`, the base id is `hash(source, key, index)`,
 *   scoped to the producing service so two services cannot collide;
 * - otherwise a random UUID.
 * Hash ids are 32 base64url characters prefixed `h_`: well under the 128 limit.
 */
export interface IdSource {
  source: string;
  idempotencyKey?: string | undefined;
}

function hashId(...parts: string[]): string {
  return 'h_' + createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, 32);
}

export function baseId(explicitId: string | undefined, index: number, src: IdSource): string | undefined {
  if (explicitId) return explicitId;
  if (src.idempotencyKey) return hashId('key', src.source, src.idempotencyKey, String(index));
  return undefined;
}

export function recipientId(base: string | undefined, userId: string, single: boolean): string {
  if (base === undefined) return randomUUID();
  return single ? base : hashId('recipient', base, userId);
}
