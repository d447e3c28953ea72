import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeCursor } from '@tidings/protocol';
import { checkControlCommand, parseControlCommand } from './control.js';

const cursor = encodeCursor({ epoch: 'e1', partition: 3, offset: 10n });

test('redeliver commands from a cursor or from a time are accepted', () => {
  assert.equal(checkControlCommand({ type: 'redeliver', requestId: 'r1', userId: 'alice', fromCursor: cursor }).ok, true);
  assert.equal(checkControlCommand({ type: 'redeliver', requestId: 'r2', userId: 'alice', fromTime: '2024-01-01T00:00:00Z' }).ok, true);
});

test('malformed commands are refused with the failing field', () => {
  const cases: [unknown, string][] = [
    [{ type: 'redeliver', requestId: 'r', userId: 'alice' }, '/'],
    [{ type: 'redeliver', requestId: 'r', userId: 'alice', fromCursor: cursor, fromTime: '2024-01-01T00:00:00Z' }, '/'],
    [{ type: 'redeliver', requestId: 'r', userId: 'alice', fromCursor: 'not-a-cursor' }, '/fromCursor'],
    [{ type: 'redeliver', requestId: 'r', userId: 'al ice', fromCursor: cursor }, '/userId'],
    [{ type: 'redeliver', requestId: 'r', userId: 'alice', fromTime: 'yesterday' }, '/fromTime'],
    [{ type: 'purge', requestId: 'r', userId: 'alice', fromCursor: cursor }, '/type'],
    [{ type: 'redeliver', userId: 'alice', fromCursor: cursor }, '/requestId'],
  ];
  for (const [value, path] of cases) {
    const r = checkControlCommand(value);
    assert.equal(r.ok, false, JSON.stringify(value));
    assert.ok(!r.ok && r.issues.some((i) => i.path === path), `${JSON.stringify(value)}: ${JSON.stringify(!r.ok && r.issues)}`);
  }
});

test('a record that is not JSON is refused, not thrown', () => {
  assert.equal(parseControlCommand('{nope').ok, false);
  assert.equal(parseControlCommand('').ok, false);
});
