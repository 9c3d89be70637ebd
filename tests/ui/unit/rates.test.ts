// Rates between two scrapes (ui/src/lib/rates.ts): what the metrics charts plot.
import test from 'node:test';
import assert from 'node:assert/strict';
import { parsePrometheus } from '../../../ui/src/lib/prometheus';
import { pointBetween, RateHistory } from '../../../ui/src/lib/rates';

function scrape(at: number, pays: number, aborts: number, unavailable: number | null, fsync: [number, number, number]) {
  const lines = [
    `xacoord_transactions_total{kind="pay",outcome="committed"} ${pays}`,
    `xacoord_transactions_total{kind="cancel",outcome="committed"} 1`,
    `xacoord_transactions_total{kind="pay",outcome="aborted"} ${aborts}`,
    `xacoord_http_requests_total{route="orders.pay",status="200"} ${pays}`,
    unavailable === null ? '' : `xacoord_http_requests_total{route="orders.pay",status="503"} ${unavailable}`,
    `xacoord_decision_log_fsync_seconds_bucket{le="0.001"} ${fsync[0]}`,
    `xacoord_decision_log_fsync_seconds_bucket{le="+Inf"} ${fsync[1]}`,
    `xacoord_decision_log_fsync_seconds_sum ${fsync[2]}`,
    `xacoord_decision_log_fsync_seconds_count ${fsync[1]}`,
    'xacoord_pool_sessions_in_use{participant="orders"} 3',
    'xacoord_pool_sessions_max{participant="orders"} 128',
    'xacoord_in_doubt_branches 2',
  ];
  return { at, samples: parsePrometheus(lines.join('\n')) };
}

test('counters become per-second rates, gauges are read as they are', () => {
  const p = pointBetween(scrape(1000, 10, 1, null, [1, 1, 0.0005]), scrape(3000, 30, 5, 4, [3, 5, 0.0105]));
  assert.equal(p.at, 3);
  assert.equal(p.pays, 10); // 20 in 2 s
  assert.equal(p.cancels, 0);
  assert.equal(p.aborts, 2);
  assert.equal(p.unavailable, 2); // no 503 series before: zero then
  assert.ok(Math.abs(p.fsyncMeanMs! - 2.5) < 1e-9); // 0.010 s over 4 fsyncs
  assert.deepEqual(p.poolInUse, { orders: 3 });
  assert.deepEqual(p.poolMax, { orders: 128 });
  assert.equal(p.inDoubt, 2);
});

test('a restarted coordinator (counters went down) counts from zero, not negative', () => {
  const p = pointBetween(scrape(0, 100, 0, 0, [1, 1, 0.001]), scrape(1000, 4, 0, 0, [1, 1, 0.001]));
  assert.equal(p.pays, 4);
  assert.equal(p.fsyncMeanMs, null);
});

test('the history keeps the last N points', () => {
  const h = new RateHistory(2);
  assert.equal(h.add(scrape(0, 0, 0, 0, [0, 0, 0])), null);
  for (let i = 1; i <= 4; i++) h.add(scrape(i * 1000, i, 0, 0, [0, 0, 0]));
  assert.deepEqual(h.points.map((p) => p.at), [3, 4]);
});
