// The /metrics reader of ui/src/lib/prometheus.ts, on text shaped as `xacoord serve`
// writes it (docs/api.md, Metrics).
import test from 'node:test';
import assert from 'node:assert/strict';
import { histogramDelta, histogramOf, labelValues, parsePrometheus, quantile, sumOf } from '../../../ui/src/lib/prometheus';

const TEXT = `# HELP xacoord_transactions_total Transactions by outcome
# TYPE xacoord_transactions_total counter
xacoord_transactions_total{kind="pay",outcome="committed"} 7
xacoord_transactions_total{kind="pay",outcome="aborted"} 2
xacoord_transactions_total{kind="cancel",outcome="committed"} 3
xacoord_http_requests_total{route="orders.pay",status="503"} 4
xacoord_odd{path="a\\"b\\\\c",x="1,2"} +Inf
xacoord_ready 1
xacoord_decision_log_fsync_seconds_bucket{le="0.001"} 2
xacoord_decision_log_fsync_seconds_bucket{le="0.01"} 6
xacoord_decision_log_fsync_seconds_bucket{le="+Inf"} 8
xacoord_decision_log_fsync_seconds_sum 0.05
xacoord_decision_log_fsync_seconds_count 8
`;

test('reads names, labels (with escapes and commas) and values', () => {
  const s = parsePrometheus(TEXT);
  assert.equal(s.length, 11);
  const odd = s.find((x) => x.name === 'xacoord_odd')!;
  assert.deepEqual(odd.labels, { path: 'a"b\\c', x: '1,2' });
  assert.equal(odd.value, Infinity);
  assert.equal(sumOf(s, 'xacoord_ready'), 1);
});

test('sums the series whose labels match, null for none', () => {
  const s = parsePrometheus(TEXT);
  assert.equal(sumOf(s, 'xacoord_transactions_total'), 12);
  assert.equal(sumOf(s, 'xacoord_transactions_total', { outcome: 'committed' }), 10);
  assert.equal(sumOf(s, 'xacoord_transactions_total', { kind: 'pay', outcome: 'aborted' }), 2);
  assert.equal(sumOf(s, 'xacoord_transactions_total', { kind: 'refund' }), null);
  assert.deepEqual(labelValues(s, 'xacoord_transactions_total', 'kind'), ['cancel', 'pay']);
});

test('a line that is not a sample is an error, not a zero', () => {
  assert.throws(() => parsePrometheus('xacoord_ready one\n'));
  assert.throws(() => parsePrometheus('xacoord_x{a="b} 1\n'));
});

test('histogram quantiles interpolate inside the bucket like PromQL', () => {
  const h = histogramOf(parsePrometheus(TEXT), 'xacoord_decision_log_fsync_seconds')!;
  assert.deepEqual(h.buckets.map((b) => b.le), [0.001, 0.01, Infinity]);
  // rank 4 of 8 falls in (0.001, 0.01]: 2 below, 4 inside -> halfway.
  assert.ok(Math.abs(quantile(h, 0.5)! - 0.0055) < 1e-12);
  // rank 1 in the lowest bucket interpolates from 0.
  assert.ok(Math.abs(quantile(h, 0.125)! - 0.0005) < 1e-12);
  // in the +Inf bucket: the highest finite bound.
  assert.equal(quantile(h, 0.99), 0.01);
  assert.equal(quantile({ buckets: [{ le: Infinity, count: 0 }], sum: 0, count: 0 }, 0.5), null);
});

test('the delta between two scrapes is what was observed in between; a reset is no delta', () => {
  const before = histogramOf(parsePrometheus(TEXT), 'xacoord_decision_log_fsync_seconds')!;
  const after = histogramOf(parsePrometheus(TEXT.replace('"0.01"} 6', '"0.01"} 9').replace('"+Inf"} 8', '"+Inf"} 11')
    .replace('_sum 0.05', '_sum 0.08').replace('_count 8', '_count 11')), 'xacoord_decision_log_fsync_seconds')!;
  const d = histogramDelta(before, after)!;
  assert.deepEqual(d.buckets.map((b) => b.count), [0, 3, 3]);
  assert.equal(d.count, 3);
  assert.ok(Math.abs(d.sum - 0.03) < 1e-12);
  assert.equal(histogramDelta(after, before), null);
});
