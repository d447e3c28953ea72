import type pg from 'pg';

/** Topic subscriptions (SPEC §6). Paged by user_id so no audience is loaded whole. */
export async function subscribe(pool: pg.Pool, topic: string, userId: string): Promise<void> {
  await pool.query('INSERT INTO topic_subscriptions (topic, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [topic, userId]);
}

export async function unsubscribe(pool: pg.Pool, topic: string, userId: string): Promise<boolean> {
  const r = await pool.query('DELETE FROM topic_subscriptions WHERE topic = $1 AND user_id = $2', [topic, userId]);
  return (r.rowCount ?? 0) > 0;
}

/** Yields a topic's subscribers in pages of `pageSize`, in user_id order (keyset pagination). */
export async function* subscriberPages(pool: pg.Pool, topic: string, pageSize = 1000): AsyncGenerator<string[]> {
  let after = '';
  for (;;) {
    const r = await pool.query<{ user_id: string }>(
      'SELECT user_id FROM topic_subscriptions WHERE topic = $1 AND user_id > $2 ORDER BY user_id LIMIT $3',
      [topic, after, pageSize],
    );
    if (r.rows.length === 0) return;
    const page = r.rows.map((row) => row.user_id);
    yield page;
    after = page[page.length - 1]!;
    if (page.length < pageSize) return;
  }
}
