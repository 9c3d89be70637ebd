// The cards' actions that today's public API can show for real (docs/api.md): each opens
// its own demo account and orders and reports what the coordinator answered.
import { get, post } from '../lib/api';
import { cents } from '../lib/format';
import { raw, tx } from '../lib/i18n';
import { parsePrometheus, sumOf } from '../lib/prometheus';
import { getOptional } from '../lib/routes';
import { Order, Transaction } from '../lib/types';
import { accounts, createOrder, excerpt, expect, openAccount, orderIds, readBalance, readOrder } from './demo_shop';
import { classifyRace, DemoAccount, orderProblem, RaceOutcome, reconcile } from './outcomes';
import { Run, StepFailed } from './run';

function branchesText(t: Transaction): string {
  return t.branches.map((b) => `${b.participant.padEnd(9)} ${b.state.padEnd(11)} ${b.xid}`).join('\n');
}

async function showTransaction(run: Run, txnId: string): Promise<Transaction> {
  const r = await get<Transaction>(`/v1/transactions/${encodeURIComponent(txnId)}`);
  expect(r, 200, run, `GET /v1/transactions/${txnId}`);
  const t = r.body!;
  run.step(tx('run.txn', { id: t.txn_id, state: t.state, n: t.branches.length }), 'ok', branchesText(t));
  return t;
}

// Card 1: a pay is one XA transaction with a branch on each database.
async function xaPay(run: Run): Promise<void> {
  const account = await openAccount(run, 10000);
  const order = await createOrder(run, account, 1299);
  run.step(tx('run.opened', { account, balance: cents(10000), order: order.order_id, amount: cents(1299) }), 'ok');
  const pay = await post(`/v1/orders/${order.order_id}/pay`);
  expect(pay, 200, run, 'pay');
  run.step(tx('run.paid', { order: order.order_id, txn: pay.body.txn_id }), 'ok', excerpt(pay));
  const t = await showTransaction(run, pay.body.txn_id);
  const all = t.branches.length === 2 && t.branches.every((b) => b.state === 'COMMITTED');
  run.step(tx(all ? 'run.xa.both_committed' : 'run.xa.not_both'), all ? 'ok' : 'fail');
  if (!all) throw new StepFailed('branches');
}

// Card 2: with XA a refused pay leaves nothing behind to compensate.
async function noCompensation(run: Run): Promise<void> {
  const account = await openAccount(run, 500);
  const order = await createOrder(run, account, 1299);
  run.step(tx('run.opened', { account, balance: cents(500), order: order.order_id, amount: cents(1299) }), 'ok');
  const pay = await post(`/v1/orders/${order.order_id}/pay`);
  expect(pay, 422, run, 'pay');
  run.step(tx('run.nocomp.refused'), 'ok', excerpt(pay));
  if (pay.body?.txn_id) await showTransaction(run, pay.body.txn_id);
  const after = await readOrder(run, order.order_id);
  const balance = await readBalance(run, account);
  const clean = after.status === 'PENDING' && after.payment === null && balance === 500;
  run.step(tx(clean ? 'run.nocomp.clean' : 'run.nocomp.dirty', { status: after.status, balance: cents(balance) }), clean ? 'ok' : 'fail');
  if (!clean) throw new StepFailed('left over');
}

// Card 3: the same Idempotency-Key twice is one charge and the first answer replayed.
async function sameKeyTwice(run: Run): Promise<void> {
  const account = await openAccount(run, 10000);
  const order = await createOrder(run, account, 1299);
  const key = `demo-key-${order.order_id}-${Date.now()}`;
  run.step(tx('run.opened', { account, balance: cents(10000), order: order.order_id, amount: cents(1299) }), 'ok');
  const first = await post(`/v1/orders/${order.order_id}/pay`, undefined, { 'Idempotency-Key': key });
  expect(first, 200, run, 'first pay');
  run.step(tx('run.idem.first', { key }), 'ok', excerpt(first, ['Idempotent-Replayed']));
  const second = await post(`/v1/orders/${order.order_id}/pay`, undefined, { 'Idempotency-Key': key });
  expect(second, 200, run, 'second pay');
  const replayed = second.headers?.get('Idempotent-Replayed') === 'true';
  const same = second.text === first.text;
  run.step(tx(replayed && same ? 'run.idem.replayed' : 'run.idem.not_replayed'), replayed && same ? 'ok' : 'fail',
    excerpt(second, ['Idempotent-Replayed']));
  const balance = await readBalance(run, account);
  run.step(tx('run.idem.balance', { balance: cents(balance), expected: cents(10000 - 1299) }), balance === 10000 - 1299 ? 'ok' : 'fail');
  const other = await createOrder(run, account, 500);
  const reused = await post(`/v1/orders/${other.order_id}/pay`, undefined, { 'Idempotency-Key': key });
  expect(reused, 422, run, 'the key on another order');
  run.step(tx('run.idem.reused', { order: other.order_id }), 'ok', excerpt(reused));
  if (!replayed || !same || balance !== 10000 - 1299) throw new StepFailed('idempotency');
}

// Card 4: race a pay against a cancel on fresh orders and split the outcomes.
async function race(run: Run, pairs = 20): Promise<void> {
  const amount = 700;
  const account = await openAccount(run, pairs * amount);
  const orders: Order[] = [];
  for (let i = 0; i < pairs; i++) orders.push(await createOrder(run, account, amount));
  const step = run.step(tx('run.race.start', { n: pairs, account }));
  const split: Record<RaceOutcome, number> = { pay_first: 0, cancel_first: 0, unexpected: 0 };
  await Promise.all(orders.map(async (o, i) => {
    // Half the pairs send the cancel first, half the pay: the database decides either way.
    const pay = () => post(`/v1/orders/${o.order_id}/pay`);
    const cancel = () => post(`/v1/orders/${o.order_id}/cancel`);
    const [p, c] = i % 2 === 0 ? await Promise.all([pay(), cancel()]) : (await Promise.all([cancel(), pay()])).reverse();
    split[classifyRace(p, c)]++;
  }));
  run.settle(step, 'ok');
  run.bars(tx('run.race.split'), [
    { label: tx('run.race.pay_first'), value: split.pay_first, tone: 'ok' },
    { label: tx('run.race.cancel_first'), value: split.cancel_first, tone: 'info' },
    { label: tx('run.race.unexpected'), value: split.unexpected, tone: 'bad' },
  ]);
  const finals = await Promise.all(orders.map((o) => readOrder(run, o.order_id)));
  const problems = finals.map(orderProblem).filter((p): p is string => p !== null);
  const notCancelled = finals.filter((o) => o.status !== 'CANCELLED').length;
  const balance = await readBalance(run, account);
  const ok = problems.length === 0 && notCancelled === 0 && balance === pairs * amount && split.unexpected === 0;
  run.step(tx(ok ? 'run.race.consistent' : 'run.race.inconsistent', { balance: cents(balance), funded: cents(pairs * amount) }),
    ok ? 'ok' : 'fail', problems.join('\n') || undefined);
  if (!ok) throw new StepFailed('race');
}

// Card 4: the state machine refuses to pay a cancelled order.
async function payCancelled(run: Run): Promise<void> {
  const account = await openAccount(run, 10000);
  const order = await createOrder(run, account, 1299);
  const cancel = await post(`/v1/orders/${order.order_id}/cancel`);
  expect(cancel, 200, run, 'cancel');
  run.step(tx('run.pc.cancelled', { order: order.order_id, refunded: String(cancel.body.refunded) }), 'ok', excerpt(cancel));
  const pay = await post(`/v1/orders/${order.order_id}/pay`);
  expect(pay, 409, run, 'pay of a cancelled order');
  run.step(tx('run.pc.refused'), 'ok', excerpt(pay));
}

// Card 5: cancelling a paid order is one XA transaction that refunds it.
async function refund(run: Run): Promise<void> {
  const account = await openAccount(run, 10000);
  const order = await createOrder(run, account, 2500);
  const pay = await post(`/v1/orders/${order.order_id}/pay`);
  expect(pay, 200, run, 'pay');
  const paid = await readOrder(run, order.order_id);
  const afterPay = await readBalance(run, account);
  run.step(tx('run.refund.paid', { order: order.order_id, payment: paid.payment?.status ?? '—', balance: cents(afterPay) }), 'ok');
  const cancel = await post(`/v1/orders/${order.order_id}/cancel`);
  expect(cancel, 200, run, 'cancel');
  run.step(tx('run.refund.cancel', { refunded: String(cancel.body.refunded), txn: cancel.body.txn_id }), cancel.body.refunded ? 'ok' : 'fail', excerpt(cancel));
  await showTransaction(run, cancel.body.txn_id);
  const after = await readOrder(run, order.order_id);
  const balance = await readBalance(run, account);
  const ok = after.status === 'CANCELLED' && after.payment?.status === 'REFUNDED' && balance === 10000;
  run.step(tx('run.refund.after', { status: after.status, payment: after.payment?.status ?? '—', balance: cents(balance) }), ok ? 'ok' : 'fail');
  if (!ok) throw new StepFailed('refund');
}

// Card 6: reconcile this page's demo orders against their accounts.
async function reconcileDemo(run: Run): Promise<void> {
  if (orderIds.length === 0) {
    // Nothing yet: a paid, a refunded and a pending order to check.
    const account = await openAccount(run, 5000);
    const a = await createOrder(run, account, 1000);
    const b = await createOrder(run, account, 700);
    await createOrder(run, account, 300);
    expect(await post(`/v1/orders/${a.order_id}/pay`), 200, run, 'pay');
    expect(await post(`/v1/orders/${b.order_id}/pay`), 200, run, 'pay');
    expect(await post(`/v1/orders/${b.order_id}/cancel`), 200, run, 'cancel');
    run.step(tx('run.rec.made'), 'ok');
  }
  const step = run.step(tx('run.rec.reading', { orders: orderIds.length, accounts: accounts.length }));
  const orders = await Promise.all(orderIds.map((id) => readOrder(run, id)));
  const current: DemoAccount[] = await Promise.all(accounts.map(async (a) => {
    const r = await get(`/v1/accounts/${encodeURIComponent(a.account_id)}`);
    return { ...a, balance_cents: r.ok ? r.body.balance_cents : null };
  }));
  run.settle(step, 'ok');
  const found = reconcile(orders, current);
  const byStatus = (s: string) => orders.filter((o) => o.status === s).length;
  run.bars(tx('run.rec.orders'), [
    { label: raw('PAID'), value: byStatus('PAID'), tone: 'ok' },
    { label: raw('CANCELLED'), value: byStatus('CANCELLED'), tone: 'info' },
    { label: raw('PENDING'), value: byStatus('PENDING'), tone: 'warn' },
  ]);
  run.step(tx(found.length ? 'run.rec.found' : 'run.rec.clean', { n: found.length }), found.length ? 'fail' : 'ok',
    found.map((d) => d.what).join('\n') || undefined);
  if (found.length) throw new StepFailed('reconcile');
}

// Card 6: the signals an alert would watch, read from /metrics now.
async function alarmSignals(run: Run): Promise<void> {
  const r = await get('/metrics');
  expect(r, 200, run, 'GET /metrics');
  const s = parsePrometheus(r.text);
  const value = (name: string, labels = {}) => sumOf(s, name, labels) ?? 0;
  const signals: [string, number, boolean][] = [
    ['xacoord_stuck_branches', value('xacoord_stuck_branches'), value('xacoord_stuck_branches') > 0],
    ['xacoord_in_doubt_branches', value('xacoord_in_doubt_branches'), false],
    ['xacoord_database_up{participant="orders"}', value('xacoord_database_up', { participant: 'orders' }), value('xacoord_database_up', { participant: 'orders' }) < 1],
    ['xacoord_database_up{participant="payments"}', value('xacoord_database_up', { participant: 'payments' }), value('xacoord_database_up', { participant: 'payments' }) < 1],
    ['xacoord_transactions_total{outcome="aborted"}', value('xacoord_transactions_total', { outcome: 'aborted' }), false],
    ['xacoord_http_requests_total{status="503"}', value('xacoord_http_requests_total', { status: '503' }), false],
    ['xacoord_ready', value('xacoord_ready'), value('xacoord_ready') < 1],
  ];
  const firing = signals.filter(([, , f]) => f);
  run.step(tx('run.alarm.read'), 'ok', signals.map(([n, v, f]) => `${f ? '!!' : 'ok'} ${n} = ${v}`).join('\n'));
  run.step(tx(firing.length ? 'run.alarm.firing' : 'run.alarm.quiet', { n: firing.length }), firing.length ? 'info' : 'ok');
}

// Card 6: the alerts and the last scheduled reconciliation, where the coordinator has
// the monitoring routes (ui/API-NEEDS.md); a note where it does not.
async function alerts(run: Run): Promise<void> {
  const [a, last] = await Promise.all([getOptional('/v1/alerts'), getOptional('/v1/reconciliation/last')]);
  for (const [name, r] of [['GET /v1/alerts', a], ['GET /v1/reconciliation/last', last]] as const) {
    if (r.absent || !r.response) run.step(tx('demo.route_absent', { route: name }), 'info');
    else run.step(tx('demo.read', { route: name }), r.response.ok ? 'ok' : 'fail', JSON.stringify(r.response.body, null, 1));
  }
}

export const LIVE: Record<string, (run: Run) => Promise<void>> = {
  'xa-pay': xaPay,
  'no-compensation': noCompensation,
  'same-key-twice': sameKeyTwice,
  race: (run) => race(run),
  'pay-cancelled': payCancelled,
  refund,
  'reconcile-demo': reconcileDemo,
  'alarm-signals': alarmSignals,
  alerts,
};
