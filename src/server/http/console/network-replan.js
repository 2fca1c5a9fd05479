// network-replan.js — the network page's re-plan cards.
//
// Owns: "Re-plan" (solve the latest version again close to the committed
// plan) and "Automatic re-plans" (the network's re-plan policy).

import { get, post, put, seg, num } from './api.js';
import { h, fill } from './charts.js';
import { errorBox, card, numberOf, rememberPlan } from './common.js';

export function replanCard(networkId, summary, ix) {
  const freeze = h('input', { type: 'number', min: 0, max: ix.T, step: 1, value: 0, 'data-testid': 'replan-freeze' });
  const penalty = h('input', { type: 'number', min: 0, step: 'any', value: 0, 'data-testid': 'replan-penalty' });
  const limit = h('input', { type: 'number', min: 1, step: 1, value: 60 });
  const status = h('div', { class: 'status-line', 'data-testid': 'replan-status' });
  const button = h('button', { type: 'button', 'data-testid': 'replan-button', disabled: !summary.published_plan_id }, 'Re-plan');
  button.addEventListener('click', async () => {
    button.disabled = true;
    fill(status, 'Re-planning against the committed plan…');
    try {
      const res = await post(`/networks/${seg(networkId)}/replan`, {
        freeze_until: numberOf(freeze, 0), stability_penalty: numberOf(penalty, 0), options: { time_limit_seconds: numberOf(limit, 60) },
      });
      const id = res.info?.plan_id;
      rememberPlan(networkId, { plan_id: id, status: res.plan?.status, objective: res.plan?.objective, at: new Date().toISOString() });
      location.hash = `#/plan/${encodeURIComponent(id)}`;
    } catch (err) {
      fill(status, errorBox(err));
    } finally {
      button.disabled = false;
    }
  });
  return card('Re-plan',
    h('p', { class: 'small muted' }, summary.published_plan_id
      ? 'Solve the latest version again, keeping close to the committed plan: periods before the fence keep their published quantities, and every unit changed costs the penalty.'
      : 'Nothing is published yet: publish a plan first.'),
    h('div', { class: 'fields' },
      h('label', null, 'freeze until period', freeze),
      h('label', null, 'stability penalty / unit', penalty),
      h('label', null, 'time limit (s)', limit),
      button),
    status);
}

export function policyCard(networkId, ix) {
  const box = h('div', null, h('span', { class: 'muted small' }, 'loading…'));
  const section = card('Automatic re-plans', box);
  get(`/networks/${seg(networkId)}/replan-policy`).then((res) => {
    const p = res.policy || {};
    const mode = h('select', { 'data-testid': 'policy-mode', value: p.mode || 'REPLAN_MODE_ON_REQUEST' },
      h('option', { value: 'REPLAN_MODE_ON_REQUEST' }, 'on request'),
      h('option', { value: 'REPLAN_MODE_AUTOMATIC' }, 'automatic (plan waits for publish)'),
      h('option', { value: 'REPLAN_MODE_AUTOMATIC_PUBLISH' }, 'automatic and published'));
    const freeze = h('input', { type: 'number', min: 0, max: ix.T, step: 1, value: p.freeze_until ?? 0 });
    const penalty = h('input', { type: 'number', min: 0, step: 'any', value: num(p.stability_penalty) });
    const status = h('div', { class: 'status-line' });
    const save = h('button', { type: 'button' }, 'Save');
    save.addEventListener('click', async () => {
      try {
        const policy = { mode: mode.value, freeze_until: numberOf(freeze, 0), stability_penalty: numberOf(penalty, 0) };
        if (p.options) policy.options = p.options;
        await put(`/networks/${seg(networkId)}/replan-policy`, { policy });
        fill(status, h('span', { class: 'ok' }, 'Saved.'));
      } catch (err) {
        fill(status, errorBox(err));
      }
    });
    fill(box,
      h('p', { class: 'small muted' }, 'What a capacity report or an order or capacity update does once a plan is committed.'),
      h('div', { class: 'fields' }, h('label', null, 'mode', mode), h('label', null, 'freeze until', freeze), h('label', null, 'penalty / unit', penalty), save),
      status);
  }, (err) => fill(box, errorBox(err)));
  return section;
}
