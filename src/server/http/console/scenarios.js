// scenarios.js — the scenario workspace (#/scenarios/<network id>).
//
// Owns: the workspace's state (scenarios, selection, results, a creation in
// flight) and the page: the form, the list with Solve and Compare, the
// comparison and the criticality card, which their own modules draw.

import { get, post, seg, int } from './api.js';
import { h, fill } from './charts.js';
import { view, shortEnum, errorBox, loading, numberOf } from './common.js';
import { setCrumbs } from './shell.js';
import { loadDoc } from './docs.js';
import { scenarioForm } from './scenario-form.js';
import { scenarioList } from './scenario-list.js';
import { solveScenarios } from './scenario-solve.js';
import { comparisonView } from './compare.js';
import { criticalityCard } from './criticality.js';

export async function renderScenarios(ctx, networkId) {
  setCrumbs([{ label: 'Networks', href: '#/networks' }, { label: networkId, href: `#/network/${encodeURIComponent(networkId)}` }, { label: 'scenarios' }]);
  fill(view, loading('Loading scenarios…'));
  const [ix, listed] = await Promise.all([loadDoc(networkId), get(`/networks/${seg(networkId)}/scenarios`)]);
  if (!ctx.alive()) return;

  const ws = {
    networkId,
    ix,
    scenarios: listed.scenarios || [],
    selected: new Set(),
    results: new Map(),
    // A scenario being created: solving and comparing wait for it, so a
    // click right after "Create" includes the new scenario.
    creating: Promise.resolve(),
  };
  const listBox = h('div', null);
  const progressBox = h('div', { 'data-testid': 'scenario-progress', 'data-done': 'false' });
  const comparisonBox = h('div', { 'data-testid': 'comparison' });
  const actionStatus = h('div', { class: 'status-line' });

  const timeLimit = h('input', { type: 'number', min: 1, step: 1, value: 30, 'data-testid': 'scenario-time-limit' });
  const rankBy = h('select', { 'data-testid': 'scenario-rank-by' },
    ['KPI_OBJECTIVE', 'KPI_UNMET', 'KPI_LATE', 'KPI_FILL_RATE', 'KPI_EMISSIONS', 'KPI_PRODUCTION', 'KPI_TRANSPORT', 'KPI_HOLDING', 'KPI_CARBON', 'KPI_LATE_COST', 'KPI_UNMET_COST', 'KPI_SETUP', 'KPI_SAFETY']
      .map((k) => h('option', { value: k }, shortEnum(k, 'KPI_'))));
  const solveButton = h('button', { type: 'button', class: 'primary', 'data-testid': 'scenario-solve' }, 'Solve selected');
  const compareButton = h('button', { type: 'button', 'data-testid': 'scenario-compare' }, 'Compare selected');

  const drawList = () => fill(listBox, scenarioList(ws, drawList, actionStatus));
  const selectedIds = () => ws.scenarios.map((sc) => sc.scenario_id).filter((id) => ws.selected.has(id));

  const reload = async () => {
    const again = await get(`/networks/${seg(networkId)}/scenarios`);
    ws.scenarios = again.scenarios || [];
    drawList();
  };

  solveButton.addEventListener('click', async () => {
    await ws.creating;
    const ids = selectedIds();
    if (!ids.length) return fill(actionStatus, h('span', { class: 'error' }, 'Select scenarios to solve.'));
    fill(actionStatus, '');
    solveButton.disabled = true;
    await solveScenarios(ws, ids, numberOf(timeLimit), progressBox);
    solveButton.disabled = false;
    await reload().catch(() => {});
  });
  compareButton.addEventListener('click', async () => {
    await ws.creating;
    const ids = selectedIds();
    if (!ids.length) return fill(actionStatus, h('span', { class: 'error' }, 'Select solved scenarios to compare.'));
    fill(actionStatus, '');
    compareButton.disabled = true;
    try {
      // Comparing needs each scenario's plan: solve those without one first.
      const unsolved = ids.filter((id) => !ws.scenarios.find((sc) => sc.scenario_id === id)?.plan_id && !ws.results.has(id));
      if (unsolved.length) {
        await solveScenarios(ws, unsolved, numberOf(timeLimit), progressBox);
        await reload().catch(() => {});
      }
      fill(comparisonBox, h('span', { class: 'muted small' }, 'comparing…'));
      const res = await post('/scenarios/compare', { scenario_ids: ids, rank_by: rankBy.value });
      fill(comparisonBox, comparisonView(ws, res, rankBy.value));
    } catch (err) {
      fill(comparisonBox, errorBox(err));
    } finally {
      compareButton.disabled = false;
    }
  });

  drawList();
  fill(view,
    h('section', { class: 'card' },
      h('h1', null, `What-if scenarios · ${ix.doc.name || networkId}`),
      h('div', { class: 'small muted' }, `Scenarios branch from a network version and never touch the live network until promoted. Latest version: ${int(ix.meta.version)}.`)),
    scenarioForm(ws, async (created) => {
      ws.selected.add(created.scenario_id);
      await reload().catch(() => {
        ws.scenarios.push(created);
        drawList();
      });
    }),
    h('section', { class: 'card' },
      h('h2', null, 'Scenarios'),
      listBox,
      h('div', { class: 'toolbar' },
        h('label', { class: 'inline' }, 'time limit per scenario (s)', timeLimit), solveButton,
        h('span', { class: 'grow' }),
        h('label', { class: 'inline' }, 'rank by', rankBy), compareButton),
      actionStatus,
      progressBox),
    h('section', { class: 'card' }, h('h2', null, 'Comparison with the base plan'), comparisonBox),
    criticalityCard(ws));
}
