// network.js — a network's page (#/network/<id>[?version=<n>]).
//
// Owns: the page's head (version picker, time limit, Solve), the chain map
// coloured by a chosen plan, and the place of the re-plan and
// plan-against-actual cards.

import { get, seg, int } from './api.js';
import { h, fill } from './charts.js';
import { view, shortEnum, statusName, when, shortId, errorBox, loading, numberOf, rememberedPlans } from './common.js';
import { setCrumbs } from './shell.js';
import { loadDoc, listNetworks } from './docs.js';
import { planMetrics } from './plan-metrics.js';
import { chainMap } from './map.js';
import { startSolve } from './solve.js';
import { replanCard, policyCard } from './network-replan.js';
import { adherenceCard } from './network-execution.js';

export async function renderNetwork(ctx, networkId) {
  setCrumbs([{ label: 'Networks', href: '#/networks' }, { label: networkId }]);
  fill(view, loading(`Loading ${networkId}…`));
  const wanted = int(ctx.query.get('version'));
  const [ix, summaries] = await Promise.all([loadDoc(networkId, wanted), listNetworks().catch(() => [])]);
  if (!ctx.alive()) return;
  const summary = summaries.find((n) => n.network_id === networkId) || {};
  const meta = ix.meta;
  const version = int(meta.version);
  const latest = int(summary.latest?.version) || version;

  // Which plan colours the map: the committed one by default, or one this
  // tab solved.
  const choices = [];
  if (summary.published_plan_id) choices.push({ id: summary.published_plan_id, label: `committed plan ${shortId(summary.published_plan_id)} (publish ${int(summary.publish_version)})` });
  for (const p of rememberedPlans(networkId)) {
    if (p.plan_id !== summary.published_plan_id) choices.push({ id: p.plan_id, label: `plan ${shortId(p.plan_id)} · ${statusName(p.status)} · ${when(p.at)}` });
  }
  const planSelect = h('select', { 'data-testid': 'map-plan', 'aria-label': 'plan shown on the map' },
    h('option', { value: '' }, 'no plan'),
    choices.map((c) => h('option', { value: c.id }, c.label)));
  planSelect.value = choices.length ? choices[0].id : '';

  const versionSelect = h('select', { 'aria-label': 'network version', 'data-testid': 'network-version' },
    Array.from({ length: latest }, (_, i) => latest - i).map((v) => h('option', { value: v }, `version ${v}${v === latest ? ' (latest)' : ''}`)));
  versionSelect.value = String(version);
  versionSelect.addEventListener('change', () => {
    const v = Number(versionSelect.value);
    location.hash = `#/network/${encodeURIComponent(networkId)}${v === latest ? '' : `?version=${v}`}`;
  });

  const timeLimit = h('input', { type: 'number', min: 1, step: 1, value: 60, 'data-testid': 'solve-time-limit', 'aria-label': 'time limit in seconds' });
  const solveButton = h('button', { type: 'button', class: 'primary', 'data-testid': 'solve-button' }, 'Solve');
  solveButton.addEventListener('click', () => startSolve(networkId, { version: version === latest ? 0 : version, timeLimit: numberOf(timeLimit) }));

  const mapBox = h('div', null);
  const mapStatus = h('span', { class: 'small muted' });
  const showMap = async () => {
    const id = planSelect.value;
    if (!id) {
      fill(mapBox, chainMap(ix, null));
      mapStatus.textContent = '';
      return;
    }
    mapStatus.textContent = 'loading the plan…';
    try {
      const res = await get(`/plans/${seg(id)}`);
      if (!ctx.alive()) return;
      fill(mapBox, chainMap(ix, planMetrics(ix, res.plan || {})));
      mapStatus.textContent = int(res.info?.network_version) !== version ? `plan of network version ${int(res.info?.network_version)}` : '';
    } catch (err) {
      fill(mapBox, errorBox(err), chainMap(ix, null));
      mapStatus.textContent = '';
    }
  };
  planSelect.addEventListener('change', showMap);
  // The bare chain at once, the plan's colours when they come.
  fill(mapBox, chainMap(ix, null));

  const hz = ix.doc.horizon || {};
  fill(view,
    h('section', { class: 'card' },
      h('div', { class: 'page-head' },
        h('div', null,
          h('h1', null, ix.doc.name || networkId),
          h('div', { class: 'muted small' }, `${networkId} · version ${version} of ${latest} · ${shortEnum(meta.change, 'NETWORK_CHANGE_KIND_')}${meta.reason ? ` (${meta.reason})` : ''} · stored ${when(meta.created_at)}`),
          h('div', { class: 'muted small' }, `${ix.T} periods${hz.period ? ` of a ${hz.period}` : ''}${hz.start ? ` from ${hz.start}` : ''} · ${ix.sites.size} sites · ${ix.lines.size} lines · ${ix.lanes.size} lanes · ${ix.demands.size} demands · ${ix.renovations.size} renovations`)),
        h('div', { class: 'toolbar' },
          versionSelect,
          h('label', { class: 'inline' }, 'time limit (s)', timeLimit),
          solveButton,
          h('a', { href: `#/scenarios/${encodeURIComponent(networkId)}` }, 'what-if scenarios'),
          summary.published_plan_id ? h('a', { href: `#/plan/${encodeURIComponent(summary.published_plan_id)}` }, 'committed plan') : null))),
    h('section', { class: 'card' },
      h('div', { class: 'toolbar' }, h('h2', { style: { margin: 0 } }, 'Chain map'), h('span', { class: 'grow' }), h('label', { class: 'inline' }, 'colour by', planSelect), mapStatus),
      mapBox),
    h('div', { class: 'row' }, replanCard(networkId, summary, ix), policyCard(networkId, ix)),
    adherenceCard(networkId));
  if (planSelect.value) showMap();
}
