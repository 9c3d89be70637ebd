// Live rates from successive /metrics scrapes: what the metrics charts plot. Counters
// become per-second rates between two scrapes, histograms a mean and a p99 of what was
// observed in between, gauges are read as they are. docs/api.md (Metrics) names the series.
import { histogramDelta, histogramOf, quantile, Sample, sumOf, labelValues } from './prometheus';

export interface Scrape {
  at: number; // ms since the epoch, when the answer arrived
  samples: Sample[];
}

export interface Point {
  at: number; // seconds since the epoch (uPlot's x unit)
  pays: number | null; // committed pays per second
  cancels: number | null; // committed cancels per second
  aborts: number | null; // aborted transactions of any kind per second
  unavailable: number | null; // HTTP 503 answers per second
  fsyncMeanMs: number | null;
  fsyncP99Ms: number | null;
  poolInUse: Record<string, number>; // by participant
  poolMax: Record<string, number>;
  inFlight: number | null;
  inDoubt: number | null;
  stuck: number | null;
}

// A counter's increase per second; a decrease means the coordinator restarted, and the
// new value is then all that was counted since (as Prometheus's rate() treats resets).
function rate(before: number | null, after: number | null, seconds: number): number | null {
  if (before === null || after === null || seconds <= 0) return null;
  const increase = after >= before ? after - before : after;
  return increase / seconds;
}

export function pointBetween(before: Scrape, after: Scrape): Point {
  const s0 = before.samples;
  const s1 = after.samples;
  const seconds = (after.at - before.at) / 1000;
  const tx = 'xacoord_transactions_total';
  const http = 'xacoord_http_requests_total';
  const point: Point = {
    at: after.at / 1000,
    pays: rate(sumOf(s0, tx, { kind: 'pay', outcome: 'committed' }), sumOf(s1, tx, { kind: 'pay', outcome: 'committed' }), seconds),
    cancels: rate(sumOf(s0, tx, { kind: 'cancel', outcome: 'committed' }), sumOf(s1, tx, { kind: 'cancel', outcome: 'committed' }), seconds),
    aborts: rate(sumOf(s0, tx, { outcome: 'aborted' }), sumOf(s1, tx, { outcome: 'aborted' }), seconds),
    // No 503 yet means no such series yet: zero, once the scrape itself has the counter.
    unavailable: rate(sumOf(s0, http, { status: '503' }) ?? (sumOf(s0, http) === null ? null : 0),
                      sumOf(s1, http, { status: '503' }) ?? (sumOf(s1, http) === null ? null : 0), seconds),
    fsyncMeanMs: null,
    fsyncP99Ms: null,
    poolInUse: {},
    poolMax: {},
    inFlight: sumOf(s1, 'xacoord_transactions_in_flight'),
    inDoubt: sumOf(s1, 'xacoord_in_doubt_branches'),
    stuck: sumOf(s1, 'xacoord_stuck_branches'),
  };
  const h0 = histogramOf(s0, 'xacoord_decision_log_fsync_seconds');
  const h1 = histogramOf(s1, 'xacoord_decision_log_fsync_seconds');
  const d = h0 && h1 ? histogramDelta(h0, h1) : null;
  if (d && d.count > 0) {
    point.fsyncMeanMs = (d.sum / d.count) * 1000;
    const p99 = quantile(d, 0.99);
    point.fsyncP99Ms = p99 === null ? null : p99 * 1000;
  }
  for (const p of labelValues(s1, 'xacoord_pool_sessions_in_use', 'participant')) {
    point.poolInUse[p] = sumOf(s1, 'xacoord_pool_sessions_in_use', { participant: p }) ?? 0;
    point.poolMax[p] = sumOf(s1, 'xacoord_pool_sessions_max', { participant: p }) ?? 0;
  }
  return point;
}

// The last `capacity` points, one per scrape after the first.
export class RateHistory {
  private last: Scrape | null = null;
  readonly points: Point[] = [];
  constructor(private readonly capacity: number) {}

  add(scrape: Scrape): Point | null {
    const before = this.last;
    this.last = scrape;
    if (!before) return null;
    const p = pointBetween(before, scrape);
    this.points.push(p);
    if (this.points.length > this.capacity) this.points.shift();
    return p;
  }

  latest(): Scrape | null {
    return this.last;
  }
}
