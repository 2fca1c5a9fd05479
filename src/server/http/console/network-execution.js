// network-execution.js — the network page's plan-against-actual card.
//
// Owns: how the chain kept to its committed plan over the last rolled
// periods (GetAdherence): the chain's delivered units and variable cost,
// planned against actual, and each supplier's production adherence,
// on-time-in-full share and counter-proposals, least reliable first.

import { get, seg, int, num } from './api.js';
import { h, fill, qty, table } from './charts.js';
import { errorBox, card, numberOf } from './common.js';

const pct = (x) => `${(100 * num(x)).toFixed(1)} %`;

export function adherenceCard(networkId) {
  const periods = h('input', { type: 'number', min: 0, step: 1, value: 4, 'data-testid': 'adherence-periods', 'aria-label': 'last periods' });
  const box = h('div', { 'data-testid': 'adherence' });
  const show = async () => {
    fill(box, 'Loading…');
    try {
      const res = await get(`/networks/${seg(networkId)}/adherence?last_periods=${numberOf(periods, 0)}`);
      const a = res.adherence || {};
      if (!int(a.periods)) return fill(box, h('span', { class: 'muted small' }, 'No period has been rolled yet: actuals come in with ReportActuals, and RollHorizon closes periods.'));
      const reliability = (s) => Math.min(Math.min(1, num(s.production_adherence)), num(s.on_time_in_full));
      const suppliers = [...(a.suppliers || [])].sort((x, y) => reliability(x) - reliability(y));
      fill(box,
        h('div', { class: 'small' },
          `Periods ${int(res.first_period)} to ${int(res.first_period) + int(a.periods) - 1}: `,
          `delivered ${qty(num(a.actual_delivered))} of ${qty(num(a.planned_delivered))} planned units; `,
          `variable cost ${qty(num(a.actual_cost))} against ${qty(num(a.planned_cost))} planned.`),
        table([
          { label: 'supplier', key: 'enterprise' },
          { label: 'made / planned', num: true, render: (s) => pct(s.production_adherence) },
          { label: 'on time in full', num: true, render: (s) => `${int(s.shipments_on_time_in_full)} / ${int(s.shipments_planned)}` },
          { label: 'OTIF', num: true, render: (s) => pct(s.on_time_in_full) },
          { label: 'counter-proposals', num: true, render: (s) => String(int(s.counter_proposals)) },
        ], suppliers, { className: 'grid compact' }));
    } catch (err) {
      fill(box, errorBox(err));
    }
  };
  const button = h('button', { type: 'button', 'data-testid': 'adherence-button' }, 'Show');
  button.addEventListener('click', show);
  show();
  return card('Plan against actual',
    h('div', { class: 'fields' }, h('label', null, 'last periods (0: all)', periods), button),
    box);
}
