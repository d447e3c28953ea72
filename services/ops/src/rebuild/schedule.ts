import type { Positioned } from '@tidings/persister-service';
import type { StateEvent } from '@tidings/protocol';

/**
 * Orders a chunk's state events into few, large statements without
 * changing the outcome.
 *
 * The persister's `applyState` turns each run of consecutive same-type
 * events into one UPDATE. A rebuild chunk interleaves many users, so in log
 * order runs are short and a chunk would cost thousands of statements.
 * But only some pairs of events must keep their order:
 * - two events on the same notification (e.g. archived, then unarchived);
 * - an `all: true` event and any other event of the same user.
 * Everything else touches disjoint rows and commutes. So each event gets a
 * level: one more than the level of the last event it must follow. Applying
 * level 1, then level 2, … — within a level, one group per type, `all`
 * events alone — gives the same inbox as log order, with (levels × types)
 * statements. Within a group every notification appears at most once, and
 * each event keeps its own offset, so applyState's "only notifications
 * created earlier in the log" rule still holds per event.
 */
export function scheduleState(events: readonly Positioned<StateEvent>[]): Positioned<StateEvent>[][] {
  const lastOfNotification = new Map<string, number>();
  const barrierOfUser = new Map<string, number>();
  const maxOfUser = new Map<string, number>();
  const levels: Positioned<StateEvent>[][] = [];
  for (const e of events) {
    const user = e.event.userId;
    const barrier = barrierOfUser.get(user) ?? 0;
    let level: number;
    if ('all' in e.event.data) {
      level = Math.max(maxOfUser.get(user) ?? 0, barrier) + 1;
      barrierOfUser.set(user, level);
    } else {
      // Notification ids are global, but key by user too: a state event only ever touches its own user's row.
      const key = `${user}\u0000${e.event.data.notificationId}`;
      level = Math.max(lastOfNotification.get(key) ?? 0, barrier) + 1;
      lastOfNotification.set(key, level);
    }
    maxOfUser.set(user, Math.max(maxOfUser.get(user) ?? 0, level));
    (levels[level - 1] ??= []).push(e);
  }
  const groups: Positioned<StateEvent>[][] = [];
  for (const level of levels) {
    const byType = new Map<string, Positioned<StateEvent>[]>();
    for (const e of level) {
      if ('all' in e.event.data) groups.push([e]);
      else {
        const list = byType.get(e.event.type) ?? [];
        list.push(e);
        byType.set(e.event.type, list);
      }
    }
    groups.push(...byType.values());
  }
  return groups;
}
