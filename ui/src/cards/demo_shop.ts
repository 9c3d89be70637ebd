// The demo's own accounts and orders: every card run opens fresh ones named
// demo-<this page's id>-<n>, so runs never touch real traffic, and remembers them for
// the reconciliation card.
import { ApiResponse, describe, get, post } from '../lib/api';
import { tx } from '../lib/i18n';
import { Account, Order } from '../lib/types';
import { DemoAccount } from './outcomes';
import { Run, StepFailed } from './run';

const pageId = Math.random().toString(36).slice(2, 8);
let counter = 0;

export const accounts: DemoAccount[] = [];
export const orderIds: number[] = [];

export function expect(r: ApiResponse, status: number, run: Run, what: string): void {
  if (r.status !== status) {
    run.step(tx('run.unexpected', { what, got: describe(r), want: status }), 'fail');
    throw new StepFailed(what);
  }
}

export async function openAccount(run: Run, balance: number): Promise<string> {
  const id = `demo-${pageId}-${++counter}`;
  const r = await post<Account>('/v1/accounts', { account_id: id, balance_cents: balance });
  expect(r, 201, run, 'POST /v1/accounts');
  accounts.push({ account_id: id, funded_cents: balance, balance_cents: balance });
  return id;
}

export async function createOrder(run: Run, account: string, amount: number): Promise<Order> {
  const r = await post<Order>('/v1/orders', { account_id: account, amount_cents: amount });
  expect(r, 201, run, 'POST /v1/orders');
  orderIds.push(r.body!.order_id);
  return r.body!;
}

export async function readOrder(run: Run, id: number): Promise<Order> {
  const r = await get<Order>(`/v1/orders/${id}`);
  expect(r, 200, run, `GET /v1/orders/${id}`);
  return r.body!;
}

export async function readBalance(run: Run, account: string): Promise<number> {
  const r = await get<Account>(`/v1/accounts/${encodeURIComponent(account)}`);
  expect(r, 200, run, `GET /v1/accounts/${account}`);
  return r.body!.balance_cents;
}

// A short excerpt of an answer for a step's detail.
export function excerpt(r: ApiResponse, headers: string[] = []): string {
  const lines = [`HTTP ${r.status}`];
  for (const name of headers) {
    const v = r.headers?.get(name);
    if (v !== null && v !== undefined) lines.push(`${name}: ${v}`);
  }
  lines.push(r.text.length > 600 ? r.text.slice(0, 600) + '…' : r.text);
  return lines.join('\n');
}
