// The node(s) and their health: GET /healthz, and where the coordinator has them,
// GET /v1/status (docs/api.md; contract of the architectures) and GET /v1/nodes
// (ui/API-NEEDS.md). Also the routes this coordinator serves, from GET /v1/routes.
import { describe, get } from '../lib/api';
import { fill, h } from '../lib/dom';
import { clock } from '../lib/format';
import { t } from '../lib/i18n';
import { getOptional, routeList } from '../lib/routes';
import { Health } from '../lib/types';
import { badge, dl, errorNote, unavailable } from '../lib/widgets';
import { every, View } from './view';

interface Status {
  architecture: string;
  node_id: string;
  in_flight: number;
  pending_messages: number;
  settled: boolean;
  [more: string]: unknown;
}

interface NodeInfo {
  node_id: string;
  listen?: string;
  alive: boolean;
  self?: boolean;
  last_seen_at?: string | null;
  taken_over_by?: string | null;
}

export function healthView(root: HTMLElement): View {
  let health: Health | null = null;
  let healthFailure = '';
  let status: Status | null = null;
  let statusAbsent = false;
  let nodes: NodeInfo[] | null = null;
  let nodesAbsent = false;

  const title = h('h2', { id: 'view-title', tabindex: '-1' });
  const hostHealth = h('section', { class: 'panel', id: 'health-panel' });
  const hostStatus = h('section', { class: 'panel' });
  const hostNodes = h('section', { class: 'panel' });
  const hostRoutes = h('section', { class: 'panel' });
  fill(root, title, h('div', { class: 'two-col' }, hostHealth, hostStatus), hostNodes, hostRoutes);

  async function load(): Promise<void> {
    const [hz, st, nd] = await Promise.all([
      get<Health>('/healthz'),
      getOptional<Status>('/v1/status'),
      getOptional<{ nodes: NodeInfo[] }>('/v1/nodes'),
    ]);
    // /healthz answers 503 with the same body while starting or degraded.
    if (hz.body && typeof hz.body === 'object' && 'status' in hz.body) {
      health = hz.body;
      healthFailure = '';
    } else {
      healthFailure = describe(hz);
    }
    statusAbsent = st.absent;
    if (st.response?.ok) status = st.response.body;
    nodesAbsent = nd.absent;
    if (nd.response?.ok && nd.response.body) nodes = nd.response.body.nodes;
    draw();
  }

  function draw(): void {
    title.textContent = t('health.title');
    fill(hostHealth, h('h3', null, t('health.healthz')), healthFailure ? errorNote(healthFailure) : null,
      health ? dl([
        [t('health.status'), badge(health.status)],
        [t('health.recovery'), health.recovery],
        ...Object.entries(health.databases).map(([name, up]): [string, Node] => [t('health.database', { name }), badge(up)]),
        [t('health.in_doubt'), String(health.in_doubt_branches)],
      ]) : h('p', null, t('loading')));
    fill(hostStatus, h('h3', null, t('health.node')),
      statusAbsent ? unavailable('health.status.what')
        : status ? dl(Object.entries(status).map(([k, v]): [string, string] => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]))
          : h('p', null, t('loading')));
    fill(hostNodes, h('h3', null, t('health.nodes')),
      nodesAbsent ? unavailable('health.nodes.what')
        : nodes ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid' },
          h('thead', null, h('tr', null, ...(['indoubt.col.node', 'health.col.listen', 'health.col.alive', 'health.col.seen', 'health.col.taken'] as const).map((k) => h('th', { scope: 'col' }, t(k))))),
          h('tbody', null, ...nodes.map((n) => h('tr', null,
            h('td', null, n.node_id, n.self ? ` (${t('health.self')})` : ''),
            h('td', { class: 'mono' }, n.listen ?? '—'),
            h('td', null, badge(n.alive ? 'up' : 'down')),
            h('td', { class: 'mono' }, clock(n.last_seen_at)),
            h('td', null, n.taken_over_by ?? '—'))))))
          : h('p', null, t('loading')));
    const routes = routeList();
    fill(hostRoutes, h('details', null, h('summary', null, t('health.routes')),
      routes ? h('ul', { class: 'routes' }, ...routes.map((r) => h('li', { class: 'mono' }, `${r.method} ${r.pattern}`)))
        : unavailable('health.routes.what')));
  }

  draw();
  const stop = every(3000, load);
  return { render: draw, stop };
}
