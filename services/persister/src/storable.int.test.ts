import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { KafkaMessage } from 'kafkajs';
import { boundaryEnvelope, useNamespace } from '@tidings/testkit';
import { classify, type GoodRecord } from './records.js';
import { persistBatch } from './store.js';

/**
 * Accepted means storable (docs/contract.md §3 G1): envelopes generated at
 * the boundaries of every field's domain are either refused by the same
 * validation every edge runs (parseEnvelope, through the persister's own
 * classify) or stored by the persister's own transaction on the real
 * Postgres — never accepted and then refused by storage. 300 cases in
 * `npm test`, CHAOS_FUZZ_RUNS (10,000) in `npm run chaos`; the seed is
 * printed and CHAOS_FUZZ_SEED replays it.
 */
const t = useNamespace({ poolMax: 2 });
const runs = Number(process.env['CHAOS_FUZZ_RUNS'] ?? 300);
const seed = Number(process.env['CHAOS_FUZZ_SEED'] ?? Date.now() % 2 ** 31);
const BATCH = 25;

test(`every envelope validation accepts, the persister stores (${runs} boundary cases, seed ${seed})`, { timeout: 30 * 60 * 1000 }, async () => {
  await t.ready();
  const envelopes = fc.sample(boundaryEnvelope, { numRuns: runs, seed });
  let offset = 0n;
  let partition = 0;
  const good: GoodRecord[] = [];
  const refused: string[] = [];
  for (const e of envelopes) {
    const message = { offset: String(offset++), key: Buffer.from(String(e['userId'])), value: Buffer.from(JSON.stringify(e)) } as unknown as KafkaMessage;
    // One partition: every key belongs in it, so only the value decides (placement has its own tests).
    const { good: g, dead } = classify([message], { partition: 0, partitions: 1 });
    good.push(...g);
    refused.push(...dead.map((d) => d.reason));
  }
  const failures: string[] = [];
  for (let i = 0; i < good.length; i += BATCH) {
    const batch = good.slice(i, i + BATCH);
    try {
      await persistBatch(t.pool, partition++, batch, [], batch.at(-1)!.offset + 1n);
    } catch {
      // Find the record(s) Postgres refused, one transaction each.
      for (const r of batch) {
        await persistBatch(t.pool, partition++, [r], [], r.offset + 1n).catch((error: Error) =>
          failures.push(`${JSON.stringify(r.event).slice(0, 300)}: ${String((error.cause as Error | undefined)?.message ?? error.message)}`),
        );
      }
    }
  }
  process.stdout.write(`# storable: ${runs} cases (seed ${seed}): ${good.length} accepted, ${refused.length} refused by validation\n`);
  assert.deepEqual(failures.slice(0, 10), [], `seed ${seed}: accepted by validation but refused by Postgres`);
  const ids = [...new Set(good.map((r) => r.event.id))];
  const stored = await t.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM events WHERE id = ANY($1)', [ids]);
  assert.equal(Number(stored.rows[0]!.n), ids.length, 'an accepted event is missing from the events table');
  assert.ok(good.length > 0 && refused.length > 0, 'the generators should land on both sides of the boundary');
});
