// Pure judgements on what the API answered during a card's run: how a pay/cancel race
// ended, and a reconciliation of the page's own demo orders (the invariants of
// docs/protocol.md, as far as the public API shows them).
import { Order } from '../lib/types';

export interface Answer {
  status: number;
  body: any;
}

export type RaceOutcome = 'pay_first' | 'cancel_first' | 'unexpected';

// Pay first: the pay succeeded and the cancel refunded it. Cancel first: the cancel found
// the order PENDING and the pay was refused with 409. Anything else (a 503, a cancel that
// claims no refund after a successful pay) is unexpected.
export function classifyRace(pay: Answer, cancel: Answer): RaceOutcome {
  const cancelled = cancel.status === 200 && cancel.body?.status === 'CANCELLED';
  if (pay.status === 200 && pay.body?.status === 'PAID' && cancelled && cancel.body.refunded === true) return 'pay_first';
  if (pay.status === 409 && cancelled && cancel.body.refunded === false) return 'cancel_first';
  return 'unexpected';
}

// What an order's own row and payment may be (invariants 1 and 2).
export function orderProblem(o: Order): string | null {
  const p = o.payment?.status ?? null;
  if (o.status === 'PAID' && p !== 'CAPTURED') return `order ${o.order_id} is PAID with payment ${p ?? 'none'}`;
  if (o.status === 'CANCELLED' && p !== null && p !== 'REFUNDED') return `order ${o.order_id} is CANCELLED with a ${p} payment`;
  if (o.status === 'PENDING' && p !== null) return `order ${o.order_id} is PENDING with a ${p} payment`;
  if (!['PENDING', 'PAID', 'CANCELLED'].includes(o.status)) return `order ${o.order_id} has status ${o.status}`;
  return null;
}

export interface DemoAccount {
  account_id: string;
  funded_cents: number;
  balance_cents: number | null; // null: the account could not be read
}

export interface Discrepancy {
  what: string;
}

// Reconciles the demo's orders against its accounts: every order's own invariants, and
// for each account, funded − Σ(amount of its orders with a CAPTURED payment) = balance
// (invariant 3; a payment's amount is its order's by invariant 1).
export function reconcile(orders: Order[], accounts: DemoAccount[]): Discrepancy[] {
  const out: Discrepancy[] = [];
  for (const o of orders) {
    const p = orderProblem(o);
    if (p) out.push({ what: p });
  }
  for (const a of accounts) {
    if (a.balance_cents === null) {
      out.push({ what: `account ${a.account_id} could not be read` });
      continue;
    }
    const captured = orders
      .filter((o) => o.account_id === a.account_id && o.payment?.status === 'CAPTURED')
      .reduce((sum, o) => sum + o.amount_cents, 0);
    const expected = a.funded_cents - captured;
    if (expected !== a.balance_cents) {
      out.push({ what: `account ${a.account_id}: balance ${a.balance_cents}, expected ${a.funded_cents} − ${captured} = ${expected}` });
    }
    if (a.balance_cents < 0) out.push({ what: `account ${a.account_id} has a negative balance` });
  }
  return out;
}
