import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFeedLag } from './lag.js';

test('gateway feed lag is read per partition from the Prometheus exposition', () => {
  const text = [
    '# HELP tidings_gateway_feed_lag_records Live feed records behind log end',
    '# TYPE tidings_gateway_feed_lag_records gauge',
    'tidings_gateway_feed_lag_records{partition="0",service="gateway"} 3',
    'tidings_gateway_feed_lag_records{service="gateway",partition="11"} 0',
    'tidings_gateway_feed_lag_records_other{partition="1"} 9',
    'tidings_gateway_connections{service="gateway"} 5',
  ].join('\n');
  assert.deepEqual([...parseFeedLag(text)], [
    [0, '3'],
    [11, '0'],
  ]);
});

test('garbage and missing series yield nothing rather than a wrong position', () => {
  assert.equal(parseFeedLag('').size, 0);
  assert.equal(parseFeedLag('tidings_gateway_feed_lag_records{partition="x"} 3\ntidings_gateway_feed_lag_records{partition="2"} NaN').size, 0);
});
