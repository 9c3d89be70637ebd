// The six learning cards, always on the page, each with its "see it happen" actions and
// the live result of the last run.
import { fill, h } from '../lib/dom';
import { Key, show, t, Text, tx } from '../lib/i18n';
import { BACKEND } from './backend_actions';
import { CARDS, Card } from './content';
import { demoState } from './demo_routes';
import { LIVE } from './live_actions';
import { Run, Step, StepFailed } from './run';

const ICON: Record<Step['tone'], string> = { run: '…', ok: '✓', fail: '✗', info: 'i' };

// Why an action cannot run now; null when it can.
export function blocked(action: string): Text | null {
  const d = demoState();
  if (LIVE[action]) {
    // Public-API actions: off only when the coordinator says its demo flag is off.
    if (d.kind === 'present' && !d.caps.enabled) return tx('demo.disabled');
    return null;
  }
  const b = BACKEND[action];
  if (!b) return tx('demo.unknown_action', { action });
  if (d.kind === 'absent') return tx('demo.needs_flag');
  if (d.kind === 'unknown') return tx('demo.unreadable', { why: d.why });
  if (!d.caps.enabled) return tx('demo.disabled');
  if (!d.caps.actions.includes(b.route)) return tx('demo.action_missing', { action: b.route });
  if (b.architecture && !(d.caps.architectures ?? []).includes(b.architecture)) {
    return tx('demo.architecture_missing', { architecture: b.architecture });
  }
  return null;
}

interface CardState {
  run: Run | null;
  note: Text | null; // why the last click did not start a run
  choice: Record<string, string>;
}

// Set through the CSSOM: the page's Content-Security-Policy allows no inline style attribute.
function barFill(percent: number): HTMLElement {
  const el = h('span', { class: 'bar-fill' });
  el.style.width = `${Math.round(percent)}%`;
  return el;
}

function renderSteps(run: Run): HTMLElement {
  return h('ol', { class: 'steps' }, ...run.steps.map((s) => h('li', { class: `step tone-${s.tone}` },
    h('span', { class: 'icon', 'aria-hidden': 'true' }, ICON[s.tone]),
    h('span', { class: 'step-text' }, show(s.text)),
    s.bars ? h('div', { class: 'bars' }, ...s.bars.map((b) => {
      const total = s.bars!.reduce((n, x) => n + x.value, 0) || 1;
      return h('div', { class: `bar tone-${b.tone}` },
        h('span', { class: 'bar-label' }, show(b.label)),
        h('span', { class: 'bar-track' }, barFill((100 * b.value) / total)),
        h('span', { class: 'bar-value' }, String(b.value)));
    })) : null,
    s.detail ? h('pre', { class: 'detail' }, s.detail) : null)));
}

function cardElement(card: Card, state: CardState, redraw: () => void): HTMLElement {
  const resultId = `result-${card.id}`;
  const running = state.run?.status === 'running';
  const buttons = card.actions.map((action) => {
    const why = blocked(action);
    const backend = BACKEND[action];
    const caps = demoState().kind === 'present' ? (demoState() as any).caps : null;
    const choices: string[] = backend?.choice && caps ? caps[backend.choice] ?? [] : [];
    // The select shows what a click runs: the default choice until the reader picks another.
    if (choices.length && !choices.includes(state.choice[action] ?? '')) {
      state.choice[action] = backend?.defaultChoice && choices.includes(backend.defaultChoice) ? backend.defaultChoice : choices[0];
    }
    const select = choices.length ? h('select', {
      id: `choice-${action}`, 'aria-label': t(`action.${action}.choice` as Key),
      onchange: (e: Event) => { state.choice[action] = (e.target as HTMLSelectElement).value; },
    }, ...choices.map((c) => h('option', { value: c, selected: c === state.choice[action] }, c))) : null;
    const button = h('button', {
      type: 'button', id: `action-${action}`, class: why ? 'action needs' : 'action',
      // Still clickable when it cannot run: the click says why (the label says so too).
      'aria-disabled': running ? 'true' : null, 'aria-describedby': resultId,
      'data-needs': LIVE[action] ? 'api' : 'demo',
      onclick: () => start(action),
    }, t(`action.${action}` as Key), why ? h('span', { class: 'needs-tag' }, ' · ', t('demo.tag')) : null);
    return h('div', { class: 'action-row' }, button, select);
  });

  function start(action: string): void {
    if (state.run?.status === 'running') return;
    const why = blocked(action);
    if (why) {
      state.note = why;
      state.run = null;
      redraw();
      return;
    }
    state.note = null;
    const run = new Run(action, redraw);
    state.run = run;
    const task = LIVE[action] ? LIVE[action](run) : BACKEND[action].run(run, state.choice[action] ?? '');
    task.then(() => run.finish(true), (e) => {
      if (!(e instanceof StepFailed)) run.step(tx('run.error', { why: String((e as Error)?.message ?? e) }), 'fail');
      run.finish(false);
    });
    redraw();
  }

  const status = state.note ? 'unavailable' : state.run ? state.run.status : 'idle';
  const result = h('div', { class: 'card-result', id: resultId, 'aria-live': 'polite', 'aria-busy': running ? 'true' : 'false', 'data-status': status,
    'data-action': state.run?.action ?? '' },
    state.note ? h('p', { class: 'note note-absent' }, show(state.note)) : null,
    state.run ? h('p', { class: `run-status run-${state.run.status}` }, t(`run.status.${state.run.status}` as Key), ' — ', t(`action.${state.run.action}` as Key)) : null,
    state.run ? renderSteps(state.run) : null);

  return h('article', { class: 'card', id: `card-${card.id}`, 'aria-labelledby': `card-${card.id}-title` },
    h('p', { class: 'category' }, show(card.category)),
    h('h3', { id: `card-${card.id}-title` }, show(card.title)),
    h('p', { class: 'question' }, show(card.question)),
    h('details', { class: 'answer' }, h('summary', null, t('cards.answer')), h('p', null, show(card.answer)),
      h('p', { class: 'terms' }, show(card.terms))),
    h('div', { class: 'card-actions', role: 'group', 'aria-label': t('cards.see_it') }, h('p', { class: 'see-it' }, t('cards.see_it')), ...buttons),
    result);
}

export function mountCards(root: HTMLElement): { render: () => void } {
  const states = new Map<string, CardState>(CARDS.map((c) => [c.id, { run: null, note: null, choice: {} }]));
  const grid = h('div', { class: 'card-grid' });
  const intro = h('p', { class: 'hint' });
  const heading = h('h2', { id: 'cards-title', tabindex: '-1' });
  fill(root, heading, intro, grid);
  const articles = new Map<string, HTMLElement>();

  // Re-draws one card, keeping focus and the answer's open state where they were.
  function drawCard(card: Card): void {
    const old = articles.get(card.id);
    const focusedId = old && old.contains(document.activeElement) ? (document.activeElement as HTMLElement).id : '';
    const open = old?.querySelector('details')?.open ?? false;
    const el = cardElement(card, states.get(card.id)!, () => drawCard(card));
    if (open) el.querySelector('details')!.open = true;
    if (old) old.replaceWith(el);
    else grid.append(el);
    articles.set(card.id, el);
    if (focusedId) (document.getElementById(focusedId) as HTMLElement | null)?.focus();
  }

  function render(): void {
    heading.textContent = t('cards.title');
    intro.textContent = t('cards.intro');
    for (const c of CARDS) drawCard(c);
  }
  render();
  return { render };
}
