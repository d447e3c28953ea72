/**
 * Topic names and shapes (docs/contract.md §2, §4). A prefix lets several independent
 * Tidings deployments — or test namespaces — share one cluster; production
 * uses none, giving the names of docs/contract.md §2.
 */
export interface TopicNames {
  /** All notification and state events; key = userId. */
  events: string;
  /** Records a consumer could not validate, with the reason. */
  dlq: string;
  /** Ops commands every gateway node consumes (e.g. redeliver). */
  control: string;
}

export function topicNames(prefix = ''): TopicNames {
  return Object.freeze({
    events: `${prefix}tidings.events`,
    dlq: `${prefix}tidings.events.dlq`,
    control: `${prefix}tidings.control`,
  });
}

/** The names of docs/contract.md §2. */
export const TOPICS = topicNames();

/** Fixed at creation: a user's partition is part of every cursor. */
export const EVENTS_PARTITIONS = 12;

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  configEntries?: { name: string; value: string }[];
}

export function topicSpecs(names: TopicNames = TOPICS, eventsPartitions = EVENTS_PARTITIONS): TopicSpec[] {
  return [
    { topic: names.events, numPartitions: eventsPartitions },
    { topic: names.dlq, numPartitions: 1 },
    { topic: names.control, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: String(24 * 3600 * 1000) }] },
  ];
}
