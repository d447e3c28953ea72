import pg from 'pg';
import { WATERMARK_CHANNEL } from '@tidings/db';

/**
 * Resolves once every id is in the event-log mirror. Wakes on the
 * persister's watermark notifications (with a 1 s re-check as a net), so
 * tests wait for the event, not for a guessed duration.
 */
export async function waitForPersisted(databaseUrl: string, ids: readonly string[], timeoutMs = 30000): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`LISTEN ${WATERMARK_CHANNEL}`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM events WHERE id = ANY($1)', [ids]);
      if (Number(r.rows[0]?.n) === new Set(ids).size) return;
      if (Date.now() > deadline) throw new Error(`only ${r.rows[0]?.n}/${ids.length} events persisted within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 1000);
        client.once('notification', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  } finally {
    await client.end();
  }
}
