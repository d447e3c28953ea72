import assert from 'node:assert/strict';
import { requestJson } from '@tidings/testkit';

/** What a producer loop got accepted, per user, in send order. */
export type Sent = Map<string, string[]>;

/**
 * One producer: `batches` sequential POST /v1/notifications/batch of `size`
 * notifications, round-robin over its own users. Sequential per producer,
 * so each user's accepted order is well defined. `onBatch` runs after each
 * accepted batch (tests use it to act mid-stream).
 */
export async function produce(opts: {
  ingestUrl: string;
  token: string;
  users: readonly string[];
  batches: number;
  size: number;
  sent: Sent;
  onBatch?: (done: number) => void | Promise<void>;
}): Promise<number> {
  let accepted = 0;
  let turn = 0;
  for (let b = 0; b < opts.batches; b++) {
    const targets = Array.from({ length: opts.size }, () => opts.users[turn++ % opts.users.length]!);
    const notifications = targets.map((userId, i) => ({ userId, data: { category: 'load', title: `b${b} n${i}` } }));
    const res = await requestJson<{ ids: string[] }>('POST', `${opts.ingestUrl}/v1/notifications/batch`, { token: opts.token, body: { notifications } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    res.body.ids.forEach((id, i) => {
      const list = opts.sent.get(targets[i]!) ?? [];
      list.push(id);
      opts.sent.set(targets[i]!, list);
    });
    accepted += res.body.ids.length;
    await opts.onBatch?.(b + 1);
  }
  return accepted;
}
