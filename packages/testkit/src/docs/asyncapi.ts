import { stringify } from 'yaml';
import type { TSchema } from '@sinclair/typebox';
import { EVENTS_PARTITIONS } from '@tidings/kafka';
import {
  Envelope,
  ErrorSchema,
  EventSchema,
  HelloMessage,
  PingMessage,
  PongSchema,
  RedeliverCommand,
  RefreshMessage,
  ResultSchema,
  StateRequestMessage,
  SUBPROTOCOL,
  SyncedSchema,
  TokenExpiringSchema,
  WelcomeSchema,
} from '@tidings/protocol';

/** TypeBox schemas carry symbol keys; JSON drops them, leaving plain JSON Schema. */
const plain = (s: TSchema): unknown => JSON.parse(JSON.stringify(s));

const clientMessages: Record<string, [TSchema, string]> = {
  hello: [HelloMessage, 'First frame, within 5 s: the token (unless given as ?token=) and the cursor to resume from.'],
  ping: [PingMessage, 'Application-level ping (browsers cannot see protocol pings).'],
  stateRequest: [StateRequestMessage, 'read / seen / archive / unarchive by ids or all; answered with result.'],
  refresh: [RefreshMessage, 'A fresh token for the same user before the current one expires.'],
};
const serverMessages: Record<string, [TSchema, string]> = {
  welcome: [WelcomeSchema, 'Authenticated; replay (if a cursor was given) follows.'],
  event: [EventSchema, 'Every event, replayed or live, has this shape. Store its cursor.'],
  synced: [SyncedSchema, 'Replay complete; live from here. recovered:false says the cursor could not be honoured (refetch the inbox).'],
  result: [ResultSchema, 'Answer to a request with an id.'],
  error: [ErrorSchema, 'A request or frame was rejected; code from the error catalogue.'],
  pong: [PongSchema, 'Answer to ping.'],
  tokenExpiring: [TokenExpiringSchema, 'Send refresh within inMs or the socket closes with 4003.'],
};

const message = (name: string, [schema, summary]: [TSchema, string]) => ({ name, summary, contentType: 'application/json', payload: plain(schema) });
const KAFKA_BINDING = '0.5.0';

/** The record contract for anything that writes the events topic, direct producers included (docs/protocol.md). */
const envelopeRecord = {
  ...message('envelope', [Envelope, 'A notification or state event (docs/contract.md §4). Record key = userId.']),
  description:
    'Record contract (docs/protocol.md, "Producing directly to Kafka"): key = the envelope\'s userId; partition = murmur2(key) & 0x7fffffff mod the topic\'s partition count ' +
    "(Java's default partitioner; librdkafka needs partitioner=murmur2_random); value = one JSON envelope of at most 64 KiB. A record that breaks it — " +
    'an invalid envelope, a key other than its userId, or a partition other than its key\'s — is dead-lettered with the reason and never delivered.',
  headers: {
    type: 'object',
    properties: {
      'content-type': { type: 'string', const: 'application/json' },
      traceparent: { type: 'string', description: 'W3C trace context, when the write is part of a trace.' },
    },
    required: ['content-type'],
  },
  bindings: { kafka: { key: { type: 'string', description: 'The envelope\'s userId; it also chooses the partition (murmur2).' }, bindingVersion: KAFKA_BINDING } },
};
const deadLetterHeaders = {
  type: 'object',
  properties: {
    'tidings-reason': { type: 'string', description: 'Why the record was refused (at most 1,000 characters).' },
    'tidings-source-topic': { type: 'string' },
    'tidings-source-partition': { type: 'string', pattern: '^\\d+$' },
    'tidings-source-offset': { type: 'string', pattern: '^\\d+$' },
  },
  required: ['tidings-reason', 'tidings-source-topic', 'tidings-source-partition', 'tidings-source-offset'],
};
const refs = (names: string[]) => Object.fromEntries(names.map((n) => [n, { $ref: `#/components/messages/${n}` }]));

/**
 * The AsyncAPI 3 document of the WebSocket protocol (docs/contract.md §7) and the Kafka
 * topics (docs/contract.md §4), generated from the protocol package's schemas so the
 * document cannot drift from the code.
 */
export function buildAsyncApi(): Record<string, unknown> {
  const op = (action: 'send' | 'receive', channel: string, messages: string[], summary: string) => ({
    action,
    summary,
    channel: { $ref: `#/channels/${channel}` },
    messages: messages.map((m) => ({ $ref: `#/channels/${channel}/messages/${m}` })),
  });
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Tidings',
      version: '1.0.0',
      description: `Real-time notification delivery with gap-free resume. WebSocket subprotocol \`${SUBPROTOCOL}\`; Kafka topics keyed by userId.`,
    },
    servers: {
      gateway: { host: '127.0.0.1:4100', protocol: 'ws', description: 'Any gateway node; a client may resume on any of them.' },
      kafka: { host: '127.0.0.1:9092', protocol: 'kafka', description: 'The event log.' },
    },
    channels: {
      stream: {
        address: '/v1/stream',
        servers: [{ $ref: '#/servers/gateway' }],
        messages: refs([...Object.keys(clientMessages), ...Object.keys(serverMessages)]),
      },
      events: {
        address: 'tidings.events',
        description: `Every event, key = userId, in the partition murmur2 assigns the key. The partition count (${EVENTS_PARTITIONS} by default) is fixed for the life of a deployment: cursors name partitions.`,
        servers: [{ $ref: '#/servers/kafka' }],
        messages: { envelope: { $ref: '#/components/messages/envelope' } },
        bindings: { kafka: { topic: 'tidings.events', partitions: EVENTS_PARTITIONS, bindingVersion: KAFKA_BINDING } },
      },
      dlq: { address: 'tidings.events.dlq', servers: [{ $ref: '#/servers/kafka' }], messages: { deadLetter: { $ref: '#/components/messages/deadLetter' } } },
      control: { address: 'tidings.control', servers: [{ $ref: '#/servers/kafka' }], messages: { redeliver: { $ref: '#/components/messages/redeliver' } } },
    },
    operations: {
      receiveClientFrames: op('receive', 'stream', Object.keys(clientMessages), 'Frames a client sends to a gateway.'),
      sendServerFrames: op('send', 'stream', Object.keys(serverMessages), 'Frames a gateway sends to a client.'),
      publishEvents: op('send', 'events', ['envelope'], 'Ingest, the producer library and gateways (state events) append events, key = userId.'),
      consumeEvents: op('receive', 'events', ['envelope'], 'The persister and every gateway node consume all partitions.'),
      deadLetters: op('send', 'dlq', ['deadLetter'], 'Records a consumer could not validate, with tidings-reason and source position headers.'),
      controlCommands: op('receive', 'control', ['redeliver'], 'Ops commands every gateway consumes.'),
    },
    components: {
      messages: {
        ...Object.fromEntries(Object.entries({ ...clientMessages, ...serverMessages }).map(([n, v]) => [n, message(n, v)])),
        envelope: envelopeRecord,
        deadLetter: { name: 'deadLetter', summary: 'The original record value, unchanged (it may not be JSON).', contentType: 'application/octet-stream', headers: deadLetterHeaders, payload: { type: 'string' } },
        redeliver: message('redeliver', [RedeliverCommand, 'Push a user\'s events again to their live sockets, from a cursor or a time.']),
      },
    },
  };
}

export function renderAsyncApi(): string {
  return '# Generated from packages/protocol by `npm run docs:asyncapi`; a test fails when it is stale.\n' + stringify(buildAsyncApi(), { lineWidth: 0 });
}
