// One transaction with every branch: GET /v1/transactions/{txn_id}, re-read every two
// seconds until it is final; and the operator's forced commit or rollback.
import { describeForce, force } from '../lib/admin';
import { describe, get } from '../lib/api';
import { fill, h } from '../lib/dom';
import { between, clock, duration } from '../lib/format';
import { t } from '../lib/i18n';
import { FINAL_STATES, Transaction } from '../lib/types';
import { badge, dl, errorNote } from '../lib/widgets';
import { searchFor } from './transactions';
import { every, View } from './view';

export function transactionDetailView(root: HTMLElement, txnId: string): View {
  let txn: Transaction | null = null;
  let failure = '';
  let forceResult = '';
  let confirming: boolean | null = null; // commit (true) or rollback (false) awaiting confirmation

  const title = h('h2', { id: 'view-title', tabindex: '-1' });
  const body = h('div');
  const actions = h('section', { class: 'panel', 'aria-labelledby': 'force-title' });
  const result = h('p', { id: 'force-result', class: 'result', 'aria-live': 'polite' });
  fill(root, h('p', null, h('a', { href: '#/transactions', id: 'back-link' }, '')), title, body, actions);

  async function load(): Promise<void> {
    const r = await get<Transaction>(`/v1/transactions/${encodeURIComponent(txnId)}`);
    if (r.ok && r.body) {
      txn = r.body;
      failure = '';
    } else {
      failure = r.status === 404 ? t('detail.unknown', { id: txnId }) : describe(r);
    }
    draw();
    if (txn && FINAL_STATES.has(txn.state)) stop(); // nothing more will change
  }

  async function run(commit: boolean): Promise<void> {
    confirming = null;
    forceResult = t('detail.force.sending');
    drawActions();
    const outcome = await force(txnId, commit);
    forceResult = describeForce(outcome);
    drawActions();
    void load();
  }

  function drawActions(): void {
    const button = (commit: boolean) => h('button', {
      type: 'button', id: commit ? 'force-commit' : 'force-rollback', class: commit ? '' : 'danger',
      onclick: () => { confirming = commit; drawActions(); },
    }, t(commit ? 'detail.force.commit' : 'detail.force.rollback'));
    const confirmRow = confirming === null ? null : h('div', { class: 'confirm', role: 'group' },
      h('span', null, t(confirming ? 'detail.force.confirm_commit' : 'detail.force.confirm_rollback', { id: txnId })), ' ',
      h('button', { type: 'button', class: 'primary', id: 'force-confirm', onclick: () => void run(confirming!) }, t('detail.force.yes')), ' ',
      h('button', { type: 'button', id: 'force-cancel', onclick: () => { confirming = null; drawActions(); } }, t('detail.force.no')));
    result.textContent = forceResult;
    fill(actions, h('h3', { id: 'force-title' }, t('detail.force.title')), h('p', { class: 'hint' }, t('detail.force.hint')),
      h('div', { class: 'actions' }, button(true), button(false)), confirmRow, result);
    if (confirming !== null) (actions.querySelector('#force-confirm') as HTMLElement | null)?.focus();
  }

  function draw(): void {
    (root.querySelector('#back-link') as HTMLElement).textContent = t('detail.back');
    title.textContent = t('detail.title', { id: txnId });
    if (!txn) {
      fill(body, failure ? errorNote(failure) : h('p', null, t('loading')));
      return;
    }
    const x = txn;
    const withAttempts = x.branches.some((b) => b.attempts !== undefined);
    const facts = dl([
      [t('detail.state'), badge(x.state)],
      [t('txns.col.kind'), x.kind],
      [t('txns.col.arch'), x.architecture ?? 'xa'],
      [t('txns.col.order'), x.order_id != null ? h('a', { href: '#/transactions', onclick: () => searchFor(String(x.order_id)) }, String(x.order_id)) : '—'],
      [t('txns.col.started'), clock(x.started_at)],
      [t('txns.col.decided'), clock(x.decided_at)],
      [t('txns.col.duration'), duration(between(x.started_at, x.decided_at))],
      [t('detail.error'), x.error ?? '—'],
    ]);
    const branches = h('table', { class: 'grid', id: 'branch-table' },
      h('caption', null, t('detail.branches')),
      h('thead', null, h('tr', null, ...(['detail.col.participant', 'detail.col.xid', 'detail.col.state', 'detail.col.attempts', 'detail.col.last_error'] as const)
        .map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', null, ...x.branches.map((b) => h('tr', { 'data-participant': b.participant },
        h('td', null, b.participant),
        h('td', { class: 'mono wrap' }, b.xid),
        h('td', null, badge(b.state)),
        h('td', { class: 'num' }, b.attempts ?? '—'),
        h('td', null, b.last_error ?? '—')))));
    fill(body, facts, h('div', { class: 'table-wrap' }, branches),
      withAttempts ? null : h('p', { class: 'note note-absent' }, t('detail.no_attempts')),
      failure ? errorNote(failure) : null);
  }

  draw();
  drawActions();
  const stop = every(2000, load);
  return { render: () => { draw(); drawActions(); }, stop };
}
