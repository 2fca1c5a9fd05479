// docs.js — network documents as the pages read them.
//
// Owns: loading a network version's document and indexing it (sites, lines,
// lanes, demands… by id and by site), the cache of stored versions, the
// listing of every network, and small readings of a document (an
// enterprise's role, per-period values, what a period is called).

import { get, seg, int, num } from './api.js';
import { compact } from './charts.js';
import { state, shortEnum, push } from './common.js';

export function roleOf(enterprise) {
  const r = shortEnum(enterprise && enterprise.role, 'ENTERPRISE_ROLE_');
  return ['leader', 'supplier', 'customer', 'logistics'].includes(r) ? r : 'other';
}

/** A PerPeriod's value in period t (scalar or series). */
export function perPeriod(pp, t) {
  if (!pp) return 0;
  if (pp.scalar !== undefined) return num(pp.scalar);
  if (pp.series) return num((pp.series.values || [])[t]);
  return 0;
}

export function describePerPeriod(pp) {
  if (!pp) return 'unlimited';
  if (pp.scalar !== undefined) return compact(num(pp.scalar));
  const v = (pp.series && pp.series.values) || [];
  return v.length ? `${compact(Math.min(...v))}–${compact(Math.max(...v))} by period` : '–';
}

function indexDoc(doc, meta) {
  const ix = {
    doc,
    meta: meta || {},
    T: doc.horizon?.periods ?? 0,
    sites: new Map(),
    ents: new Map(),
    lines: new Map(),
    linesBySite: new Map(),
    lanes: new Map(),
    lanesFrom: new Map(),
    lanesTo: new Map(),
    items: new Map(),
    demands: new Map(),
    demandsBySite: new Map(),
    renovations: new Map(),
    renovationByLine: new Map(),
    ops: new Map(),
    stocks: new Map(),
    leader: null,
  };
  for (const e of doc.enterprises || []) {
    ix.ents.set(e.id, e);
    if (roleOf(e) === 'leader') ix.leader = e.id;
  }
  for (const st of doc.sites || []) ix.sites.set(st.id, st);
  for (const it of doc.items || []) ix.items.set(it.id, it);
  for (const l of doc.lines || []) {
    ix.lines.set(l.id, l);
    push(ix.linesBySite, l.site, l);
    for (const op of l.operations || []) ix.ops.set(op.id || `${l.id}/${op.item}`, { op, line: l });
  }
  for (const ln of doc.lanes || []) {
    ix.lanes.set(ln.id, ln);
    push(ix.lanesFrom, ln.from, ln);
    push(ix.lanesTo, ln.to, ln);
  }
  for (const d of doc.demands || []) {
    ix.demands.set(d.id, d);
    push(ix.demandsBySite, d.site, d);
  }
  for (const r of doc.renovations || []) {
    ix.renovations.set(r.id, r);
    ix.renovationByLine.set(r.line, r);
  }
  for (const st of doc.stocks || []) ix.stocks.set(`${st.site}|${st.item}`, st);
  return ix;
}

export const enterpriseOfSite = (ix, siteId) => ix.sites.get(siteId)?.enterprise || '';
export const entName = (ix, id) => ix.ents.get(id)?.name || id;

/** A network version's document, indexed; version 0 is the latest (never cached). */
export async function loadDoc(networkId, version = 0) {
  const key = `${networkId}@${version}`;
  if (version && state.docs.has(key)) return state.docs.get(key);
  const res = await get(`/networks/${seg(networkId)}${version ? `?version=${version}` : ''}`);
  const ix = indexDoc(res.document || {}, res.network || {});
  state.docs.set(`${networkId}@${int(res.network?.version)}`, ix);
  return ix;
}

/** Every network summary, over all pages. */
export async function listNetworks() {
  const all = [];
  let token = '';
  do {
    const page = await get(`/networks${token ? `?page_token=${encodeURIComponent(token)}` : ''}`);
    all.push(...(page.networks || []));
    token = page.next_page_token || '';
  } while (token);
  return all;
}

/** What a period is: "week 3 · from 2025-03-24" when the horizon says. */
export function periodTitle(ix, t) {
  const hz = ix.doc.horizon || {};
  const unit = hz.period || 'period';
  let date = '';
  if (hz.start) {
    const d = new Date(`${hz.start}T00:00:00Z`);
    if (!Number.isNaN(d.getTime())) {
      if (/week/i.test(unit)) d.setUTCDate(d.getUTCDate() + 7 * t);
      else if (/day/i.test(unit)) d.setUTCDate(d.getUTCDate() + t);
      else if (/month/i.test(unit)) d.setUTCMonth(d.getUTCMonth() + t);
      else d.setTime(NaN);
      if (!Number.isNaN(d.getTime())) date = ` · from ${d.toISOString().slice(0, 10)}`;
    }
  }
  return `${unit} ${t}${date}`;
}
