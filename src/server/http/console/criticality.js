// criticality.js — the scenario workspace's supplier criticality card.
//
// Owns: ranking suppliers by what an outage of each would cost the chain.

import { post, seg, num } from './api.js';
import { h, fill, compact, pct, table, barChart } from './charts.js';
import { statusPill, errorBox, card, numberOf } from './common.js';

export function criticalityCard(ws) {
  const lastPeriod = Math.max(0, ws.ix.T - 1);
  const first = h('input', { type: 'number', min: 0, max: lastPeriod, step: 1, value: Math.min(2, lastPeriod), class: 'short', 'data-testid': 'criticality-first' });
  const last = h('input', { type: 'number', min: 0, max: lastPeriod, step: 1, value: Math.min(5, lastPeriod), class: 'short', 'data-testid': 'criticality-last' });
  const limit = h('input', { type: 'number', min: 1, step: 1, value: 20, 'data-testid': 'criticality-time-limit' });
  const box = h('div', { 'data-testid': 'criticality' });
  const run = h('button', { type: 'button', 'data-testid': 'criticality-run' }, 'Rank suppliers');
  run.addEventListener('click', async () => {
    run.disabled = true;
    const started = Date.now();
    const tick = setInterval(() => fill(box, h('span', { class: 'muted small' }, `solving one outage per supplier… ${Math.round((Date.now() - started) / 1000)} s`)), 500);
    try {
      const res = await post(`/networks/${seg(ws.networkId)}/criticality`, {
        periods: { first: numberOf(first, 0), last: numberOf(last, 0) }, time_limit_seconds: numberOf(limit, 20),
      });
      clearInterval(tick);
      fill(box, criticalityView(res));
    } catch (err) {
      clearInterval(tick);
      fill(box, errorBox(err));
    } finally {
      run.disabled = false;
    }
  });
  return card('Supplier criticality',
    h('p', { class: 'small muted' }, 'Each supplier\'s outage over the window, solved on its own: what the chain would lose without it.'),
    h('div', { class: 'fields' }, h('label', null, 'outage from', first), h('label', null, 'to', last), h('label', null, 'time limit per outage (s)', limit), run),
    box);
}

function criticalityView(res) {
  const ranking = res.ranking || [];
  // An outage the chain cannot survive ranks first with an infinite cost,
  // whatever the JSON made of that number.
  const rows = ranking.map((r) => ({ ...r, costN: r.status === 'PLAN_STATUS_INFEASIBLE' ? Infinity : num(r.cost) }));
  return h('div', null,
    rows.length ? barChart(rows.map((r) => ({
      label: r.enterprise, value: r.costN, colour: r.status === 'PLAN_STATUS_INFEASIBLE' ? '#7a1d12' : '#c2412d',
      title: `${r.enterprise}: objective +${compact(r.costN)}, fill rate −${pct(num(r.fill_rate_drop))}`, attrs: { 'data-enterprise': r.enterprise },
    })), { width: 560 }) : h('div', { class: 'muted small' }, 'no supplier ranked'),
    rows.length ? table([
      { label: '#', num: true, render: (r) => String(rows.indexOf(r) + 1) },
      { label: 'supplier', key: 'enterprise' },
      { label: 'cost increase', num: true, render: (r) => compact(r.costN) },
      { label: 'fill-rate drop', num: true, render: (r) => pct(num(r.fill_rate_drop)) },
      { label: 'extra late', num: true, render: (r) => compact(num(r.late)) },
      { label: 'extra unmet', num: true, render: (r) => compact(num(r.unmet)) },
      { label: 'status', render: (r) => statusPill(r.status) },
    ], rows, { className: 'grid compact', rowAttrs: (r) => ({ 'data-enterprise': r.enterprise }) }) : null,
    (res.skipped || []).length ? h('div', { class: 'small muted' }, `Not solved (no demand depends on them): ${res.skipped.join(', ')}`) : null,
    (res.failed || []).length ? h('div', { class: 'small error' }, 'No answer for: ', res.failed.map((f) => `${f.enterprise} (${f.reason})`).join('; ')) : null);
}
