import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Envelope, InboxItem, InboxPage } from '@tidings/protocol';
import { appendPage, applyEvent, fromPage, visibleItems, type InboxView } from './inbox-reducer.js';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();

function item(id: string, sec: number, state: Partial<Pick<InboxItem, 'readAt' | 'seenAt' | 'archivedAt'>> = {}): InboxItem {
  return { id, category: 'c', title: id, priority: 'normal', createdAt: iso(sec), seenAt: null, readAt: null, archivedAt: null, ...state };
}
function page(items: InboxItem[], unread: number, nextBefore?: string): InboxPage {
  return { items, unread, cursor: 'p', ...(nextBefore ? { nextBefore } : {}) };
}
const created = (id: string, sec: number): Envelope => ({
  id,
  type: 'notification.created',
  userId: 'u',
  time: iso(sec),
  source: 'svc',
  data: { category: 'c', title: id },
});
let n = 0;
const state = (type: Exclude<Envelope['type'], 'notification.created'>, target: string | 'ALL', sec = 100): Envelope => ({
  id: `s${++n}`,
  type,
  userId: 'u',
  time: iso(sec),
  source: 'tidings-gateway',
  data: target === 'ALL' ? { all: true } : { notificationId: target },
});
const ids = (v: InboxView) => visibleItems(v).map((i) => i.id);
const fold = (v: InboxView, events: Envelope[]) => events.reduce(applyEvent, v);

test('a new notification is prepended and counted unread', () => {
  const v = fold(fromPage(page([item('a', 1)], 1)), [created('b', 2)]);
  assert.deepEqual(ids(v), ['b', 'a']);
  assert.equal(v.unread, 2);
});

test('duplicate created (replay, redelivery, seam) neither adds nor counts twice', () => {
  const v0 = fromPage(page([item('a', 1)], 1));
  const v = fold(v0, [created('b', 2), created('b', 2), created('a', 1)]);
  assert.deepEqual(ids(v), ['b', 'a']);
  assert.equal(v.unread, 2);
});

test('out-of-order redelivery: an old created for an item already read does not make it unread again', () => {
  const v = fold(fromPage(page([], 0)), [created('a', 1), state('notification.read', 'a'), created('a', 1)]);
  assert.equal(v.unread, 0);
  assert.notEqual(v.items[0]!.readAt, null);
});

test('an older event arriving late is placed by time, not at the top', () => {
  const v = fold(fromPage(page([item('new', 50), item('old', 1)], 2)), [created('mid', 20)]);
  assert.deepEqual(ids(v), ['new', 'mid', 'old']);
});

test('read, seen, archive, unarchive keep the unread count exact for items held', () => {
  let v = fromPage(page([item('a', 2), item('b', 1)], 2));
  v = applyEvent(v, state('notification.seen', 'a'));
  assert.equal(v.unread, 2, 'seen is not read');
  v = applyEvent(v, state('notification.read', 'a'));
  assert.equal(v.unread, 1);
  v = applyEvent(v, state('notification.read', 'a'));
  assert.equal(v.unread, 1, 'a repeated read changes nothing');
  v = applyEvent(v, state('notification.archived', 'b'));
  assert.equal(v.unread, 0);
  assert.deepEqual(ids(v), ['a'], 'archived items leave the list');
  v = applyEvent(v, state('notification.unarchived', 'b'));
  assert.equal(v.unread, 1);
  assert.deepEqual(ids(v), ['a', 'b']);
  assert.equal(v.countStale, false);
});

test('read-all marks everything read and nothing older stays unread', () => {
  const v = fold(fromPage(page([item('a', 2), item('b', 1)], 7, '10')), [state('notification.read', 'ALL'), created('c', 3)]);
  assert.equal(v.unread, 1, 'only the notification after read-all');
  assert.deepEqual(
    v.items.map((i) => [i.id, i.readAt !== null]),
    [
      ['c', false],
      ['a', true],
      ['b', true],
    ],
  );
});

test('a change to an item the client does not hold marks the count stale instead of guessing', () => {
  const v0 = fromPage(page([item('a', 2)], 5, '1'));
  const v = applyEvent(v0, state('notification.read', 'older-unknown'));
  assert.equal(v.countStale, true);
  assert.equal(v.unread, 5, 'count left as the server said until re-read');
  assert.equal(applyEvent(v0, state('notification.seen', 'older-unknown')).countStale, false, 'seen never changes the count');
});

test('reset: a fresh page replaces everything (recovered:false refetch)', () => {
  const before = fold(fromPage(page([item('a', 1)], 1)), [created('b', 2), state('notification.read', 'unknown')]);
  const after = fromPage(page([item('x', 9)], 3));
  assert.deepEqual(ids(after), ['x']);
  assert.equal(after.unread, 3);
  assert.equal(after.countStale, false);
  assert.notDeepEqual(ids(before), ids(after));
});

test('an older page appends below and keeps live state of items already held', () => {
  const v = applyEvent(fromPage(page([item('b', 2)], 2, '5')), state('notification.read', 'b'));
  const merged = appendPage(v, page([item('b', 2), item('a', 1)], 1));
  assert.deepEqual(ids(merged), ['b', 'a']);
  assert.notEqual(merged.items[0]!.readAt, null, 'b stays read');
  assert.equal(merged.nextBefore, undefined);
});

test('times in other offsets compare as instants', () => {
  const v = fold(fromPage(page([item('utc', 10)], 1)), [{ ...created('plus1', 0), time: '2030-01-01T01:00:05+01:00' }]);
  assert.deepEqual(ids(v), ['utc', 'plus1'], '01:00:05+01:00 is 00:00:05Z, older than 00:00:10Z');
});
