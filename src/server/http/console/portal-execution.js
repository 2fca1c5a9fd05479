// portal-execution.js — the supplier portal's part of the weekly cycle.
//
// Owns: reporting what the supplier's lines actually made in a closed
// period (ReportActuals, its own sites only), reading its own plan-against-
// actual figures (GetAdherence), and reading the counter-proposal a
// rejection may carry. It calls its own enterprise's routes, nothing else;
// portal.js says which network and enterprise, and which lines it has.

import { get, post, seg, int, num } from './api.js';
import { h, fill, qty, table } from './charts.js';

const $ = (sel) => document.querySelector(sel);

/** A request id for one report: a retry of the same report reuses it. */
function newRequestId() {
  return `portal-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * The counter-proposal typed under "reject": one limit per line,
 * `item period units` (made), or `ship item period units`. Returns the
 * limits, or a message saying which line is wrong.
 */
export function counterProposal() {
  const text = $('#counter-proposal').value.trim();
  if (!text) return { limits: [] };
  const limits = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const words = raw.trim().split(/\s+/).filter(Boolean);
    if (!words.length) continue;
    const ship = words[0] === 'ship';
    const [item, period, units] = ship ? words.slice(1) : words;
    const p = Number(period);
    const u = Number(units);
    if (!item || !Number.isInteger(p) || p < 0 || !Number.isFinite(u) || u < 0) {
      return { error: `Counter-proposal line ${i + 1}: write "item period units" (or "ship item period units").` };
    }
    limits.push({ kind: ship ? 'LIMIT_KIND_SHIP' : 'LIMIT_KIND_MAKE', item, period: p, qty: u });
  }
  return { limits };
}

/** Fills the line select of the actuals form with the supplier's lines. */
export function drawActualsLines(lines) {
  const select = $('#actuals-line');
  const chosen = select.value;
  fill(select, lines.length ? lines.map((l) => h('option', { value: l }, l)) : h('option', { value: '' }, 'no line yet'));
  if (lines.includes(chosen)) select.value = chosen;
}

function errorOf(err) {
  return [h('span', { class: 'error' }, `${err.title ? `${err.title}: ` : ''}${err.detail || err.message}`),
    err.errors && err.errors.length ? h('ul', null, err.errors.map((v) => h('li', null, `${v.field}: ${v.reason}`))) : null];
}

/** Wires the actuals form and the adherence card; `context()` gives the network and enterprise. */
export function initExecution(context) {
  let pending = null; // the report being sent, with its request id, for a retry

  $('#actuals').addEventListener('submit', async (e) => {
    e.preventDefault();
    const status = $('#actuals-status');
    const { network, enterprise } = context();
    if (!enterprise) return fill(status, h('span', { class: 'error' }, 'Sign in first.'));
    const line = $('#actuals-line').value;
    const item = $('#actuals-item').value.trim();
    const period = Number($('#actuals-period').value);
    const made = Number($('#actuals-qty').value);
    const problem = !line ? 'Pick a line.'
      : !item ? 'Name the item made.'
        : !Number.isInteger(period) || period < 0 ? 'Period: a closed period, 0 or more.'
          : !Number.isFinite(made) || made < 0 ? 'Units made: a number, 0 or more.' : '';
    if (problem) return fill(status, h('span', { class: 'error' }, problem));
    const actuals = { production: [{ line, item, period, qty: made }] };
    const same = pending && JSON.stringify(pending.actuals) === JSON.stringify(actuals);
    if (!same) pending = { request_id: newRequestId(), actuals };
    fill(status, 'Sending…');
    try {
      const res = await post(`/networks/${seg(network)}/suppliers/${seg(enterprise)}/actuals`, pending);
      fill(status, h('span', { class: 'ok' }, `Recorded as report ${int(res.sequence)} for network version ${int(res.network_version)} (${int(res.closed_periods)} periods closed).`));
      pending = null;
    } catch (err) {
      fill(status, errorOf(err));
    }
  });

  $('#adherence-refresh').addEventListener('click', async () => {
    const box = $('#adherence');
    const { network, enterprise } = context();
    if (!enterprise) return fill(box, h('span', { class: 'error' }, 'Sign in first.'));
    const last = Math.max(0, Number($('#adherence-periods').value) || 0);
    fill(box, 'Loading…');
    try {
      const res = await get(`/networks/${seg(network)}/suppliers/${seg(enterprise)}/adherence?last_periods=${last}`);
      const a = res.adherence || {};
      if (!int(a.periods)) return fill(box, h('span', { class: 'muted small' }, 'No period has been rolled yet.'));
      const mine = (a.suppliers || [])[0] || {};
      const pct = (x) => `${(100 * num(x)).toFixed(1)} %`;
      fill(box,
        h('div', { 'data-testid': 'adherence-summary' },
          `Over ${int(a.periods)} periods from period ${int(res.first_period)}: production ${pct(mine.production_adherence)} of plan, `,
          `${int(mine.shipments_on_time_in_full)} of ${int(mine.shipments_planned)} shipments on time in full (${pct(mine.on_time_in_full)}), `,
          `${int(mine.counter_proposals)} counter-proposals.`),
        table([
          { label: 'line', key: 'line' },
          { label: 'planned', num: true, render: (l) => qty(num(l.planned)) },
          { label: 'made', num: true, render: (l) => qty(num(l.actual)) },
        ], a.lines || [], { className: 'grid compact' }));
    } catch (err) {
      fill(box, errorOf(err));
    }
  });
}
