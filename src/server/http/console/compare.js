// compare.js — scenarios compared with the base plan.
//
// Owns: the ranking, the objective changes side by side, and one card per
// scenario (cost change by term, service and emissions, moved renovations,
// bottlenecks appearing and vanishing, per-supplier changes).

import { num } from './api.js';
import { h, compact, signed, pct, qty, table, barChart } from './charts.js';
import { shortEnum, statusPill, kpi } from './common.js';

const KPI_ROWS = [
  ['objective', 'objective'], ['production', 'production'], ['setup', 'setup'], ['transport', 'transport'],
  ['holding', 'holding'], ['late_cost', 'late penalties'], ['unmet_cost', 'unmet penalties'], ['safety', 'safety'],
  ['carbon', 'carbon'], ['renovation_window', 'renovation window'],
];

export function comparisonView(ws, res, rankBy) {
  const comps = res.comparisons || [];
  const nameOf = (id) => ws.scenarios.find((sc) => sc.scenario_id === id)?.name || id;
  const ranking = res.ranking || [];
  return h('div', null,
    ranking.length ? h('div', { class: 'small' }, h('strong', null, `Ranked by ${shortEnum(rankBy, 'KPI_')}, worst first: `),
      ranking.map((r, i) => [i ? ' · ' : '', `${i + 1}. ${nameOf(r.scenario_id)} (${signed(num(r.delta))})`])) : null,
    comps.length > 1 ? h('div', null, h('h3', null, 'Objective change against the base plan'),
      barChart(comps.map((c) => ({ label: nameOf(c.scenario_id), value: num(c.objective?.delta) })), { width: 560, format: signed, positiveColour: '#c2412d' })) : null,
    h('div', { class: 'compare-grid' }, comps.map((c) => comparisonCard(c, nameOf(c.scenario_id)))));
}

// `better`: which way the figure should move ('up', 'down' or null), so a
// change is coloured by whether it helps, not by its sign.
function deltaRow(label, d, better, format = compact) {
  const x = d || {};
  const delta = num(x.delta);
  return { label, base: num(x.base), scenario: num(x.scenario), delta, format, better };
}

function comparisonCard(c, name) {
  const id = c.scenario_id;
  const kpiItems = KPI_ROWS.map(([k, label]) => ({ label, value: num(c[k]?.delta) })).filter((it, i) => i === 0 || it.value !== 0);
  const unmet = num(c.unmet?.scenario);
  const service = [
    deltaRow('demand', c.demand, null), deltaRow('on time', c.on_time, 'up'), deltaRow('late units', c.late, 'down'), deltaRow('unmet units', c.unmet, 'down'),
    deltaRow('fill rate', c.fill_rate, 'up', (v) => pct(v)), deltaRow('emissions', c.emissions, 'down'),
  ];
  const moved = (c.renovations || []).filter((r) => r.changed);
  const suppliers = [...(c.suppliers || [])].sort((a, b) => (Math.abs(num(b.made?.delta)) + Math.abs(num(b.shipped?.delta))) - (Math.abs(num(a.made?.delta)) + Math.abs(num(a.shipped?.delta))));
  const chips = (list, cls) => h('div', { class: 'chip-list' },
    list.slice(0, 12).map((b) => h('span', { class: `chip ${cls}`, title: `${shortEnum(b.kind, 'RESOURCE_KIND_')} ${b.id}, period ${b.period ?? 0}, shadow price ${num(b.shadow_price)}` }, `${b.id} @${b.period ?? 0} ◆${compact(num(b.shadow_price))}`)),
    list.length > 12 ? h('span', { class: 'small muted' }, `+${list.length - 12} more`) : null);
  const startText = (v) => (v === undefined || v === null ? 'not done' : `period ${v}`);

  return h('section', { class: 'card', 'data-scenario': id },
    h('h2', null, name),
    h('div', { class: 'small muted' }, 'base ', statusPill(c.base_status), ' → scenario ', statusPill(c.scenario_status)),
    h('div', { class: 'kpis' },
      kpi('objective change', signed(num(c.objective?.delta)), `${compact(num(c.objective?.base))} → ${compact(num(c.objective?.scenario))}`),
      kpi('unmet units', h('span', { 'data-testid': 'unmet-units', 'data-scenario': id, 'data-value': String(unmet) }, qty(unmet, 1)), `${signed(num(c.unmet?.delta))} against base`),
      kpi('fill rate', pct(num(c.fill_rate?.scenario)), `${num(c.fill_rate?.delta) >= 0 ? '+' : ''}${qty(num(c.fill_rate?.delta) * 100, 1)} points`)),
    h('h3', null, 'Cost change by term'),
    barChart(kpiItems, { width: 480, format: signed, positiveColour: '#c2412d', labelWidth: 130 }),
    h('h3', null, 'Service and emissions'),
    table([
      { label: '', key: 'label' },
      { label: 'base', num: true, render: (r) => r.format(r.base) },
      { label: 'scenario', num: true, render: (r) => r.format(r.scenario) },
      { label: 'change', num: true, render: (r) => {
        const good = r.better && r.delta !== 0 && (r.delta > 0) === (r.better === 'up');
        const bad = r.better && r.delta !== 0 && !good;
        return h('span', { class: good ? 'good' : bad ? 'bad' : '' }, r.format === compact ? signed(r.delta) : `${r.delta >= 0 ? '+' : ''}${qty(r.delta * 100, 1)} pt`);
      } },
    ], service, { className: 'grid compact' }),
    h('h3', null, `Renovations moved (${moved.length})`),
    moved.length ? h('ul', null, moved.map((r) => h('li', { 'data-testid': 'moved-renovation', 'data-scenario': id, 'data-renovation': r.id,
      'data-base-start': r.base_start !== undefined ? String(r.base_start) : '', 'data-scenario-start': r.scenario_start !== undefined ? String(r.scenario_start) : '' },
    `${r.id} (${r.line}): ${startText(r.base_start)} → ${startText(r.scenario_start)}`))) : h('div', { class: 'muted small' }, 'none'),
    h('h3', null, `Bottlenecks appearing (${(c.bottlenecks_appeared || []).length})`),
    chips(c.bottlenecks_appeared || [], 'appeared'),
    h('h3', null, `Bottlenecks vanishing (${(c.bottlenecks_vanished || []).length})`),
    chips(c.bottlenecks_vanished || [], 'vanished'),
    h('div', { class: 'small muted' }, `${(c.bottlenecks_stayed || []).length} bottlenecks bind in both plans`),
    h('h3', null, 'Per supplier: units made and shipped'),
    suppliers.length ? table([
      { label: 'supplier', key: 'enterprise' },
      { label: 'made', num: true, render: (x) => `${compact(num(x.made?.base))} → ${compact(num(x.made?.scenario))}` },
      { label: 'Δ made', num: true, render: (x) => signed(num(x.made?.delta)) },
      { label: 'Δ shipped', num: true, render: (x) => signed(num(x.shipped?.delta)) },
    ], suppliers.slice(0, 25), { className: 'grid compact', rowAttrs: (x) => ({ 'data-enterprise': x.enterprise }) }) : h('div', { class: 'muted small' }, 'no supplier changes'));
}
