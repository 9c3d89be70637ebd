// Small pieces several views share: state badges, notes, a definition list.
import { h } from './dom';
import { Key, t } from './i18n';

const TONE: Record<string, string> = {
  COMMITTED: 'ok',
  PAID: 'ok',
  CAPTURED: 'ok',
  ok: 'ok',
  up: 'ok',
  ABORTED: 'bad',
  ROLLED_BACK: 'bad',
  down: 'bad',
  degraded: 'bad',
  PREPARED: 'warn',
  PREPARING: 'warn',
  COMMITTING: 'warn',
  ABORTING: 'warn',
  REFUNDED: 'warn',
  CANCELLED: 'muted',
  starting: 'warn',
  stopping: 'warn',
};

export function badge(state: string): HTMLElement {
  return h('span', { class: `badge tone-${TONE[state] ?? 'info'}` }, state);
}

// "This coordinator has no such route": the page goes on without the view part.
export function unavailable(what: Key): HTMLElement {
  return h('p', { class: 'note note-absent', role: 'note' }, t('absent.prefix'), ' ', t(what), ' ', t('absent.suffix'));
}

export function errorNote(text: string): HTMLElement {
  return h('p', { class: 'note note-error', role: 'alert' }, text);
}

export function dl(rows: [string, Node | string][]): HTMLElement {
  const list = h('dl', { class: 'facts' });
  for (const [k, v] of rows) list.append(h('dt', null, k), h('dd', null, v));
  return list;
}
