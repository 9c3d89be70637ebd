// The Prometheus text format (version 0.0.4) as /metrics answers it, read in the browser,
// and the two questions the charts ask of it: a sum over matching series, and a quantile
// of a histogram's increase between two scrapes (the way PromQL's histogram_quantile
// interpolates inside a bucket).

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export type Labels = Record<string, string>;

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const v = Number(text);
  if (text === '' || Number.isNaN(v)) throw new Error(`not a sample value: ${text}`);
  return v;
}

// Reads `{a="x",b="y"}` starting at text[i] === '{'; returns the labels and the index
// after the closing brace.
function parseLabels(text: string, i: number): [Labels, number] {
  const labels: Labels = {};
  i++; // '{'
  for (;;) {
    while (text[i] === ' ' || text[i] === ',') i++;
    if (text[i] === '}') return [labels, i + 1];
    const eq = text.indexOf('=', i);
    if (eq < 0 || text[eq + 1] !== '"') throw new Error(`bad label set: ${text}`);
    const name = text.slice(i, eq).trim();
    let value = '';
    let j = eq + 2;
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\') {
        j++;
        value += text[j] === 'n' ? '\n' : text[j];
      } else {
        value += text[j];
      }
    }
    if (j >= text.length) throw new Error(`unterminated label value: ${text}`);
    labels[name] = value;
    i = j + 1;
  }
}

// Every sample line of `text`; comments and blank lines are skipped. Throws on a line
// that is not a sample, so a format change shows up as an error rather than as zeros.
export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    let i = 0;
    while (i < line.length && line[i] !== '{' && line[i] !== ' ') i++;
    const name = line.slice(0, i);
    let labels: Labels = {};
    if (line[i] === '{') [labels, i] = parseLabels(line, i);
    const rest = line.slice(i).trim().split(/\s+/);
    if (name === '' || rest.length < 1) throw new Error(`not a sample line: ${line}`);
    out.push({ name, labels, value: parseValue(rest[0]) });
  }
  return out;
}

function matches(s: Sample, name: string, match: Labels): boolean {
  if (s.name !== name) return false;
  for (const [k, v] of Object.entries(match)) if (s.labels[k] !== v) return false;
  return true;
}

// Sum of every series of `name` whose labels include `match`; null when there is none.
export function sumOf(samples: Sample[], name: string, match: Labels = {}): number | null {
  let total: number | null = null;
  for (const s of samples) if (matches(s, name, match)) total = (total ?? 0) + s.value;
  return total;
}

// The label values of `label` among the series of `name`, sorted.
export function labelValues(samples: Sample[], name: string, label: string): string[] {
  const seen = new Set<string>();
  for (const s of samples) if (s.name === name && label in s.labels) seen.add(s.labels[label]);
  return [...seen].sort();
}

export interface Histogram {
  buckets: { le: number; count: number }[]; // cumulative, by le ascending, +Inf last
  sum: number;
  count: number;
}

// The histogram `base` (its _bucket, _sum and _count series), summed over the series
// whose labels include `match`; null if it is absent.
export function histogramOf(samples: Sample[], base: string, match: Labels = {}): Histogram | null {
  const byLe = new Map<number, number>();
  for (const s of samples) {
    if (!matches(s, base + '_bucket', match) || s.labels.le === undefined) continue;
    const le = parseValue(s.labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  const sum = sumOf(samples, base + '_sum', match);
  const count = sumOf(samples, base + '_count', match);
  if (byLe.size === 0 || sum === null || count === null) return null;
  const buckets = [...byLe.entries()].sort((a, b) => a[0] - b[0]).map(([le, c]) => ({ le, count: c }));
  return { buckets, sum, count };
}

// What was observed between two scrapes of one histogram. null when a counter went
// down (the coordinator restarted) or the buckets differ.
export function histogramDelta(before: Histogram, after: Histogram): Histogram | null {
  if (before.buckets.length !== after.buckets.length || after.count < before.count) return null;
  const buckets = after.buckets.map((b, i) => {
    if (before.buckets[i].le !== b.le) return null;
    return { le: b.le, count: b.count - before.buckets[i].count };
  });
  if (buckets.some((b) => b === null || b.count < 0)) return null;
  return {
    buckets: buckets as { le: number; count: number }[],
    sum: after.sum - before.sum,
    count: after.count - before.count,
  };
}

// The q-quantile (0 < q < 1) of a histogram, interpolated linearly inside its bucket as
// PromQL does; the lowest bucket interpolates from 0, and a quantile that falls in the
// +Inf bucket is the highest finite bound. null for an empty histogram.
export function quantile(h: Histogram, q: number): number | null {
  const total = h.buckets.length ? h.buckets[h.buckets.length - 1].count : 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerLe = 0;
  let lowerCount = 0;
  for (const b of h.buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return lowerLe;
      const inBucket = b.count - lowerCount;
      if (inBucket <= 0) return b.le;
      return lowerLe + ((b.le - lowerLe) * (rank - lowerCount)) / inBucket;
    }
    lowerLe = b.le;
    lowerCount = b.count;
  }
  return lowerLe;
}
