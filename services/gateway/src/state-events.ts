import { randomUUID } from 'node:crypto';
import { toMessage, type AtomicSender } from '@tidings/kafka';
import type { StateEvent, StateEventType } from '@tidings/protocol';

export type StateKind = 'read' | 'seen' | 'archive' | 'unarchive';

const TYPE: Record<StateKind, StateEventType> = {
  read: 'notification.read',
  seen: 'notification.seen',
  archive: 'notification.archived',
  unarchive: 'notification.unarchived',
};

/** Who state events come from when a user asks through the gateway. */
export const USER_SOURCE = 'tidings-gateway';

/**
 * State changes are events on the user's stream, never UPDATEs (docs/contract.md §2):
 * they reach the persister's projection and every device of the user.
 * All events of one request are written atomically. Returns the event ids.
 */
export async function produceState(
  sender: AtomicSender,
  topic: string,
  userId: string,
  kind: StateKind,
  target: { ids?: readonly string[] | undefined; all?: true | undefined },
): Promise<string[]> {
  const time = new Date().toISOString();
  const datas = target.all ? [{ all: true as const }] : [...new Set(target.ids ?? [])].map((notificationId) => ({ notificationId }));
  const events: StateEvent[] = datas.map((data) => ({ id: randomUUID(), type: TYPE[kind], userId, time, source: USER_SOURCE, data }));
  await sender.send([{ topic, messages: events.map((e) => toMessage(e)) }]);
  return events.map((e) => e.id);
}
