// In doubt: the transactions whose outcome is decided and whose phase two recovery is
// still finishing (GET /v1/transactions?state=in_doubt), and the prepared branches as
// XA RECOVER lists them on each server with their age (GET /v1/xa/recover, ui/API-NEEDS.md).
import { describe, get } from '../lib/api';
import { fill, h } from '../lib/dom';
import { between, clock, duration } from '../lib/format';
import { t } from '../lib/i18n';
import { getOptional } from '../lib/routes';
import { Health, Transaction, TransactionList } from '../lib/types';
import { badge, errorNote, unavailable } from '../lib/widgets';
import { every, View } from './view';

export interface RecoveredBranch {
  xid: string;
  txn_id?: string | null;
  node_id?: string | null;
  ours?: boolean;
  age_seconds?: number | null;
  decision?: string | null;
  attempts?: number;
  last_error?: string | null;
}

export interface RecoverServer {
  participant: string;
  reachable: boolean;
  error?: string | null;
  branches: RecoveredBranch[];
}

export function inDoubtView(root: HTMLElement): View {
  let list: Transaction[] | null = null;
  let listFailure = '';
  let servers: RecoverServer[] | null = null;
  let recoverAbsent = false;
  let recoverFailure = '';
  let pending: number | null = null; // /healthz in_doubt_branches: what recovery still has to finish

  const title = h('h2', { id: 'view-title', tabindex: '-1' });
  const decided = h('section', { class: 'panel', 'aria-labelledby': 'in-doubt-decided' });
  const recover = h('section', { class: 'panel', 'aria-labelledby': 'in-doubt-recover' });
  fill(root, title, decided, recover);

  async function load(): Promise<void> {
    const [l, x, hz] = await Promise.all([
      get<TransactionList>('/v1/transactions?state=in_doubt&limit=1000'),
      getOptional<{ servers: RecoverServer[] }>('/v1/xa/recover'),
      get<Health>('/healthz'),
    ]);
    pending = typeof hz.body?.in_doubt_branches === 'number' ? hz.body.in_doubt_branches : null;
    if (l.ok && l.body) {
      list = l.body.transactions;
      listFailure = '';
    } else {
      listFailure = describe(l);
    }
    recoverAbsent = x.absent;
    if (!x.absent && x.response) {
      if (x.response.ok && x.response.body) {
        servers = x.response.body.servers;
        recoverFailure = '';
      } else {
        recoverFailure = describe(x.response);
      }
    }
    draw();
  }

  function drawDecided(): void {
    const now = new Date().toISOString();
    const rows = (list ?? []).map((x) => h('tr', null,
      h('td', null, h('a', { class: 'mono', href: `#/txn/${encodeURIComponent(x.txn_id)}` }, x.txn_id)),
      h('td', null, badge(x.state)),
      h('td', null, x.kind),
      h('td', { class: 'branches' }, ...x.branches.map((b) => h('span', { class: 'branch' }, b.participant, ' ', badge(b.state)))),
      h('td', { class: 'mono' }, clock(x.decided_at)),
      h('td', { class: 'num age', 'data-since': x.decided_at ?? x.started_at }, duration(between(x.decided_at ?? x.started_at, now)))));
    fill(decided, h('h3', { id: 'in-doubt-decided' }, t('indoubt.decided.title')),
      h('p', { class: 'hint' }, t('indoubt.decided.hint')),
      h('p', { class: 'count', id: 'in-doubt-pending' }, t('indoubt.pending', { n: pending === null ? '—' : pending })),
      listFailure ? errorNote(listFailure) : null,
      list === null ? h('p', null, t('loading'))
        : rows.length === 0 ? h('p', { class: 'empty', id: 'in-doubt-empty' }, t('indoubt.none'))
          : h('div', { class: 'table-wrap' }, h('table', { class: 'grid', id: 'in-doubt-table' },
            h('thead', null, h('tr', null, ...(['txns.col.id', 'txns.col.state', 'txns.col.kind', 'txns.col.branches', 'txns.col.decided', 'indoubt.col.age'] as const)
              .map((k) => h('th', { scope: 'col' }, t(k))))),
            h('tbody', null, ...rows))));
  }

  function drawRecover(): void {
    const head = h('h3', { id: 'in-doubt-recover' }, t('indoubt.recover.title'));
    if (recoverAbsent) {
      fill(recover, head, unavailable('indoubt.recover.what'));
      return;
    }
    const parts = (servers ?? []).map((s) => h('div', { class: 'server' },
      h('h4', null, s.participant, ' ', badge(s.reachable ? 'up' : 'down')),
      s.error ? errorNote(s.error) : null,
      s.branches.length === 0 ? h('p', { class: 'empty' }, t('indoubt.recover.empty'))
        : h('div', { class: 'table-wrap' }, h('table', { class: 'grid' },
          h('thead', null, h('tr', null, ...(['detail.col.xid', 'txns.col.id', 'indoubt.col.node', 'indoubt.col.age', 'indoubt.col.decision', 'detail.col.attempts', 'detail.col.last_error'] as const)
            .map((k) => h('th', { scope: 'col' }, t(k))))),
          h('tbody', null, ...s.branches.map((b) => h('tr', null,
            h('td', { class: 'mono wrap' }, b.xid),
            h('td', null, b.txn_id ? h('a', { class: 'mono', href: `#/txn/${encodeURIComponent(b.txn_id)}` }, b.txn_id) : '—'),
            h('td', null, b.node_id ?? '—', b.ours === false ? ` (${t('indoubt.other_node')})` : ''),
            h('td', { class: 'num' }, b.age_seconds != null ? duration(b.age_seconds * 1000) : '—'),
            h('td', null, b.decision ?? '—'),
            h('td', { class: 'num' }, b.attempts ?? '—'),
            h('td', null, b.last_error ?? '—'))))))));
    fill(recover, head, h('p', { class: 'hint' }, t('indoubt.recover.hint')), recoverFailure ? errorNote(recoverFailure) : null,
      servers === null && !recoverFailure ? h('p', null, t('loading')) : null, ...parts);
  }

  let drawn = ''; // redrawn only on a change, so a poll never swaps a link under the pointer
  function draw(): void {
    title.textContent = t('indoubt.title');
    const signature = JSON.stringify([list, listFailure, servers, recoverAbsent, recoverFailure, pending, document.documentElement.lang]);
    if (signature === drawn) return;
    drawn = signature;
    drawDecided();
    drawRecover();
  }

  // Ages tick in place, every second, without redrawing the tables.
  const ticker = setInterval(() => {
    const now = new Date().toISOString();
    for (const cell of root.querySelectorAll<HTMLElement>('.age[data-since]')) cell.textContent = duration(between(cell.dataset.since, now));
  }, 1000);
  draw();
  const stopPolling = every(2000, load);
  return { render: () => { drawn = ''; draw(); }, stop: () => { stopPolling(); clearInterval(ticker); } };
}
