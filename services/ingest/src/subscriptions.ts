import type pg from 'pg';

/**
 * Topic subscriptions (docs/contract.md §6, §10). A topic belongs to the
 * producer that uses it: every query is scoped by `owner` (the producer's
 * token `sub`), so producers using the same topic name have separate
 * audiences and none can read, add to or remove from another's.
 * Paged by user_id so no audience is loaded whole.
 */
export async function subscribe(pool: pg.Pool, owner: string, topic: string, userId: string): Promise<void> {
  await pool.query('INSERT INTO topic_subscriptions (owner, topic, user_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [owner, topic, userId]);
}

export async function unsubscribe(pool: pg.Pool, owner: string, topic: string, userId: string): Promise<boolean> {
  const r = await pool.query('DELETE FROM topic_subscriptions WHERE owner = $1 AND topic = $2 AND user_id = $3', [owner, topic, userId]);
  return (r.rowCount ?? 0) > 0;
}

/** Yields the subscribers of `owner`'s topic in pages of `pageSize`, in user_id order (keyset pagination). */
export async function* subscriberPages(pool: pg.Pool, owner: string, topic: string, pageSize = 1000): AsyncGenerator<string[]> {
  let after = '';
  for (;;) {
    const r = await pool.query<{ user_id: string }>(
      'SELECT user_id FROM topic_subscriptions WHERE owner = $1 AND topic = $2 AND user_id > $3 ORDER BY user_id LIMIT $4',
      [owner, topic, after, pageSize],
    );
    if (r.rows.length === 0) return;
    const page = r.rows.map((row) => row.user_id);
    yield page;
    after = page[page.length - 1]!;
    if (page.length < pageSize) return;
  }
}
