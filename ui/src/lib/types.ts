// The JSON shapes of docs/openapi.yaml that the page reads. Fields marked optional are
// the ones ui/API-NEEDS.md asks for and an older coordinator does not send.

export interface Branch {
  participant: string;
  xid: string;
  state: string; // NOT_STARTED | ACTIVE | IDLE | PREPARED | COMMITTED | ROLLED_BACK
  attempts?: number;
  last_error?: string | null;
  last_attempt_at?: string | null;
  next_attempt_at?: string | null;
}

export interface Transaction {
  txn_id: string;
  state: string; // ACTIVE | PREPARING | COMMITTING | COMMITTED | ABORTING | ABORTED
  kind: string; // pay | cancel | recovered
  architecture?: string;
  order_id?: number | null;
  branches: Branch[];
  started_at: string;
  decided_at?: string | null;
  error?: string | null;
}

export interface TransactionList {
  transactions: Transaction[];
  count: number;
}

export interface Health {
  status: string; // ok | starting | degraded | stopping
  recovery: string;
  databases: Record<string, string>;
  in_doubt_branches: number;
}

export interface Order {
  order_id: number;
  account_id: string;
  amount_cents: number;
  status: string;
  payment: { payment_id: number; status: string } | null;
}

export interface Account {
  account_id: string;
  balance_cents: number;
}

export const TXN_STATES = ['ACTIVE', 'PREPARING', 'COMMITTING', 'COMMITTED', 'ABORTING', 'ABORTED'];
export const FINAL_STATES = new Set(['COMMITTED', 'ABORTED']);
