import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { connect } from './node.js';

/**
 * Node's `ws` reports closing a socket that is still connecting as an 'error'
 * event; the SDK must absorb it, or an app that closes its client during a
 * slow handshake dies of an uncaught exception.
 */
test('closing the Node client while its socket is still connecting raises nothing uncaught', async (t) => {
  // Accepts TCP and never answers the upgrade: the socket stays CONNECTING.
  const held: Socket[] = [];
  const server = createServer((s) => held.push(s));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    for (const s of held) s.destroy();
    server.close();
  });
  const { port } = server.address() as { port: number };

  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);
  process.on('uncaughtException', onUncaught);
  t.after(() => process.off('uncaughtException', onUncaught));

  const accepted = once(server, 'connection');
  const client = connect({ urls: [`ws://127.0.0.1:${port}/v1/stream`], getToken: async () => 'token' });
  t.after(() => client.close());
  await accepted;
  assert.equal(client.state.state, 'connecting');
  client.close();
  // ws emits the error on the next tick; give it a few turns of the loop.
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));

  assert.deepEqual(uncaught.map(String), []);
  assert.equal(client.state.state, 'closed');
});
