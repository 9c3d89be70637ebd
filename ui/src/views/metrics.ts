// Live rates from /metrics (parsed in the browser, lib/rates.ts): pays, cancels, aborts
// and 503s per second, the decision log's fsync latency, pool use, and the in-flight and
// in-doubt gauges, as uPlot charts over the last ten minutes.
import uPlot from 'uplot';
import { fill, h } from '../lib/dom';
import { num } from '../lib/format';
import { Key, t } from '../lib/i18n';
import { feedError, history, subscribe } from '../lib/metrics_feed';
import { Point } from '../lib/rates';
import { errorNote } from '../lib/widgets';
import { View } from './view';

interface ChartSpec {
  id: string;
  title: Key;
  unit: Key;
  series: { label: Key | string; color: string; dash?: number[]; pick: (p: Point) => number | null }[];
}

const COLORS = ['#1d4ed8', '#b45309', '#b91c1c', '#6d28d9', '#047857'];

function specs(participants: string[]): ChartSpec[] {
  return [
    {
      id: 'chart-rates', title: 'metrics.rates', unit: 'metrics.unit.per_s',
      series: [
        { label: 'metrics.pays', color: COLORS[0], pick: (p) => p.pays },
        { label: 'metrics.cancels', color: COLORS[1], pick: (p) => p.cancels },
        { label: 'metrics.aborts', color: COLORS[2], pick: (p) => p.aborts },
        { label: 'metrics.unavailable', color: COLORS[3], dash: [6, 4], pick: (p) => p.unavailable },
      ],
    },
    {
      id: 'chart-fsync', title: 'metrics.fsync', unit: 'metrics.unit.ms',
      series: [
        { label: 'metrics.mean', color: COLORS[0], pick: (p) => p.fsyncMeanMs },
        { label: 'metrics.p99', color: COLORS[2], dash: [6, 4], pick: (p) => p.fsyncP99Ms },
      ],
    },
    {
      id: 'chart-pool', title: 'metrics.pool', unit: 'metrics.unit.sessions',
      series: participants.map((name, i) => ({ label: name, color: COLORS[i % COLORS.length], pick: (p: Point) => p.poolInUse[name] ?? null })),
    },
    {
      id: 'chart-gauges', title: 'metrics.gauges', unit: 'metrics.unit.count',
      series: [
        { label: 'metrics.in_flight', color: COLORS[0], pick: (p) => p.inFlight },
        { label: 'metrics.in_doubt', color: COLORS[2], pick: (p) => p.inDoubt },
        { label: 'metrics.stuck', color: COLORS[3], dash: [6, 4], pick: (p) => p.stuck },
      ],
    },
  ];
}

const label = (l: Key | string) => (l.includes('.') ? t(l as Key) : l);

export function metricsView(root: HTMLElement): View {
  const title = h('h2', { id: 'view-title', tabindex: '-1' });
  const tiles = h('div', { class: 'tiles', 'aria-live': 'off' });
  const charts = h('div', { class: 'charts' });
  const status = h('div');
  fill(root, title, h('p', { class: 'hint' }), status, tiles, charts);
  let plots: { spec: ChartSpec; plot: uPlot; host: HTMLElement }[] = [];
  let participants: string[] = [];

  function width(host: HTMLElement): number {
    return Math.max(240, Math.floor(host.clientWidth || 400));
  }

  function build(): void {
    for (const p of plots) p.plot.destroy();
    plots = [];
    charts.replaceChildren();
    for (const spec of specs(participants)) {
      const plotHost = h('div', { class: 'plot' });
      const figure = h('figure', { class: 'chart', id: spec.id },
        h('figcaption', null, t(spec.title), ' ', h('span', { class: 'unit' }, `(${t(spec.unit)})`)), plotHost);
      charts.append(figure);
      const plot = new uPlot({
        width: width(plotHost),
        height: 180,
        scales: { x: { time: true }, y: { range: (_u, min, max) => [0, Math.max(1, max ?? 1, min ?? 0)] } },
        series: [{}, ...spec.series.map((s) => ({ label: label(s.label), stroke: s.color, width: 2, dash: s.dash, spanGaps: false }))],
        axes: [{}, { size: 48 }],
        legend: { live: false },
        cursor: { drag: { x: false, y: false } },
      }, data(spec), plotHost);
      plots.push({ spec, plot, host: plotHost });
    }
  }

  function data(spec: ChartSpec): uPlot.AlignedData {
    const pts = history.points;
    return [pts.map((p) => p.at), ...spec.series.map((s) => pts.map((p) => s.pick(p)))] as uPlot.AlignedData;
  }

  function drawTiles(): void {
    const p = history.points[history.points.length - 1];
    const tile = (k: Key, v: string, id: string) => h('div', { class: 'tile', id }, h('span', { class: 'tile-label' }, t(k)), h('span', { class: 'tile-value' }, v));
    const pool = p ? Object.keys(p.poolInUse).map((name) => h('div', { class: 'tile' },
      h('span', { class: 'tile-label' }, t('metrics.pool_of', { name })), h('span', { class: 'tile-value' }, `${p.poolInUse[name]} / ${p.poolMax[name]}`))) : [];
    fill(tiles,
      tile('metrics.pays', num(p?.pays), 'tile-pays'), tile('metrics.cancels', num(p?.cancels), 'tile-cancels'),
      tile('metrics.aborts', num(p?.aborts), 'tile-aborts'), tile('metrics.unavailable', num(p?.unavailable), 'tile-503'),
      tile('metrics.p99', p?.fsyncP99Ms != null ? `${num(p.fsyncP99Ms, 2)} ms` : '—', 'tile-fsync'),
      tile('metrics.in_doubt', num(p?.inDoubt), 'tile-in-doubt'), tile('metrics.stuck', num(p?.stuck), 'tile-stuck'), ...pool);
  }

  function update(): void {
    const err = feedError();
    fill(status, err ? errorNote(t('metrics.failed', { why: err })) : history.points.length === 0 ? h('p', null, t('metrics.waiting')) : null);
    const latest = history.points[history.points.length - 1];
    const names = latest ? Object.keys(latest.poolInUse).sort() : [];
    if (names.join() !== participants.join()) {
      participants = names;
      build();
    }
    for (const p of plots) p.plot.setData(data(p.spec));
    drawTiles();
  }

  function render(): void {
    title.textContent = t('metrics.title');
    (root.querySelector('.hint') as HTMLElement).textContent = t('metrics.hint');
    build();
    update();
  }

  const resize = new ResizeObserver(() => {
    for (const p of plots) p.plot.setSize({ width: width(p.host), height: 180 });
  });
  resize.observe(charts);
  render();
  const unsubscribe = subscribe(update);
  return { render, stop: () => { unsubscribe(); resize.disconnect(); for (const p of plots) p.plot.destroy(); } };
}
