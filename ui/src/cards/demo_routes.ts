// The demo routes (ui/API-NEEDS.md): GET /v1/demo says whether `serve` runs with its demo
// flag and which actions it offers; the actions that need the coordinator's help (a slowed
// pay, a crash and its recovery, a race on another architecture, a reconcile run, alerts)
// start a run with POST /v1/demo/<action> and are followed with GET /v1/demo/runs/{run_id}.
import { describe } from '../lib/api';
import { tx } from '../lib/i18n';
import { callOptional, getOptional } from '../lib/routes';
import { Run, StepFailed } from './run';

export interface DemoCapabilities {
  enabled: boolean;
  actions: string[]; // e.g. ["slow-pay","crash","race","reconcile"]
  crash_points?: string[];
  architectures?: string[];
}

// absent: this coordinator has no GET /v1/demo (it predates the demo flag): the actions
// on the public API run, the others cannot.
export type DemoState = { kind: 'absent' } | { kind: 'unknown'; why: string } | { kind: 'present'; caps: DemoCapabilities };

let state: DemoState = { kind: 'unknown', why: 'not read yet' };

export function demoState(): DemoState {
  return state;
}

export async function loadDemoState(): Promise<DemoState> {
  const r = await getOptional<DemoCapabilities>('/v1/demo');
  if (r.absent) state = { kind: 'absent' };
  else if (r.response?.ok && r.response.body) state = { kind: 'present', caps: r.response.body };
  else state = { kind: 'unknown', why: r.response ? describe(r.response) : 'no answer' };
  return state;
}

export interface DemoEvent {
  at: string;
  step: string;
  message: string; // English
  message_zh?: string; // Chinese, when the coordinator has it
  ok?: boolean;
  data?: unknown;
}

export interface DemoRun {
  run_id: string;
  action: string;
  status: 'running' | 'succeeded' | 'failed';
  events: DemoEvent[];
  result?: any;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Starts `action` with `body` and follows it to its end, one step per event.
export async function followDemoRun(run: Run, action: string, body: unknown, timeoutMs = 120000): Promise<DemoRun> {
  const start = await callOptional<{ run_id: string }>('POST', `/v1/demo/${action}`, `/v1/demo/${action}`, body);
  if (start.absent || !start.response) {
    run.step(tx('demo.action_missing', { action }), 'fail');
    throw new StepFailed(action);
  }
  if (start.response.status !== 202 || !start.response.body?.run_id) {
    run.step(tx('run.unexpected', { what: `POST /v1/demo/${action}`, got: describe(start.response), want: 202 }), 'fail');
    throw new StepFailed(action);
  }
  const id = start.response.body.run_id;
  run.step(tx('demo.started', { id }), 'ok');
  let seen = 0;
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await getOptional<DemoRun>('/v1/demo/runs/{run_id}', `/v1/demo/runs/${encodeURIComponent(id)}`);
    if (!r.response?.ok || !r.response.body) {
      run.step(tx('run.unexpected', { what: 'GET /v1/demo/runs/{run_id}', got: r.response ? describe(r.response) : 'absent', want: 200 }), 'fail');
      throw new StepFailed(action);
    }
    const d = r.response.body;
    for (; seen < d.events.length; seen++) {
      const e = d.events[seen];
      const text = { zh: `${e.step}: ${e.message_zh ?? e.message}`, en: `${e.step}: ${e.message}` };
      run.step(text, e.ok === false ? 'fail' : 'ok', e.data !== undefined ? JSON.stringify(e.data, null, 1) : undefined);
    }
    if (d.status !== 'running') {
      if (d.result !== undefined) run.step(tx('demo.result'), d.status === 'succeeded' ? 'ok' : 'fail', JSON.stringify(d.result, null, 1));
      if (d.status === 'failed') throw new StepFailed(action);
      return d;
    }
    if (Date.now() > until) {
      run.step(tx('demo.timeout'), 'fail');
      throw new StepFailed(action);
    }
    await sleep(400);
  }
}
