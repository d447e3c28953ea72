import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { AtomicSender } from '@tidings/kafka';
import { compile, decodeCursor, jsonTooDeep, RedeliverCommand, TOO_DEEP_MESSAGE, type ControlCommand, type ValidationIssue } from '@tidings/protocol';
import { ApiError, type Logger } from '@tidings/runtime';

/**
 * The control topic: ops commands that every gateway node consumes, each
 * node acting for the sockets it holds (so ops need not know where a user is
 * connected). Today the one command is `redeliver`.
 */

const checkRedeliver = compile(RedeliverCommand);

export type ParsedControl = { ok: true; cmd: ControlCommand } | { ok: false; issues: ValidationIssue[] };

/** Validates a command: the schema, plus exactly one of fromCursor / fromTime, and a cursor that decodes. */
export function checkControlCommand(value: unknown): ParsedControl {
  const r = checkRedeliver(value);
  if (!r.ok) return r;
  const cmd = r.value;
  if ((cmd.fromCursor === undefined) === (cmd.fromTime === undefined)) {
    return { ok: false, issues: [{ path: '/', message: 'must have exactly one of fromCursor, fromTime' }] };
  }
  if (cmd.fromCursor !== undefined && !decodeCursor(cmd.fromCursor).ok) {
    return { ok: false, issues: [{ path: '/fromCursor', message: 'is not a cursor' }] };
  }
  return { ok: true, cmd };
}

export function parseControlCommand(text: string): ParsedControl {
  if (jsonTooDeep(text)) return { ok: false, issues: [{ path: '/', message: TOO_DEEP_MESSAGE }] };
  try {
    return checkControlCommand(JSON.parse(text));
  } catch {
    return { ok: false, issues: [{ path: '/', message: 'is not valid JSON' }] };
  }
}

/**
 * For ops: asks every gateway node to push `cmd.userId`'s events again to
 * that user's live sockets. Resolves once the command is durable in Kafka;
 * nodes act on it asynchronously (their log lines and
 * `tidings_gateway_redeliveries_total` carry `requestId`'s outcome).
 * Throws an ApiError (TIDINGS_ERR_VALIDATION) for a malformed command.
 */
export async function publishRedeliver(sender: AtomicSender, controlTopic: string, cmd: RedeliverCommand): Promise<void> {
  const checked = checkControlCommand(cmd);
  if (!checked.ok) throw new ApiError('TIDINGS_ERR_VALIDATION', 'invalid redeliver command', checked.issues);
  await sender.send([{ topic: controlTopic, messages: [{ key: cmd.userId, value: JSON.stringify(checked.cmd) }] }]);
}

export interface ControlFeed {
  close(): Promise<void>;
}

export interface ControlFeedOptions {
  kafka: Kafka;
  topic: string;
  nodeId: string;
  logger: Logger;
  onCommand: (cmd: ControlCommand) => void;
  onInvalid?: (issues: ValidationIssue[]) => void;
}

/**
 * Consumes the control topic from its end at start (a fresh group per
 * process: commands are for the sockets open now, never replayed history).
 * The end offsets are read before the group joins and seeked to explicitly,
 * so a command published once this resolves is never missed.
 */
export async function startControlFeed(opts: ControlFeedOptions): Promise<ControlFeed> {
  const admin = opts.kafka.admin();
  await admin.connect();
  let offsets: { partition: number; offset: string }[];
  try {
    offsets = await admin.fetchTopicOffsets(opts.topic);
  } finally {
    await admin.disconnect();
  }
  const consumer = opts.kafka.consumer({
    groupId: `tidings-gateway-control-${opts.nodeId}-${randomBytes(4).toString('hex')}`,
    maxWaitTimeInMs: 100,
    readUncommitted: false,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: opts.topic, fromBeginning: false });
  const running = consumer.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      const parsed = parseControlCommand(message.value?.toString('utf8') ?? '');
      if (!parsed.ok) {
        opts.logger.warn({ issues: parsed.issues }, 'ignoring invalid control command');
        opts.onInvalid?.(parsed.issues);
        return;
      }
      opts.onCommand(parsed.cmd);
    },
  });
  // Registered synchronously, before the group join completes, so the first
  // fetch starts exactly at the end read above (see live.ts).
  for (const o of offsets) consumer.seek({ topic: opts.topic, partition: o.partition, offset: o.offset });
  await running;
  return {
    async close() {
      await consumer.disconnect();
    },
  };
}
