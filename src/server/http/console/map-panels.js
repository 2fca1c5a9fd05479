// map-panels.js — the side panel beside the chain map.
//
// Owns: the panel's three faces: help for the chain as a whole, a site
// (its lines with their utilisation, its lanes, the demands due there) and
// an enterprise's group of sites.

import { num } from './api.js';
import { h, compact, pct, utilColour, table } from './charts.js';
import { card } from './common.js';
import { roleOf, describePerPeriod, entName } from './docs.js';
import { GROUP_ABOVE, computeTiers, tierLabel } from './map-layout.js';

export function mapHelp(ix, metrics) {
  return card('Chain',
    h('p', { class: 'small' }, `${ix.sites.size} sites, ${ix.lanes.size} lanes, ${ix.lines.size} lines. Columns are tiers: the leader in the middle, suppliers upstream to the left, customers downstream to the right.`),
    h('p', { class: 'small muted' }, 'Click a site for its lines and flows.' + (ix.sites.size > GROUP_ABOVE ? ' Boxes with a count group an enterprise\'s sites: click to open them.' : '')),
    metrics ? h('p', { class: 'small muted' }, 'Fill: share of line capacity the plan uses over the horizon. Red outline and ◆: a line or lane whose capacity binds, with its highest shadow price.') : null);
}

/** Per-period utilisation as a row of small coloured cells. */
function spark(use) {
  return h('span', { class: 'spark' }, use.cap.map((c, t) => {
    const u = c > 0 ? use.used[t] / c : null;
    return h('span', { style: { background: c > 0 ? utilColour(u) : '#d5d9de' }, title: `period ${t}: ${c > 0 ? `${pct(u, 0)} (${compact(use.used[t])} of ${compact(c)})` : 'no capacity'}` });
  }));
}

export function sitePanel(ix, metrics, siteId) {
  const site = ix.sites.get(siteId);
  if (!site) return card('Site', 'unknown site');
  const lines = ix.linesBySite.get(siteId) || [];
  const inbound = ix.lanesTo.get(siteId) || [];
  const outbound = ix.lanesFrom.get(siteId) || [];
  const demands = ix.demandsBySite.get(siteId) || [];
  const tier = computeTiers(ix).get(siteId);
  const laneRows = (list, dir) => list.map((ln) => ({ ln, other: dir === 'in' ? ln.from : ln.to }));
  const laneTable = (rows, dir) => table([
    { label: dir === 'in' ? 'from' : 'to', render: (r) => h('span', { title: `lane ${r.ln.id} · capacity ${describePerPeriod(r.ln.capacity)}` }, r.other) },
    { label: 'items', render: (r) => (r.ln.items || []).join(', ') },
    { label: 'lead', num: true, render: (r) => String(r.ln.lead_time ?? 0) },
    metrics ? { label: 'shipped', num: true, render: (r) => compact(metrics.laneFlow.get(r.ln.id) || 0) } : null,
    metrics ? { label: '◆', num: true, render: (r) => { const p = metrics.hot.get(`lane:${r.ln.id}`)?.max; return p ? h('span', { class: 'error' }, compact(p)) : ''; } } : null,
  ].filter(Boolean), rows, { className: 'grid compact' });

  return h('section', { class: 'card' },
    h('h2', null, siteId),
    h('div', { class: 'small' }, site.name || ''),
    h('div', { class: 'small muted' }, `${entName(ix, site.enterprise)} · ${roleOf(ix.ents.get(site.enterprise))}${site.region ? ` · ${site.region}` : ''} · ${tierLabel(tier === null ? 'x' : tier)}`),
    h('h3', null, `Lines (${lines.length})`),
    lines.length ? table([
      { label: 'line', render: (l) => h('div', null,
        h('div', { title: (l.operations || []).map((o) => o.item).join(', ') }, l.id),
        metrics ? spark(metrics.lineUse.get(l.id)) : null) },
      { label: 'capacity', num: true, render: (l) => describePerPeriod(l.capacity) },
      metrics ? { label: 'used', num: true, render: (l) => { const u = metrics.lineUse.get(l.id); return u.util === null ? '–' : pct(u.util, 0); } } : null,
      metrics ? { label: '◆', num: true, title: 'highest shadow price', render: (l) => { const p = metrics.hot.get(`line:${l.id}`)?.max; return p ? h('span', { class: 'error' }, compact(p)) : ''; } } : null,
    ].filter(Boolean), lines, { className: 'grid compact' }) : h('div', { class: 'muted small' }, 'no production lines'),
    lines.length ? h('div', { class: 'small muted' }, 'makes: ', [...new Set(lines.flatMap((l) => (l.operations || []).map((o) => o.item)))].join(', ')) : null,
    h('h3', null, `Inbound lanes (${inbound.length})`),
    inbound.length ? laneTable(laneRows(inbound, 'in'), 'in') : h('div', { class: 'muted small' }, 'none'),
    h('h3', null, `Outbound lanes (${outbound.length})`),
    outbound.length ? laneTable(laneRows(outbound, 'out'), 'out') : h('div', { class: 'muted small' }, 'none'),
    demands.length ? h('div', null, h('h3', null, `Demands due here (${demands.length})`),
      h('div', { class: 'small' }, `${compact(demands.reduce((a, d) => a + num(d.qty), 0))} units of ${[...new Set(demands.map((d) => d.item))].join(', ')}`)) : null);
}

export function enterprisePanel(ix, metrics, ent) {
  const sites = [...ix.sites.values()].filter((st) => st.enterprise === ent);
  return h('section', { class: 'card' },
    h('h2', null, ent),
    h('div', { class: 'small muted' }, `${entName(ix, ent)} · ${roleOf(ix.ents.get(ent))} · ${sites.length} sites`),
    table([
      { label: 'site', key: 'id' },
      { label: 'lines', num: true, render: (st) => String((ix.linesBySite.get(st.id) || []).length) },
      metrics ? { label: 'used', num: true, render: (st) => { const u = metrics.siteUse.get(st.id)?.util; return u === null || u === undefined ? '–' : pct(u, 0); } } : null,
    ].filter(Boolean), sites, { className: 'grid compact' }));
}
