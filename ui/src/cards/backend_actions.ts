// The cards' actions that need the coordinator's demo routes (ui/API-NEEDS.md). Each is
// offered only when GET /v1/demo says the demo flag is on and names its route.
import { tx } from '../lib/i18n';
import { followDemoRun } from './demo_routes';
import { Bar, Run } from './run';

export interface BackendAction {
  route: string; // the action's name in GET /v1/demo "actions" (POST /v1/demo/<route>)
  choice?: 'crash_points' | 'architectures'; // a select fed by GET /v1/demo
  architecture?: string; // runs only where GET /v1/demo lists this architecture
  defaultChoice?: string; // the select's first value, when the coordinator offers it
  run: (run: Run, choice: string) => Promise<void>;
}

function raceBars(result: any): Bar[] | null {
  const o = result?.outcomes;
  if (!o) return null;
  return [
    { label: tx('run.race.pay_first'), value: o.pay_first ?? 0, tone: 'ok' },
    { label: tx('run.race.cancel_first'), value: o.cancel_first ?? 0, tone: 'info' },
    { label: tx('run.race.unexpected'), value: o.unexpected ?? 0, tone: 'bad' },
  ];
}

async function raceOn(run: Run, architecture: string, extra: Record<string, unknown> = {}): Promise<void> {
  const d = await followDemoRun(run, 'race', { architecture, pairs: 20, ...extra });
  const bars = raceBars(d.result);
  if (bars) run.bars(tx('run.race.split'), bars);
}

export const BACKEND: Record<string, BackendAction> = {
  'slow-pay': { route: 'slow-pay', run: async (run) => { await followDemoRun(run, 'slow-pay', { step_ms: 1200 }); } },
  crash: {
    route: 'crash', choice: 'crash_points', defaultChoice: 'after_decision_logged',
    run: async (run, point) => { await followDemoRun(run, 'crash', { point: point || 'after_decision_logged' }); },
  },
  'key-after-crash': {
    route: 'crash',
    run: async (run) => { await followDemoRun(run, 'crash', { point: 'after_commit_all', retry_with_same_key: true }); },
  },
  'race-outbox': { route: 'race', architecture: 'outbox', run: (run) => raceOn(run, 'outbox') },
  'race-architecture': { route: 'race', choice: 'architectures', run: (run, arch) => raceOn(run, arch || 'xa') },
  'saga-window': { route: 'race', architecture: 'saga', run: (run) => raceOn(run, 'saga', { sample_ms: 20 }) },
  'reconcile-run': {
    route: 'reconcile',
    run: async (run) => { await followDemoRun(run, 'reconcile', { plant: 'paid_without_payment' }); },
  },
};
