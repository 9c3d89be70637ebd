// The dashboard (docs/dashboard.md): a header with the node's health, the language and
// the admin token; the operator views behind a hash router; the six learning cards
// below, always on the page.
import './styles.css';
import { hasToken, onTokenChange, askForToken, setToken } from './lib/admin';
import { get } from './lib/api';
import { fill, h } from './lib/dom';
import { initLang, lang, onLang, setLang, t } from './lib/i18n';
import { scrape } from './lib/metrics_feed';
import { loadRoutes } from './lib/routes';
import { Health } from './lib/types';
import { mountCards } from './cards/cards';
import { loadDemoState } from './cards/demo_routes';
import { healthView } from './views/health';
import { inDoubtView } from './views/in_doubt';
import { metricsView } from './views/metrics';
import { transactionDetailView } from './views/transaction_detail';
import { transactionsView } from './views/transactions';
import { every, View } from './views/view';

// `ready` tells the browser test (tests/ui/) that the first render is done.
declare global {
  interface Window {
    xacoordDashboard: { ready: boolean };
  }
}
window.xacoordDashboard = { ready: false };

const NAV = [
  ['#/transactions', 'nav.transactions'],
  ['#/in-doubt', 'nav.in_doubt'],
  ['#/metrics', 'nav.metrics'],
  ['#/health', 'nav.health'],
] as const;

function header(): { el: HTMLElement; render: () => void; setHealth: (h: Health | null, failed: boolean) => void } {
  const brand = h('a', { class: 'brand', href: '#/transactions' }, 'xacoord');
  const subtitle = h('span', { class: 'subtitle' });
  const healthBadge = h('span', { class: 'health tone-info', id: 'health-badge', role: 'status' });
  const langButton = h('button', { type: 'button', id: 'lang-toggle', onclick: () => setLang(lang() === 'zh' ? 'en' : 'zh') });
  const tokenButton = h('button', { type: 'button', id: 'token-button', onclick: () => (hasToken() ? setToken(null, false) : void askForToken()) });
  const nav = h('nav', { 'aria-label': 'main' });
  const el = h('header', { class: 'top' },
    h('div', { class: 'title-row' }, brand, subtitle, healthBadge, h('span', { class: 'spacer' }), tokenButton, langButton),
    nav);
  let health: Health | null = null;
  let failed = false;

  function render(): void {
    subtitle.textContent = t('app.subtitle');
    langButton.textContent = t('app.lang_toggle');
    langButton.setAttribute('aria-label', t('app.lang_toggle_label'));
    tokenButton.textContent = hasToken() ? t('admin.forget') : t('admin.set');
    const current = location.hash.startsWith('#/txn/') ? '#/transactions' : location.hash || '#/transactions';
    fill(nav, h('ul', null, ...NAV.map(([href, key]) => h('li', null,
      h('a', { href, 'aria-current': current === href ? 'page' : null }, t(key)))),
      h('li', null, h('a', { href: '#cards', onclick: (e: Event) => { e.preventDefault(); const c = document.getElementById('cards-title'); c?.scrollIntoView(); c?.focus(); } }, t('nav.cards')))));
    const status = failed ? 'unreachable' : health?.status ?? '…';
    healthBadge.className = `health tone-${failed ? 'bad' : status === 'ok' ? 'ok' : status === '…' ? 'info' : 'warn'}`;
    healthBadge.textContent = `${t('health.badge')}: ${status}`;
  }
  return { el, render, setHealth: (x, f) => { health = x; failed = f; render(); } };
}

function route(main: HTMLElement): View {
  const hash = location.hash;
  if (hash.startsWith('#/txn/')) return transactionDetailView(main, decodeURIComponent(hash.slice('#/txn/'.length)));
  if (hash === '#/in-doubt') return inDoubtView(main);
  if (hash === '#/metrics') return metricsView(main);
  if (hash === '#/health') return healthView(main);
  return transactionsView(main);
}

async function start(): Promise<void> {
  initLang();
  // Which routes exist and whether the demo flag is on, before anything else is called.
  await loadRoutes();
  await loadDemoState();

  const top = header();
  const main = h('main', { id: 'main', class: 'view', tabindex: '-1' });
  const cards = h('section', { id: 'cards', class: 'cards', 'aria-labelledby': 'cards-title' });
  const skip = h('a', { class: 'skip', href: '#main', onclick: (e: Event) => { e.preventDefault(); main.focus(); } });
  const footer = h('footer', null);
  document.body.replaceChildren(skip, top.el, main, cards, footer);

  let view = route(main);
  const cardView = mountCards(cards);
  window.addEventListener('hashchange', () => {
    if (location.hash === '#cards' || location.hash === '#main') return;
    view.stop();
    view = route(main);
    top.render();
    (document.getElementById('view-title') as HTMLElement | null)?.focus();
  });
  const renderAll = () => {
    skip.textContent = t('app.skip');
    footer.textContent = t('app.footer');
    document.title = t('app.title');
    top.render();
    view.render();
    cardView.render();
  };
  onLang(renderAll);
  onTokenChange(() => top.render());
  renderAll();

  every(5000, async () => {
    const r = await get<Health>('/healthz');
    top.setHealth(r.body && typeof r.body === 'object' && 'status' in r.body ? r.body : null, r.status === 0);
  });
  every(2000, scrape);
  window.xacoordDashboard.ready = true;
}

void start();
