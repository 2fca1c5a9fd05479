// plan-tables.js — the plan page's cards that explain and hand out a plan.
//
// Owns: the bottlenecks, the late and unmet demands behind them, the
// allocations per supplier, a re-plan's impact against the published plan,
// and the renovation programme's answers.

import { post, seg, num } from './api.js';
import { h, fill, compact, table, barChart } from './charts.js';
import { shortEnum, shortId, errorBox, card, expandable } from './common.js';
import { enterpriseOfSite } from './docs.js';

export function bottleneckCard(ix, plan) {
  const list = plan.bottlenecks || [];
  if (!list.length) return card('Bottlenecks', h('div', { class: 'muted small' }, 'no binding capacity'));
  const byResource = new Map();
  for (const b of list) {
    const key = `${b.kind}:${b.id}`;
    byResource.set(key, Math.max(byResource.get(key) || 0, num(b.shadow_price)));
  }
  const top = [...byResource.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12);
  const where = (b) => (b.kind === 'RESOURCE_KIND_LANE' ? `${ix?.lanes.get(b.id)?.from ?? ''} → ${ix?.lanes.get(b.id)?.to ?? ''}` : ix?.lines.get(b.id)?.site ?? '');
  return card('Bottlenecks',
    h('div', { class: 'small muted' }, 'What one more unit of capacity would save, in the periods it binds. Highest price per resource:'),
    barChart(top.map(([key, v]) => ({ label: key.split(':').slice(1).join(':'), value: v, colour: '#c2412d' })), { width: 480 }),
    expandable(list, 25, (shown) => table([
      { label: 'kind', render: (b) => shortEnum(b.kind, 'RESOURCE_KIND_') },
      { label: 'id', render: (b) => h('span', { title: where(b) }, b.id) },
      { label: 'period', num: true, render: (b) => String(b.period ?? 0) },
      { label: 'shadow price', num: true, render: (b) => h('span', { title: String(num(b.shadow_price)) }, compact(num(b.shadow_price))) },
    ], shown, { className: 'grid compact', rowAttrs: (b) => ({ 'data-bottleneck': b.id, 'data-period': String(b.period ?? 0) }) }), 'bottlenecks'));
}

export function explanationTable(ix, ex) {
  const demands = ex.demands || [];
  if (!demands.length) return h('div', { class: 'muted small' }, 'Every demand is delivered on time.');
  return expandable(demands, 25, (shown) => table([
      { label: 'demand', key: 'demand' },
      { label: 'customer', render: (d) => (ix ? enterpriseOfSite(ix, d.site) : d.site) },
      { label: 'item', key: 'item' },
      { label: 'due', num: true, render: (d) => String(d.period ?? 0) },
      { label: 'qty', num: true, render: (d) => compact(num(d.qty)) },
      { label: 'late', num: true, render: (d) => compact(num(d.outcome?.late)) },
      { label: 'unmet', num: true, render: (d) => compact(num(d.outcome?.unmet)) },
      { label: 'late by', num: true, render: (d) => String(d.late_by ?? 0) },
      { label: 'binding behind it', render: (d) => h('span', { class: 'small', title: (d.binding || []).map((b) => `${b.id} period ${b.period ?? 0}: ${num(b.shadow_price)}`).join('\n') },
        (d.binding || []).slice(0, 3).map((b) => `${b.id} @${b.period ?? 0} ◆${compact(num(b.shadow_price))}`).join(', ') + ((d.binding || []).length > 3 ? ' …' : '')) },
    ], shown, { className: 'grid compact', rowAttrs: (d) => ({ 'data-demand': d.demand }) }), 'late or unmet demands');
}

export function allocationsCard(plan) {
  const rows = (plan.allocations || []).map((a) => {
    let made = 0;
    let shipped = 0;
    for (const e of a.entries || []) {
      if (e.kind === 'ALLOCATION_KIND_SHIP') shipped += num(e.qty);
      else made += num(e.qty);
    }
    return { enterprise: a.enterprise, entries: (a.entries || []).length, made, shipped };
  });
  if (!rows.length) return null;
  rows.sort((a, b) => b.made + b.shipped - (a.made + a.shipped));
  return card('Allocations per supplier', expandable(rows, 15, (shown) => table([
    { label: 'supplier', key: 'enterprise' },
    { label: 'entries', num: true, render: (r) => String(r.entries) },
    { label: 'units to make', num: true, render: (r) => compact(r.made) },
    { label: 'units to ship', num: true, render: (r) => compact(r.shipped) },
  ], shown, { className: 'grid compact' }), 'suppliers'));
}

function outcomeText(o) {
  const x = o || {};
  return `${compact(num(x.on_time))} / ${compact(num(x.late))} / ${compact(num(x.unmet))}`;
}

export function replanImpact(impact, ix) {
  const affected = impact.affected_demands || [];
  const changed = impact.changed_suppliers || [];
  const region = impact.region;
  const worse = (d) => num(d.after?.unmet) - num(d.before?.unmet) + (num(d.after?.late) - num(d.before?.late)) * 0.5;
  return h('section', { class: 'card', 'data-testid': 'replan-impact' },
    h('h2', null, 'Re-plan impact'),
    h('div', { class: 'small' }, 'Against the published plan ', h('a', { href: `#/plan/${encodeURIComponent(impact.base_plan_id || '')}` }, shortId(impact.base_plan_id)),
      ` · frozen before period ${impact.freeze_until ?? 0} · penalty ${compact(num(impact.stability_penalty))} per unit · ${compact(num(impact.units_changed))} units changed`),
    region ? h('div', { class: 'small muted' }, `Repaired over ${(region.sites || []).length} sites (widened ${region.widenings ?? 0} times)${region.proven_optimal ? ', proven optimal for the whole chain' : ''}.`) : null,
    h('h3', null, `Affected demands (${affected.length}) · on time / late / unmet`),
    affected.length ? expandable([...affected].sort((a, b) => worse(b) - worse(a)), 15, (shown) => table([
      { label: 'demand', key: 'demand' },
      { label: 'customer', render: (d) => (ix ? enterpriseOfSite(ix, ix.demands.get(d.demand)?.site) : '') },
      { label: 'because of', render: (d) => (d.causes || []).join(', ') },
      { label: 'before', num: true, render: (d) => outcomeText(d.before) },
      { label: 'after', num: true, render: (d) => outcomeText(d.after) },
      { label: '', render: (d) => { const w = worse(d); return w > 1e-6 ? h('span', { class: 'bad' }, 'worse') : w < -1e-6 ? h('span', { class: 'good' }, 'better') : ''; } },
    ], shown, { className: 'grid compact', rowAttrs: (d) => ({ 'data-demand': d.demand }) }), 'affected demands') : h('div', { class: 'muted small' }, 'none'),
    h('h3', null, `Suppliers whose allocation changes (${changed.length})`),
    changed.length ? h('div', null, changed.map((c) => {
      const ch = c.delta?.changes || [];
      const units = ch.reduce((a, x) => a + Math.abs(num(x.qty_after) - num(x.qty_before)), 0);
      return h('details', null,
        h('summary', null, `${c.enterprise}: ${ch.length} entries, ${compact(units)} units`),
        table([
          { label: 'kind', render: (x) => shortEnum(x.kind, 'ALLOCATION_KIND_') },
          { label: 'resource', key: 'resource' },
          { label: 'item', key: 'item' },
          { label: 'period', num: true, render: (x) => String(x.period ?? 0) },
          { label: 'before', num: true, render: (x) => compact(num(x.qty_before)) },
          { label: 'after', num: true, render: (x) => compact(num(x.qty_after)) },
        ], ch.slice(0, 100), { className: 'grid compact' }));
    })) : h('div', { class: 'muted small' }, 'none'),
    (impact.unchanged_suppliers || []).length ? h('div', { class: 'small muted' }, `Unchanged: ${impact.unchanged_suppliers.join(', ')}`) : null);
}

export function renovationAnswersCard(planId) {
  const box = h('div', null);
  const button = h('button', { type: 'button', 'data-testid': 'renovation-answers-button' }, 'Answer for the renovations');
  button.addEventListener('click', async () => {
    button.disabled = true;
    fill(box, h('span', { class: 'muted small' }, 'working (this re-solves with one more budget step)…'));
    try {
      const r = await post(`/plans/${seg(planId)}/renovation-answers`, {});
      const step = r.budget_step;
      fill(box,
        table([
          { label: 'renovation', key: 'id' },
          { label: 'line', key: 'line' },
          { label: 'down', render: (a) => (a.start !== undefined ? `${a.start}–${a.end ?? a.start}` : 'not done') },
          { label: 'net capex', num: true, render: (a) => compact(num(a.net_capex)) },
          { label: 'capacity lost', num: true, render: (a) => compact(num(a.capacity_lost)) },
          { label: 'gained', num: true, render: (a) => compact(num(a.capacity_gained)) },
          { label: 'cost saved', num: true, render: (a) => compact(num(a.cost_saved)) },
          { label: 'CO2 saved', num: true, render: (a) => compact(num(a.co2_saved)) },
          { label: 'delayed demands', render: (a) => String((a.delayed_demands || []).length) },
        ], r.renovations || [], { className: 'grid compact' }),
        step ? h('p', { class: 'small' }, `One more budget step of ${compact(num(step.step))} (budget ${compact(num(step.budget))}): objective ${compact(num(step.objective_before, NaN))} → ${compact(num(step.objective_after, NaN))}`,
          (step.moved || []).length ? `; moves ${step.moved.map((m) => `${m.id} ${m.start_before ?? '–'}→${m.start_after ?? '–'}`).join(', ')}` : '') : null);
    } catch (err) {
      fill(box, errorBox(err));
    } finally {
      button.disabled = false;
    }
  });
  return card('Renovation programme', h('p', { class: 'small muted' }, 'Each renovation\'s capex, capacity lost and gained, savings and the demands its downtime delayed; and what one more budget step would change.'), button, box);
}
