import pg from 'pg';
import { WATERMARK_CHANNEL } from '@tidings/db';

/**
 * Re-runs `check` on a dedicated connection each time the persister
 * announces a watermark (and every `recheckMs` as a net, since a
 * notification can be missed) until it returns null; a string says what is
 * still missing and becomes the error after `timeoutMs`. Tests wait for the
 * event, never for a guessed duration.
 */
export async function untilPersisted(
  databaseUrl: string,
  check: (client: pg.Client) => Promise<string | null>,
  timeoutMs: number,
  recheckMs = 500,
): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`LISTEN ${WATERMARK_CHANNEL}`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const missing = await check(client);
      if (missing === null) return;
      if (Date.now() > deadline) throw new Error(`${missing} after ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          client.off('notification', wake);
          resolve();
        };
        const timer = setTimeout(wake, recheckMs);
        client.on('notification', wake);
      });
    }
  } finally {
    await client.end();
  }
}
