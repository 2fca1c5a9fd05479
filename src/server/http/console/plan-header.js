// plan-header.js — the plan page's head card.
//
// Owns: the plan's KPIs (status, objective, bound and gap, service, late and
// unmet units, emissions, solve time), its committed state and the Publish
// button with its confirmation and answer.

import { post, seg, requestId, int, num } from './api.js';
import { h, fill, compact, pct, qty } from './charts.js';
import { state, shortEnum, statusName, hasSolution, when, shortId, errorBox, kpi } from './common.js';
import { confirmDialog } from './dialogs.js';

export function planHeader(planId, info, plan) {
  const service = plan.service || {};
  const st = plan.status || 'PLAN_STATUS_UNSPECIFIED';
  const statusClass = st === 'PLAN_STATUS_OPTIMAL' ? 'status-optimal' : st === 'PLAN_STATUS_FEASIBLE' ? 'status-feasible' : 'status-bad';
  const stats = plan.stats || {};
  const result = h('div', { class: 'status-line', 'data-testid': 'publish-result' });
  const committed = h('span', { class: 'small' });
  const showCommitted = (isCommitted, publishVersion) => {
    fill(committed, isCommitted ? h('span', { class: 'pill good' }, `committed · publish version ${publishVersion}`)
      : publishVersion ? h('span', { class: 'pill' }, `was published as version ${publishVersion}`) : h('span', { class: 'pill' }, 'not published'));
  };
  showCommitted(Boolean(info.committed), int(info.publish_version));
  const earlier = state.published.get(planId);
  if (earlier) fill(result, publishSummary(earlier));

  const publishable = hasSolution(st) && info.origin !== 'PLAN_ORIGIN_SCENARIO';
  const button = h('button', { type: 'button', class: 'primary', 'data-testid': 'publish-button', disabled: !publishable,
    title: publishable ? 'send the allocations to the suppliers' : 'only a solved plan of the live network can be published' }, 'Publish');
  button.addEventListener('click', async () => {
    // One id per confirmed publish: a retry of the same call publishes once.
    const id = requestId();
    const ok = await confirmDialog({
      title: 'Publish this plan?',
      body: [h('p', null, `Plan ${planId} becomes the committed plan of ${info.network_id}.`),
        h('p', { class: 'small muted' }, 'Every supplier whose allocation differs from its last published one gets a new allocation version at once; the others get nothing.')],
      confirmLabel: 'Publish',
      testid: 'publish-confirm',
    });
    if (!ok) return;
    button.disabled = true;
    fill(result, 'Publishing…');
    try {
      const r = await post(`/plans/${seg(planId)}/publish`, { request_id: id });
      state.published.set(planId, r);
      fill(result, publishSummary(r));
      showCommitted(true, int(r.publish_version));
    } catch (err) {
      fill(result, errorBox(err));
    } finally {
      button.disabled = false;
    }
  });

  const objectiveTitle = plan.objective !== undefined ? String(num(plan.objective)) : '';
  return h('section', { class: 'card' },
    h('div', { class: 'page-head' },
      h('div', null,
        h('h1', null, `Plan ${shortId(planId)}`),
        h('div', { class: 'muted small mono' }, planId),
        h('div', { class: 'muted small' }, `${shortEnum(info.origin, 'PLAN_ORIGIN_')} · network ${info.network_id} version ${int(info.network_version)} · ${when(info.created_at)}`,
          info.base_plan_id ? [' · kept close to ', h('a', { href: `#/plan/${encodeURIComponent(info.base_plan_id)}` }, shortId(info.base_plan_id))] : null)),
      h('div', { class: 'toolbar' }, committed, button)),
    h('div', { class: 'kpis' },
      kpi('status', statusName(st), stats.strategy ? `strategy ${stats.strategy}` : null, { 'data-testid': 'plan-status', 'data-status': st, class: `v ${statusClass}` }),
      kpi('objective', h('span', { title: objectiveTitle }, compact(num(plan.objective, NaN))), plan.stability ? `+ stability ${compact(num(plan.stability.cost))}` : null),
      kpi('bound · gap', `${compact(num(plan.bound, NaN))}`, plan.gap !== undefined ? `gap ${pct(num(plan.gap), 2)}` : 'no gap reported'),
      kpi('service (on time)', pct(num(service.fill_rate, hasSolution(st) ? 1 : NaN)), `${compact(num(service.demand))} demanded`),
      kpi('late units', compact(num(service.late)), null),
      kpi('unmet units', compact(num(service.unmet)), null),
      kpi('emissions (CO2)', compact(num(plan.emissions)), null),
      kpi('solve time', `${qty(num(stats.build_seconds) + num(stats.solve_seconds) + num(stats.extract_seconds), 2)} s`, `${compact(int(stats.variables))} variables · ${compact(int(stats.integer_variables))} binary`)),
    (plan.goals || []).length ? h('div', { class: 'small muted' }, 'goals: ', plan.goals.map((g) => `${shortEnum(g.goal, 'GOAL_')} ${compact(num(g.value))}${g.limit !== undefined ? ` (held ≤ ${compact(num(g.limit))})` : ''}`).join(' → ')) : null,
    result);
}

function publishSummary(r) {
  const updated = r.updated_suppliers || [];
  const unchanged = r.unchanged_suppliers || [];
  return h('div', null,
    h('strong', { class: 'ok' }, `Published as version ${int(r.publish_version)}`),
    ` on ${when(r.published_at)}. `,
    updated.length ? `${updated.length} supplier${updated.length === 1 ? '' : 's'} got a new allocation version: ` : 'No supplier\'s allocation changed.',
    updated.map((u, i) => [i ? ', ' : '', h('span', { title: `${u.changed_entries ?? 0} entries changed` }, `${u.enterprise} v${int(u.version)}`)]),
    unchanged.length ? h('div', { class: 'small muted' }, `Unchanged: ${unchanged.join(', ')}`) : null);
}
