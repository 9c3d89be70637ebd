// The transaction list: GET /v1/transactions (newest first, by state), filtered here by
// kind and searched by transaction id or order id.
import { describe, get } from '../lib/api';
import { h, fill } from '../lib/dom';
import { between, clock, duration } from '../lib/format';
import { t } from '../lib/i18n';
import { Order, Transaction, TransactionList, TXN_STATES } from '../lib/types';
import { badge, errorNote } from '../lib/widgets';
import { every, View } from './view';

// Kept across visits and language switches.
const filters = { state: '', kind: '', search: '' };
const TXN_ID = /^[A-Za-z0-9_]{1,32}-\d+-\d+$/;
const ORDER_ID = /^[1-9]\d{0,17}$/;

// Opens the list on a search (the detail view's order link).
export function searchFor(text: string): void {
  filters.search = text;
}

export function matchesSearch(txn: Transaction, search: string): boolean {
  const s = search.trim();
  if (s === '') return true;
  if (ORDER_ID.test(s) && txn.order_id === Number(s)) return true;
  return txn.txn_id.includes(s);
}

export function transactionsView(root: HTMLElement): View {
  let list: Transaction[] = [];
  let extra: Transaction | null = null; // a searched id that the list does not hold
  let order: Order | null = null; // a searched order id
  let failure = '';
  let loaded = false;
  let drawn = ''; // what the table shows now: redrawn only when it changes, so a poll never
  // replaces a row under the pointer between mousedown and click

  const stateSelect = h('select', { id: 'f-state', onchange: () => { filters.state = stateSelect.value; void load(); } });
  const kindSelect = h('select', { id: 'f-kind', onchange: () => { filters.kind = kindSelect.value; draw(); } });
  const search = h('input', {
    id: 'f-search', type: 'search', value: filters.search, autocomplete: 'off', spellcheck: 'false',
    oninput: () => {
      filters.search = search.value;
      extra = null;
      order = null;
      draw();
    },
    onchange: () => void lookUp(),
  });
  const count = h('p', { class: 'count', 'aria-live': 'polite' });
  const tableHost = h('div', { class: 'table-wrap' });
  const labels = {
    state: h('label', { for: 'f-state' }),
    kind: h('label', { for: 'f-kind' }),
    search: h('label', { for: 'f-search' }),
  };
  const title = h('h2', { id: 'view-title', tabindex: '-1' });
  const orderHost = h('div');

  fill(root, title,
    h('form', { class: 'filters', role: 'search', onsubmit: (e: Event) => { e.preventDefault(); void lookUp(); } },
      h('div', { class: 'field' }, labels.state, stateSelect),
      h('div', { class: 'field' }, labels.kind, kindSelect),
      h('div', { class: 'field grow' }, labels.search, search)),
    count, orderHost, tableHost);

  async function load(): Promise<void> {
    // The newest 300: enough to page through by eye, light on a busy coordinator; a search
    // for one id or order looks it up directly.
    const q = new URLSearchParams({ limit: '300' });
    if (filters.state) q.set('state', filters.state);
    const r = await get<TransactionList>(`/v1/transactions?${q}`);
    loaded = true;
    if (r.ok && r.body) {
      list = r.body.transactions;
      failure = '';
    } else {
      failure = describe(r);
    }
    draw();
  }

  // A search for one id or order looks it up directly too: the list holds only the newest.
  async function lookUp(): Promise<void> {
    const s = filters.search.trim();
    extra = null;
    order = null;
    if (TXN_ID.test(s) && !list.some((x) => x.txn_id === s)) {
      const r = await get<Transaction>(`/v1/transactions/${encodeURIComponent(s)}`);
      if (r.ok && r.body) extra = r.body;
    } else if (ORDER_ID.test(s)) {
      const r = await get<Order>(`/v1/orders/${s}`);
      if (r.ok && r.body) order = r.body;
    }
    draw();
  }

  function options(select: HTMLSelectElement, values: [string, string][], selected: string): void {
    fill(select, ...values.map(([v, label]) => h('option', { value: v, selected: v === selected }, label)));
  }

  function row(x: Transaction): HTMLElement {
    const took = between(x.started_at, x.decided_at);
    return h('tr', null,
      h('td', null, h('a', { href: `#/txn/${encodeURIComponent(x.txn_id)}`, class: 'mono' }, x.txn_id)),
      h('td', null, x.kind),
      h('td', null, x.architecture ?? 'xa'),
      h('td', null, badge(x.state)),
      h('td', { class: 'num' }, x.order_id ?? '—'),
      h('td', { class: 'branches' }, ...x.branches.map((b) => h('span', { class: 'branch', title: b.xid }, b.participant, ' ', badge(b.state)))),
      h('td', { class: 'mono' }, clock(x.started_at)),
      h('td', { class: 'mono' }, clock(x.decided_at)),
      h('td', { class: 'num' }, duration(took)));
  }

  // Labels and options: only on a language switch, so polling never closes an open select.
  function relabel(): void {
    title.textContent = t('txns.title');
    labels.state.textContent = t('txns.filter.state');
    labels.kind.textContent = t('txns.filter.kind');
    labels.search.textContent = t('txns.filter.search');
    search.placeholder = t('txns.filter.search.placeholder');
    options(stateSelect, [['', t('txns.any')], ['in_doubt', t('txns.in_doubt')], ...TXN_STATES.map((s): [string, string] => [s, s])], filters.state);
    options(kindSelect, [['', t('txns.any')], ['pay', 'pay'], ['cancel', 'cancel'], ['recovered', 'recovered']], filters.kind);
  }

  function draw(): void {
    const shown = list.filter((x) => (!filters.kind || x.kind === filters.kind) && matchesSearch(x, filters.search));
    if (extra && !shown.some((x) => x.txn_id === extra!.txn_id)) shown.unshift(extra);
    count.textContent = loaded ? t('txns.count', { shown: shown.length, total: list.length }) : t('loading');

    fill(orderHost, order ? h('p', { class: 'note' }, t('txns.order', {
      id: order.order_id, status: order.status, account: order.account_id,
      payment: order.payment ? `${order.payment.payment_id} ${order.payment.status}` : '—',
    })) : null, failure ? errorNote(t('txns.failed', { why: failure })) : null);

    const signature = JSON.stringify([shown.slice(0, 300), loaded, list.length > 0, document.documentElement.lang]);
    if (signature === drawn) return;
    drawn = signature;
    if (loaded && shown.length === 0) {
      fill(tableHost, h('p', { class: 'empty' }, t(list.length ? 'txns.none_match' : 'txns.none')));
      return;
    }
    const head = ['txns.col.id', 'txns.col.kind', 'txns.col.arch', 'txns.col.state', 'txns.col.order', 'txns.col.branches',
      'txns.col.started', 'txns.col.decided', 'txns.col.duration'] as const;
    fill(tableHost, h('table', { class: 'grid', id: 'txn-table' },
      h('caption', { class: 'sr-only' }, t('txns.title')),
      h('thead', null, h('tr', null, ...head.map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', null, ...shown.slice(0, 300).map(row))));
  }

  const render = () => { relabel(); drawn = ''; draw(); };
  render();
  const stop = every(2000, load);
  if (filters.search) void lookUp();
  return { render, stop };
}
