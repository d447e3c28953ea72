import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { TopicMessages } from 'kafkajs';
import { chunkByBytes, messageBytes } from './chunk.js';

const arbTopicMessages = fc.array(
  fc.record({
    topic: fc.constantFrom('a', 'b', 'c'),
    messages: fc.array(fc.record({ key: fc.string({ maxLength: 8 }), value: fc.string({ maxLength: 400 }) }), { maxLength: 30 }),
  }),
  { maxLength: 4 },
);

test('chunks keep every message once, in order per topic, each within the byte budget unless a single message is larger', () => {
  fc.assert(
    fc.property(arbTopicMessages, fc.integer({ min: 1, max: 2000 }), (input, maxBytes) => {
      const chunks = chunkByBytes(input, maxBytes);
      const flatten = (tms: readonly TopicMessages[]) => tms.flatMap((tm) => tm.messages.map((m) => `${tm.topic}/${String(m.value)}`));
      assert.deepEqual(chunks.flatMap(flatten), flatten(input));
      for (const chunk of chunks) {
        const sizes = chunk.flatMap((tm) => tm.messages.map(messageBytes));
        assert.ok(sizes.length > 0, 'no empty chunk');
        const total = sizes.reduce((a, b) => a + b, 0);
        assert.ok(total <= maxBytes || sizes.length === 1, `chunk of ${total} bytes over ${maxBytes}`);
      }
    }),
  );
});

test('a write under the budget stays one call', () => {
  const input = [{ topic: 't', messages: [{ key: 'k', value: 'v' }] }, { topic: 'u', messages: [{ key: 'k', value: 'w' }] }];
  assert.deepEqual(chunkByBytes(input), [input]);
});

test('message size counts key, value and headers in bytes, not characters', () => {
  const plain = messageBytes({ key: 'k', value: 'v' });
  assert.equal(messageBytes({ key: 'k', value: 'é' }) - plain, 1);
  assert.equal(messageBytes({ key: 'k', value: 'v', headers: { traceparent: 'abc', multi: ['x', Buffer.from('yz')] } }) - plain, 'traceparent'.length + 3 + 'multi'.length + 3);
});
