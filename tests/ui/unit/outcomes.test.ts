// The judgements the cards make on what the API answered (ui/src/cards/outcomes.ts).
import test from 'node:test';
import assert from 'node:assert/strict';
import { classifyRace, orderProblem, reconcile } from '../../../ui/src/cards/outcomes';

const paid = { status: 200, body: { status: 'PAID', order_id: 1 } };
const refused = { status: 409, body: { type: '/problems/order-not-payable' } };
const cancelled = (refunded: boolean) => ({ status: 200, body: { status: 'CANCELLED', refunded } });

test('a race ends pay first, cancel first, or unexpectedly', () => {
  assert.equal(classifyRace(paid, cancelled(true)), 'pay_first');
  assert.equal(classifyRace(refused, cancelled(false)), 'cancel_first');
  // A pay that succeeded while the cancel claims no refund is the anomaly to catch.
  assert.equal(classifyRace(paid, cancelled(false)), 'unexpected');
  assert.equal(classifyRace(refused, cancelled(true)), 'unexpected');
  assert.equal(classifyRace({ status: 503, body: null }, cancelled(false)), 'unexpected');
});

const order = (id: number, status: string, payment: string | null, amount = 100, account = 'a') =>
  ({ order_id: id, account_id: account, amount_cents: amount, status, payment: payment ? { payment_id: id, status: payment } : null });

test('an order and its payment must agree', () => {
  assert.equal(orderProblem(order(1, 'PAID', 'CAPTURED')), null);
  assert.equal(orderProblem(order(1, 'CANCELLED', 'REFUNDED')), null);
  assert.equal(orderProblem(order(1, 'CANCELLED', null)), null);
  assert.equal(orderProblem(order(1, 'PENDING', null)), null);
  assert.match(orderProblem(order(1, 'PAID', null))!, /PAID with payment none/);
  assert.match(orderProblem(order(1, 'CANCELLED', 'CAPTURED'))!, /CANCELLED with a CAPTURED/);
  assert.match(orderProblem(order(1, 'PENDING', 'REFUNDED'))!, /PENDING/);
});

test('reconciliation finds money that does not add up', () => {
  const orders = [order(1, 'PAID', 'CAPTURED', 300), order(2, 'CANCELLED', 'REFUNDED', 200), order(3, 'PENDING', null, 50)];
  assert.deepEqual(reconcile(orders, [{ account_id: 'a', funded_cents: 1000, balance_cents: 700 }]), []);
  const off = reconcile(orders, [{ account_id: 'a', funded_cents: 1000, balance_cents: 500 }]);
  assert.equal(off.length, 1);
  assert.match(off[0].what, /expected 1000 − 300 = 700/);
  assert.equal(reconcile([], [{ account_id: 'a', funded_cents: 1, balance_cents: null }]).length, 1);
});
