// plan-cards.js — the plan page's chart cards.
//
// Owns: the cost breakdown, service per customer, the production heat map
// (line utilisation by period), stock over time and the renovation
// timeline.

import { num } from './api.js';
import {
  h, fill, compact, pct, utilColour, legend, table, barChart, stackedBars, lineChart, heatMap,
  timeline, PALETTE,
} from './charts.js';
import { card, push } from './common.js';
import { enterpriseOfSite, periodTitle } from './docs.js';

// Heat maps and timelines list this many rows before "show all".
const ROWS_MAX = 40;

const COST_TERMS = [
  ['production', 'production'], ['setup', 'setup'], ['transport', 'transport'], ['holding', 'holding'],
  ['late', 'late penalties'], ['unmet', 'unmet penalties'], ['safety', 'safety penalties'], ['carbon', 'carbon'],
  ['renovation_window', 'renovation window'],
];

export function costCard(plan) {
  const cost = plan.cost || {};
  const items = COST_TERMS.map(([k, label]) => ({ label, value: num(cost[k]) })).filter((it) => it.value !== 0);
  return card('Cost breakdown',
    items.length ? barChart(items, { width: 520 }) : h('div', { class: 'muted small' }, 'no cost'),
    h('div', { class: 'small muted' }, `objective ${compact(num(plan.objective, NaN))}`));
}

export function serviceCard(ix, plan) {
  // Per customer: the enterprise of the site each demand is due at.
  const delivered = new Map();
  for (const d of plan.deliveries || []) {
    const e = delivered.get(d.demand) || { onTime: 0, late: 0 };
    if ((d.late_by ?? 0) > 0) e.late += num(d.qty);
    else e.onTime += num(d.qty);
    delivered.set(d.demand, e);
  }
  const byCustomer = new Map();
  for (const d of ix.demands.values()) {
    const ent = enterpriseOfSite(ix, d.site) || d.site;
    const c = byCustomer.get(ent) || { customer: ent, demand: 0, onTime: 0, late: 0, unmet: 0 };
    const got = delivered.get(d.id) || { onTime: 0, late: 0 };
    c.demand += num(d.qty);
    c.onTime += got.onTime;
    c.late += got.late;
    c.unmet += Math.max(0, num(d.qty) - got.onTime - got.late);
    byCustomer.set(ent, c);
  }
  const rows = [...byCustomer.values()].sort((a, b) => b.demand - a.demand);
  if (!rows.length) return card('Service per customer', h('div', { class: 'muted small' }, 'no demands'));
  const shown = rows.slice(0, 30);
  return card('Service per customer',
    stackedBars(shown.map((c) => ({
      label: c.customer,
      parts: [{ name: 'on time', value: c.onTime, colour: '#3a9d5d' }, { name: 'late', value: c.late, colour: '#d9822b' }, { name: 'unmet', value: c.unmet, colour: '#c2412d' }],
      valueText: pct(c.demand ? c.onTime / c.demand : 1, 0),
    })), { share: true, width: 520 }),
    legend([{ label: 'on time', colour: '#3a9d5d' }, { label: 'late', colour: '#d9822b' }, { label: 'unmet', colour: '#c2412d' }]),
    table([
      { label: 'customer', key: 'customer' },
      { label: 'demand', num: true, render: (c) => compact(c.demand) },
      { label: 'on time', num: true, render: (c) => compact(c.onTime) },
      { label: 'late', num: true, render: (c) => compact(c.late) },
      { label: 'unmet', num: true, render: (c) => compact(c.unmet) },
      { label: 'on-time rate', num: true, render: (c) => pct(c.demand ? c.onTime / c.demand : 1) },
    ], shown, { className: 'grid compact' }),
    rows.length > shown.length ? h('div', { class: 'small muted' }, `${rows.length - shown.length} more customers not shown`) : null);
}

export function productionCard(ix, metrics) {
  const box = h('div', { class: 'scroll' });
  const lines = [...ix.lines.values()];
  let all = lines.length <= ROWS_MAX;
  const toggle = h('button', { type: 'button', class: 'link', hidden: lines.length <= ROWS_MAX });
  const periods = Array.from({ length: ix.T }, (_, t) => String(t));
  const draw = () => {
    // Many lines: the busiest first, so the red shows without scrolling.
    const ordered = all ? lines : [...lines].sort((a, b) => (metrics.lineUse.get(b.id).peak - metrics.lineUse.get(a.id).peak)).slice(0, ROWS_MAX);
    fill(box, heatMap(ordered.map((l) => {
      const use = metrics.lineUse.get(l.id);
      return {
        label: l.id,
        title: `${l.id} at ${l.site}: makes ${[...new Set((l.operations || []).map((o) => o.item))].join(', ')}`,
        attrs: { 'data-line': l.id },
        cells: use.cap.map((c, t) => {
          const u = c > 0 ? use.used[t] / c : null;
          return {
            colour: c > 0 ? utilColour(u) : '#dfe3e8',
            text: c > 0 ? (use.used[t] > 0 ? String(Math.round(u * 100)) : '') : 'down',
            title: `${l.id} · ${periodTitle(ix, t)}: ${c > 0 ? `${compact(use.made[t])} made, ${compact(use.used[t])} of ${compact(c)} capacity (${pct(u, 0)})` : 'no capacity (down)'}`,
          };
        }),
      };
    }), periods, { cellWidth: Math.max(24, Math.min(44, Math.floor(900 / Math.max(1, ix.T)))) }));
    toggle.textContent = all ? `show the ${ROWS_MAX} busiest` : `show all ${lines.length} lines`;
  };
  toggle.addEventListener('click', () => {
    all = !all;
    draw();
  });
  draw();
  return card('Production: line utilisation by period (%)', box, h('div', { class: 'toolbar' }, legend([{ label: 'room', colour: utilColour(0.2) }, { label: 'filling', colour: utilColour(0.85) }, { label: 'full', colour: utilColour(1) }, { label: 'down', colour: '#dfe3e8' }]), toggle));
}

export function stockCard(ix, plan) {
  const byItem = new Map();
  for (const st of plan.stock || []) push(byItem, st.item, st);
  const items = [...byItem.keys()].sort();
  if (!items.length) return card('Stock over time', h('div', { class: 'muted small' }, 'no stock held'));
  const select = h('select', { 'data-testid': 'stock-item', 'aria-label': 'item' }, items.map((it) => h('option', { value: it }, ix.items.get(it)?.name ? `${it} — ${ix.items.get(it).name}` : it)));
  const box = h('div', { class: 'scroll' });
  const draw = () => {
    const item = select.value;
    const bySite = new Map();
    for (const st of byItem.get(item) || []) {
      const arr = bySite.get(st.site) || new Array(ix.T).fill(0);
      if ((st.period ?? 0) < ix.T) arr[st.period ?? 0] = num(st.qty);
      bySite.set(st.site, arr);
    }
    const sites = [...bySite.entries()].sort((a, b) => Math.max(...b[1]) - Math.max(...a[1])).slice(0, 8);
    const series = sites.map(([site, arr], i) => ({ name: site, colour: PALETTE[i % PALETTE.length], points: arr.map((v, t) => [t, v]) }));
    const targets = sites.map(([site], i) => ({ site, i, safety: num(ix.stocks.get(`${site}|${item}`)?.safety) })).filter((x) => x.safety > 0);
    for (const tg of targets) series.push({ name: `${tg.site} safety`, colour: PALETTE[tg.i % PALETTE.length], dash: true, points: Array.from({ length: ix.T }, (_, t) => [t, tg.safety]) });
    const unit = ix.items.get(item)?.unit;
    fill(box,
      lineChart(series, { width: 760, height: 240, xLabel: ix.doc.horizon?.period || 'period', yLabel: unit ? `units (${unit})` : 'units', yFromZero: true, xTicks: Array.from({ length: ix.T }, (_, t) => t), xFormat: (v) => String(v), markers: ix.T <= 30 }),
      legend([...sites.map(([site], i) => ({ label: site, colour: PALETTE[i % PALETTE.length] })), ...(targets.length ? [{ label: 'safety target', colour: '#66737f', dash: true }] : [])]),
      bySite.size > sites.length ? h('div', { class: 'small muted' }, `the 8 largest of ${bySite.size} sites holding it`) : null);
  };
  select.addEventListener('change', draw);
  draw();
  return card('Stock over time', h('div', { class: 'toolbar' }, h('label', { class: 'inline' }, 'item', select)), box);
}

/** Runs of consecutive periods: [1,2,3,7] → [[1,3],[7,7]]. */
function runs(periods) {
  const sorted = [...new Set(periods)].sort((a, b) => a - b);
  const out = [];
  for (const p of sorted) {
    const last = out[out.length - 1];
    if (last && p === last[1] + 1) last[1] = p;
    else out.push([p, p]);
  }
  return out;
}

/**
 * The renovation timeline: a row per line, the downtime the plan chose as a
 * solid bar (`data-renovation`, `data-start`, `data-end`), the window it
 * could have started in as a light band, the line's own downtime hatched.
 */
export function renovationTimeline(ix, plan) {
  const schedules = plan.renovations || [];
  const byLine = new Map();
  for (const r of ix.renovations.values()) byLine.set(r.line, { doc: r, plan: null });
  for (const r of schedules) {
    const e = byLine.get(r.line) || { doc: ix.renovations.get(r.id) || null, plan: null };
    e.plan = r;
    byLine.set(r.line, e);
  }
  const lines = [...ix.lines.values()];
  const downLines = lines.filter((l) => (l.downtime || []).length);
  // Small chains: every line, renovated ones first. Large: only those with
  // a renovation or a downtime.
  const startOf = (l) => byLine.get(l.id)?.plan?.start ?? byLine.get(l.id)?.doc?.earliest ?? Infinity;
  const renovated = lines.filter((l) => byLine.has(l.id)).sort((a, b) => startOf(a) - startOf(b));
  const others = lines.filter((l) => !byLine.has(l.id));
  let rows = [...renovated, ...(lines.length <= ROWS_MAX ? others : others.filter((l) => downLines.includes(l)))];
  rows = rows.map((l) => {
    const e = byLine.get(l.id);
    const items = [];
    if (e && e.doc) {
      const r = e.doc;
      const lastEnd = (r.latest ?? 0) + (r.duration ?? 1) - 1;
      items.push({ start: r.earliest ?? 0, end: lastEnd, kind: 'window',
        title: `${r.id}: may start in periods ${r.earliest ?? 0}–${r.latest ?? 0}, down ${r.duration ?? 1} period(s)${r.optional ? ' · optional' : ''}${(r.after || []).length ? ` · after ${r.after.join(', ')}` : ''}${r.group ? ` · group ${r.group}` : ''}` });
    }
    for (const [a, b] of runs(l.downtime || [])) items.push({ start: a, end: b, kind: 'downtime', title: `${l.id} down (document downtime) in periods ${a}–${b}` });
    if (e && e.plan) {
      const r = e.plan;
      if (r.start !== undefined && r.start !== null) {
        const end = r.end ?? r.start;
        const d = e.doc;
        items.push({ start: r.start, end, kind: 'scheduled', text: r.id,
          attrs: { 'data-renovation': r.id, 'data-start': String(r.start), 'data-end': String(end), 'data-line': r.line },
          title: `${r.id}: ${l.id} down in periods ${r.start}–${end}${d ? ` · capacity ×${num(d.capacity_factor, 1)}, cost ×${num(d.cost_factor, 1)}, CO2 ×${num(d.co2_factor, 1)} after` : ''}` });
      } else {
        const d = e.doc;
        items.push({ start: d ? d.earliest ?? 0 : 0, end: d ? (d.latest ?? 0) + (d.duration ?? 1) - 1 : ix.T - 1, kind: 'skipped', text: `${r.id}: not done`, title: `${r.id} (optional) is left out of this plan` });
      }
    }
    return { label: l.id, title: `${l.id} at ${l.site}`, items };
  });
  const chosen = schedules.filter((r) => r.start !== undefined && r.start !== null).length;
  return h('section', { class: 'card' },
    h('h2', null, 'Renovation timeline'),
    h('div', { class: 'small muted' }, `${chosen} of ${schedules.length} renovations scheduled · periods are ${ix.doc.horizon?.period || 'periods'}s${ix.doc.horizon?.start ? ` from ${ix.doc.horizon.start}` : ''}`),
    h('div', { class: 'scroll', 'data-testid': 'renovation-timeline' },
      rows.length ? timeline(rows, ix.T, { cellWidth: Math.max(26, Math.min(56, Math.floor(1000 / Math.max(1, ix.T)))), periodLabel: (t) => String(t) }) : h('div', { class: 'muted small' }, 'no renovations and no downtime')),
    legend([{ label: 'renovation downtime (chosen)', colour: '#2f6db5' }, { label: 'start window + duration', colour: '#b6cde8' }, { label: 'line downtime', colour: '#9aa3ad' }]));
}
