// plan.js — a plan's page (#/plan/<plan id>).
//
// Owns: fetching the plan (waiting out its storing right after a solve) and
// the document it was solved on, and laying out the page's cards, which
// plan-header.js, plan-cards.js, plan-tables.js and map.js draw.

import { get, seg, int } from './api.js';
import { h, fill, table } from './charts.js';
import { view, hasSolution, shortId, errorBox, loading, card } from './common.js';
import { setCrumbs } from './shell.js';
import { loadDoc } from './docs.js';
import { planMetrics } from './plan-metrics.js';
import { chainMap } from './map.js';
import { planHeader } from './plan-header.js';
import { costCard, serviceCard, productionCard, stockCard, renovationTimeline } from './plan-cards.js';
import { bottleneckCard, explanationTable, allocationsCard, replanImpact, renovationAnswersCard } from './plan-tables.js';

/** GetPlan, waiting out the moment between a job's end and its plan's storing. */
async function getPlan(planId) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await get(`/plans/${seg(planId)}`);
    } catch (err) {
      if (err.code !== 'FAILED_PRECONDITION' || attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 400 * (attempt + 1)));
    }
  }
}

export async function renderPlan(ctx, planId) {
  setCrumbs([{ label: 'Networks', href: '#/networks' }, { label: '…' }, { label: `plan ${shortId(planId)}` }]);
  fill(view, loading(`Loading plan ${planId}…`));
  const res = await getPlan(planId);
  if (!ctx.alive()) return;
  const info = res.info || {};
  const plan = res.plan || {};
  const networkId = info.network_id;
  let ix = null;
  let docNote = '';
  try {
    ix = await loadDoc(networkId, int(info.network_version));
  } catch {
    // The version may have been dropped from the store; the latest one
    // still names the lines and sites.
    ix = await loadDoc(networkId).catch(() => null);
    if (ix) docNote = `Network version ${int(info.network_version)} is no longer stored: lines and capacities shown are those of version ${int(ix.meta.version)}.`;
  }
  if (!ctx.alive()) return;
  setCrumbs([{ label: 'Networks', href: '#/networks' }, { label: networkId, href: `#/network/${encodeURIComponent(networkId)}` }, { label: `plan ${shortId(planId)}` }]);
  const metrics = ix ? planMetrics(ix, plan) : null;

  const explainBox = h('div', null, h('span', { class: 'muted small' }, 'loading the explanation…'));
  fill(view,
    planHeader(planId, info, plan),
    docNote ? h('div', { class: 'notice' }, docNote) : null,
    (plan.conflicts || []).length ? card('Why there is no plan', table([
      { label: 'constraint', render: (c) => h('code', null, c.path) }, { label: 'reason', key: 'reason' }], plan.conflicts)) : null,
    res.replan ? replanImpact(res.replan, ix) : null,
    ix ? renovationTimeline(ix, plan) : null,
    h('div', { class: 'row' }, costCard(plan), ix ? serviceCard(ix, plan) : null),
    ix && metrics ? productionCard(ix, metrics) : null,
    ix ? stockCard(ix, plan) : null,
    h('div', { class: 'row' }, bottleneckCard(ix, plan), card('Late and unmet demands', explainBox)),
    allocationsCard(plan),
    ix && hasSolution(plan.status) ? h('section', { class: 'card' }, h('h2', null, 'Chain map under this plan'), chainMap(ix, metrics)) : null,
    hasSolution(plan.status) && (ix?.renovations.size ?? 0) > 0 ? renovationAnswersCard(planId) : null);

  // The explanation can be as large as the plan: fetched after the page is up.
  if (hasSolution(plan.status)) {
    get(`/plans/${seg(planId)}/explanation`).then((ex) => {
      if (ctx.alive()) fill(explainBox, explanationTable(ix, ex));
    }, (err) => ctx.alive() && fill(explainBox, errorBox(err)));
  } else fill(explainBox, h('span', { class: 'muted small' }, 'no solution to explain'));
}
