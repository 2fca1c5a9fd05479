// scenario-list.js — the scenario workspace's list of scenarios.
//
// Owns: the table of a network's scenarios with their selection, plans and
// changes, and promoting or deleting one (each behind a confirmation).

import { post, del, seg, int } from './api.js';
import { h, fill, table } from './charts.js';
import { statusPill, shortId, errorBox } from './common.js';
import { confirmDialog } from './dialogs.js';
import { loadDoc } from './docs.js';
import { mayPromote } from './shell.js';
import { describeChange } from './scenario-changes.js';

export function scenarioList(ws, redraw, actionStatus) {
  if (!ws.scenarios.length) return h('div', { class: 'muted small' }, 'No scenario yet: build one above.');
  const latest = int(ws.ix.meta.version);
  return table([
    { label: '', render: (sc) => {
      const box = h('input', { type: 'checkbox', checked: ws.selected.has(sc.scenario_id), 'data-testid': 'scenario-select', 'data-scenario': sc.scenario_id, 'aria-label': `select ${sc.name}` });
      box.addEventListener('change', () => (box.checked ? ws.selected.add(sc.scenario_id) : ws.selected.delete(sc.scenario_id)));
      return box;
    } },
    { label: 'name', render: (sc) => h('span', { title: sc.scenario_id }, sc.name || sc.scenario_id) },
    { label: 'base', num: true, render: (sc) => String(int(sc.base_version)) },
    { label: 'changes', render: (sc) => h('div', { class: 'small' }, (sc.changes || []).map((c) => h('div', null, describeChange(c)))) },
    { label: 'plan', render: (sc) => {
      const r = ws.results.get(sc.scenario_id);
      const planId = sc.plan_id || r?.plan_id;
      if (!planId) return h('span', { class: 'muted small' }, 'not solved');
      return h('span', null, r ? statusPill(r.plan?.status) : null, ' ', h('a', { href: `#/plan/${encodeURIComponent(planId)}` }, shortId(planId)));
    } },
    { label: '', render: (sc) => h('span', { class: 'toolbar', style: { margin: 0 } },
      h('button', { type: 'button', 'data-testid': 'promote-button', 'data-scenario': sc.scenario_id, disabled: !mayPromote() || int(sc.base_version) !== latest,
        title: !mayPromote() ? 'only the ERP or a planner granted promote may' : int(sc.base_version) !== latest ? 'the network has moved on since this scenario\'s base version' : 'make this scenario the live network',
        onclick: () => promoteScenario(ws, sc, actionStatus) }, 'Promote'),
      h('button', { type: 'button', class: 'link', 'data-testid': 'delete-button', 'data-scenario': sc.scenario_id, onclick: () => deleteScenario(ws, sc, redraw, actionStatus) }, 'delete')) },
  ], ws.scenarios, { rowAttrs: (sc) => ({ 'data-scenario-row': sc.scenario_id }) });
}

async function promoteScenario(ws, sc, status) {
  const ok = await confirmDialog({
    title: 'Promote this scenario?',
    body: [h('p', null, `“${sc.name}” becomes the next version of ${ws.networkId}: its changed document replaces the live one, orders and policy included.`),
      h('p', { class: 'small muted' }, 'Nothing is re-planned or published by this; solve and publish the new version afterwards.')],
    confirmLabel: 'Promote',
    testid: 'promote-confirm',
    danger: true,
  });
  if (!ok) return;
  fill(status, 'Promoting…');
  try {
    const res = await post(`/scenarios/${seg(sc.scenario_id)}/promote`, { expected_version: int(sc.base_version) });
    const v = int(res.network?.version);
    fill(status, h('span', { class: 'ok', 'data-testid': 'promote-result' }, `Promoted: ${ws.networkId} is now at version ${v}. `),
      h('a', { href: `#/network/${encodeURIComponent(ws.networkId)}` }, 'Open the network to solve it'));
    // New scenarios build on the promoted version; the cached index of the
    // old one stays as it was.
    ws.ix = await loadDoc(ws.networkId).catch(() => ws.ix);
  } catch (err) {
    fill(status, errorBox(err));
  }
}

async function deleteScenario(ws, sc, redraw, status) {
  const ok = await confirmDialog({ title: 'Delete this scenario?', body: h('p', null, `“${sc.name}” is deleted; its plans stay.`), confirmLabel: 'Delete', testid: 'delete-confirm', danger: true });
  if (!ok) return;
  try {
    await del(`/scenarios/${seg(sc.scenario_id)}`);
    ws.scenarios = ws.scenarios.filter((x) => x.scenario_id !== sc.scenario_id);
    ws.selected.delete(sc.scenario_id);
    fill(status, `Deleted “${sc.name}”.`);
    redraw();
  } catch (err) {
    fill(status, errorBox(err));
  }
}
