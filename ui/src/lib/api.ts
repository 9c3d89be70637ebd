// The coordinator's HTTP API, as docs/api.md describes it: every call the page makes
// goes through here, to the same origin that served the page and nowhere else.

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  txn_id?: string;
}

export interface ApiResponse<T = any> {
  status: number; // 0: no answer (the network failed or the call timed out)
  ok: boolean;
  body: T | null; // parsed JSON, or null
  text: string;
  headers: Headers | null;
  error?: string; // why there was no answer
  ms: number; // time to the answer
}

export interface CallOptions {
  json?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export async function call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { Accept: 'application/json', ...(options.headers ?? {}) };
  let body: string | undefined;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['Content-Type'] = 'application/json';
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 15000);
  const started = performance.now();
  try {
    const r = await fetch(path, { method, headers, body, signal: controller.signal, cache: 'no-store' });
    const text = await r.text();
    let parsed: any = null;
    if (text && (r.headers.get('Content-Type') ?? '').includes('json')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
    }
    return { status: r.status, ok: r.ok, body: parsed, text, headers: r.headers, ms: performance.now() - started };
  } catch (e) {
    const error = controller.signal.aborted ? 'timed out' : String((e as Error).message ?? e);
    return { status: 0, ok: false, body: null, text: '', headers: null, error, ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

export const get = <T = any>(path: string) => call<T>('GET', path);
export const post = <T = any>(path: string, json?: unknown, headers?: Record<string, string>) =>
  call<T>('POST', path, { json, headers });

// A 404 that says the coordinator has no such route at all (an older or differently
// configured build), as opposed to a 404 for a missing account, order or transaction.
export function isNoRoute(r: ApiResponse): boolean {
  return r.status === 404 && (r.body as Problem | null)?.type === '/problems/no-route';
}

export function problemOf(r: ApiResponse): Problem | null {
  const b = r.body as Problem | null;
  return b && typeof b === 'object' && typeof b.type === 'string' ? b : null;
}

// "409 order-not-payable: order 7 is CANCELLED", or the network error.
export function describe(r: ApiResponse): string {
  if (r.status === 0) return `no answer (${r.error})`;
  const p = problemOf(r);
  if (p) return `${r.status} ${p.type.replace('/problems/', '')}${p.detail ? ': ' + p.detail : ''}`;
  return `${r.status}`;
}
