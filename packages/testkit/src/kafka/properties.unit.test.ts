import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isClusterId, newClusterId, renderServerProperties } from './properties.js';

function parse(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.indexOf('=');
    assert.ok(i > 0, `not key=value: ${line}`);
    assert.ok(!map.has(line.slice(0, i)), `duplicate key ${line.slice(0, i)}`);
    map.set(line.slice(0, i), line.slice(i + 1));
  }
  return map;
}

test('renderServerProperties: single combined KRaft node on loopback with the given ports', () => {
  const props = parse(renderServerProperties({ port: 19092, controllerPort: 19093, logDir: '/tmp/x/data' }));
  assert.equal(props.get('process.roles'), 'broker,controller');
  assert.equal(props.get('node.id'), '1');
  assert.equal(props.get('controller.quorum.voters'), '1@127.0.0.1:19093');
  assert.equal(props.get('listeners'), 'PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093');
  assert.equal(props.get('advertised.listeners'), 'PLAINTEXT://127.0.0.1:19092');
  assert.equal(props.get('controller.listener.names'), 'CONTROLLER');
  assert.equal(props.get('inter.broker.listener.name'), 'PLAINTEXT');
  assert.equal(props.get('log.dirs'), '/tmp/x/data');
});

test('renderServerProperties: internal topics fit one node; no auto-created topics; no rebalance delay', () => {
  const props = parse(renderServerProperties({ port: 1, controllerPort: 2, logDir: '/d' }));
  for (const key of [
    'offsets.topic.replication.factor',
    'transaction.state.log.replication.factor',
    'transaction.state.log.min.isr',
    'share.coordinator.state.topic.replication.factor',
    'share.coordinator.state.topic.min.isr',
  ]) {
    assert.equal(props.get(key), '1', key);
  }
  assert.equal(props.get('auto.create.topics.enable'), 'false');
  assert.equal(props.get('group.initial.rebalance.delay.ms'), '0');
});

test('renderServerProperties: escapes backslashes in paths', () => {
  const props = parse(renderServerProperties({ port: 1, controllerPort: 2, logDir: 'C:\\kafka\\data' }));
  assert.equal(props.get('log.dirs'), 'C:\\\\kafka\\\\data');
});

test('newClusterId: 22 chars of unpadded base64url encoding 16 bytes', () => {
  for (let i = 0; i < 200; i++) {
    const id = newClusterId();
    assert.equal(id.length, 22);
    assert.ok(isClusterId(id), id);
    assert.equal(Buffer.from(id, 'base64url').length, 16);
  }
});

test('newClusterId: never starts with "-" and never a reserved id', () => {
  const good = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
  const queue = [
    Buffer.alloc(16), // ZERO_UUID
    Buffer.from('00000000000000000000000000000001', 'hex'), // METADATA_TOPIC_ID
    Buffer.from('f8' + '00'.repeat(15), 'hex'), // "-AAAA…": would parse as a CLI option
    good,
  ];
  const id = newClusterId((size) => {
    const next = queue.shift();
    assert.ok(next && next.length === size);
    return next;
  });
  assert.equal(id, good.toString('base64url'));
  assert.equal(queue.length, 0);
});

test('isClusterId: rejects wrong shapes', () => {
  assert.equal(isClusterId('ASNFZ4mrze8BI0VniavN7w'), true);
  assert.equal(isClusterId('ASNFZ4mrze8BI0VniavN7'), false); // 21 chars
  assert.equal(isClusterId('ASNFZ4mrze8BI0VniavN7w=='), false); // padded
  assert.equal(isClusterId('-SNFZ4mrze8BI0VniavN7w'), false); // reads as an option
  assert.equal(isClusterId('ASNFZ4mrze8BI0VniavN7x'), false); // bits beyond 128 set
  assert.equal(isClusterId('ASNFZ4mrze8BI0Vnia+N7w'), false); // base64, not base64url
});
