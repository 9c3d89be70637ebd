// Scrapes GET /metrics every two seconds for as long as the page is open (so the charts
// have history when the operator opens them) and keeps the last ten minutes of rates.
import { get } from './api';
import { parsePrometheus } from './prometheus';
import { Point, RateHistory } from './rates';

export const history = new RateHistory(300);
let lastError = '';
const listeners = new Set<(p: Point | null) => void>();

export function feedError(): string {
  return lastError;
}

export function subscribe(f: (p: Point | null) => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

export async function scrape(): Promise<void> {
  const r = await get('/metrics');
  let point: Point | null = null;
  if (r.ok) {
    try {
      point = history.add({ at: Date.now(), samples: parsePrometheus(r.text) });
      lastError = '';
    } catch (e) {
      lastError = String((e as Error).message);
    }
  } else {
    lastError = r.status === 0 ? `no answer (${r.error})` : `HTTP ${r.status}`;
  }
  for (const f of listeners) f(point);
}
