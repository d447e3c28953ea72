import type { Envelope, InboxItem, InboxPage } from '@tidings/protocol';

/**
 * The inbox as the client holds it: the first page from HTTP, kept current
 * by the user's events. Pure functions over immutable values, so the model's
 * behaviour on duplicates, redelivery and resets is testable in isolation.
 *
 * Unread counts what the server counts: not read and not archived. The
 * client only knows the items it loaded; a state change for an item it does
 * not hold (older than the page) may or may not change the count, so the
 * view is marked `countStale` and the model re-reads the count from the
 * server instead of guessing.
 */
export interface InboxView {
  /** Every known item, archived ones included, newest first. */
  readonly items: readonly InboxItem[];
  readonly unread: number;
  readonly countStale: boolean;
  /** Where older items continue (`before` for the next page); undefined when the page was the last. */
  readonly nextBefore?: string | undefined;
}

export const EMPTY_VIEW: InboxView = Object.freeze({ items: [], unread: 0, countStale: false });

export function fromPage(page: InboxPage): InboxView {
  return { items: sortNewestFirst(page.items), unread: page.unread, countStale: false, nextBefore: page.nextBefore };
}

/** Older items (the next page) appended; items already held keep their live state. */
export function appendPage(view: InboxView, page: InboxPage): InboxView {
  const have = new Set(view.items.map((i) => i.id));
  const older = page.items.filter((i) => !have.has(i.id));
  return { ...view, items: sortNewestFirst([...view.items, ...older]), nextBefore: page.nextBefore };
}

export function visibleItems(view: InboxView): InboxItem[] {
  return view.items.filter((i) => i.archivedAt === null);
}

const isUnread = (i: InboxItem) => i.readAt === null && i.archivedAt === null;

/**
 * Applies one event. Idempotent: applying an event twice leaves the view as
 * applying it once (a duplicate `created` is ignored, state changes only
 * move an item that is not already in the target state), so a redelivered or
 * replayed event can never count twice.
 */
export function applyEvent(view: InboxView, e: Envelope): InboxView {
  if (e.type === 'notification.created') {
    if (view.items.some((i) => i.id === e.id)) return view;
    const d = e.data;
    const item: InboxItem = {
      id: e.id,
      category: d.category,
      title: d.title,
      ...(d.body !== undefined ? { body: d.body } : {}),
      ...(d.url !== undefined ? { url: d.url } : {}),
      ...(d.payload !== undefined ? { payload: d.payload } : {}),
      priority: d.priority ?? 'normal',
      ...(d.groupKey !== undefined ? { groupKey: d.groupKey } : {}),
      ...(d.expiresAt !== undefined ? { expiresAt: d.expiresAt } : {}),
      createdAt: e.time,
      seenAt: null,
      readAt: null,
      archivedAt: null,
    };
    return { ...view, items: insertNewestFirst(view.items, item), unread: view.unread + 1 };
  }

  const data = e.data as { notificationId?: string; all?: true };
  const change = CHANGES[e.type];
  if (data.all) {
    let unread = 0;
    const items = view.items.map((i) => {
      const next = change(i, e.time);
      if (isUnread(next)) unread += 1;
      return next;
    });
    // read/archive of everything up to this event: nothing older stays unread.
    // seen changes no count; unarchive-all may revive items we do not hold.
    if (e.type === 'notification.read' || e.type === 'notification.archived') return { ...view, items, unread, countStale: false };
    if (e.type === 'notification.seen') return { ...view, items };
    return { ...view, items, countStale: true };
  }
  const idx = view.items.findIndex((i) => i.id === data.notificationId);
  if (idx < 0) return e.type === 'notification.seen' ? view : { ...view, countStale: true };
  const before = view.items[idx]!;
  const after = change(before, e.time);
  if (after === before) return view;
  const items = view.items.slice();
  items[idx] = after;
  const delta = (isUnread(after) ? 1 : 0) - (isUnread(before) ? 1 : 0);
  return { ...view, items, unread: Math.max(0, view.unread + delta) };
}

type Change = (i: InboxItem, time: string) => InboxItem;
const CHANGES: Record<Exclude<Envelope['type'], 'notification.created'>, Change> = {
  'notification.read': (i, t) => (i.readAt === null ? { ...i, readAt: t } : i),
  'notification.seen': (i, t) => (i.seenAt === null ? { ...i, seenAt: t } : i),
  'notification.archived': (i, t) => (i.archivedAt === null ? { ...i, archivedAt: t } : i),
  'notification.unarchived': (i) => (i.archivedAt !== null ? { ...i, archivedAt: null } : i),
};

/** Producers may send any RFC 3339 offset, so times are compared as instants, not strings. */
const at = (i: InboxItem) => Date.parse(i.createdAt) || 0;

function sortNewestFirst(items: readonly InboxItem[]): InboxItem[] {
  // Stable: items of the same instant keep the server's (log) order.
  return items.slice().sort((a, b) => at(b) - at(a));
}

/** Events arrive newest last, so this is a prepend in the common case. */
function insertNewestFirst(items: readonly InboxItem[], item: InboxItem): InboxItem[] {
  const t = at(item);
  let pos = 0;
  while (pos < items.length && at(items[pos]!) > t) pos += 1;
  return [...items.slice(0, pos), item, ...items.slice(pos)];
}
