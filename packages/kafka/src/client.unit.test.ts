import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKafka, type Logger } from './client.js';

function capture(): { logger: Logger; lines: [string, string | undefined][] } {
  const lines: [string, string | undefined][] = [];
  const at = (level: string) => (_obj: object, msg?: string) => void lines.push([level, msg]);
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

test("kafkajs' expected CONCURRENT_TRANSACTIONS retries are logged at debug, other errors still at error (issue #14 item 13)", () => {
  const { logger, lines } = capture();
  const kafka = createKafka({ brokers: ['127.0.0.1:1'], clientId: 't', logger });
  const log = kafka.logger();
  log.error('Response AddPartitionsToTxn(key: 24, version: 1)', {
    error: 'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing',
  });
  log.error('Response Produce(key: 0, version: 7)', { error: 'The request timed out' });
  log.warn('something odd', {});
  assert.deepEqual(lines, [
    ['debug', 'Response AddPartitionsToTxn(key: 24, version: 1)'],
    ['error', 'Response Produce(key: 0, version: 7)'],
    ['warn', 'something odd'],
  ]);
});
