// map-layout.js — where the chain map puts its boxes.
//
// Owns: the tiers of the sites (lanes away from the leader), the map's view
// state per network (grouping, opened boxes, selection), and the layout:
// which boxes each column shows, in which order, and the lanes between
// them. No drawing: map.js draws what this places.

import { state, byId, push } from './common.js';
import { enterpriseOfSite } from './docs.js';

// Above this many sites the chain map groups sites by enterprise per tier;
// a column never shows more than COLUMN_MAX boxes until asked to.
export const GROUP_ABOVE = 80;
const COLUMN_MAX = 16;

/** Tier of each site: 0 the leader's, −n n lanes upstream, +n downstream, null unlinked. */
export function computeTiers(ix) {
  if (ix.tiers) return ix.tiers;
  const leaderSites = [...ix.sites.values()].filter((st) => st.enterprise === ix.leader).map((st) => st.id);
  const bfs = (next) => {
    const dist = new Map(leaderSites.map((id) => [id, 0]));
    const queue = [...leaderSites];
    for (let i = 0; i < queue.length; i++) {
      const u = queue[i];
      for (const v of next(u)) {
        if (!dist.has(v)) {
          dist.set(v, dist.get(u) + 1);
          queue.push(v);
        }
      }
    }
    return dist;
  };
  const up = bfs((u) => (ix.lanesTo.get(u) || []).map((l) => l.from));
  const down = bfs((u) => (ix.lanesFrom.get(u) || []).map((l) => l.to));
  const tiers = new Map();
  for (const id of ix.sites.keys()) {
    const a = up.get(id);
    const b = down.get(id);
    if (a === 0 || b === 0) tiers.set(id, 0);
    else if (a !== undefined && (b === undefined || a <= b)) tiers.set(id, -a);
    else if (b !== undefined) tiers.set(id, b);
    else tiers.set(id, null);
  }
  ix.tiers = tiers;
  return tiers;
}

export function tierLabel(k) {
  if (k === 'x') return 'not linked';
  if (k === 0) return 'leader';
  return k < 0 ? `upstream tier ${-k}` : `downstream ${k}`;
}

export function mapStateFor(ix) {
  const key = ix.meta.network_id || '';
  let ms = state.maps.get(key);
  if (!ms) {
    ms = { showAll: ix.sites.size <= GROUP_ABOVE, expandedEnts: new Set(), expandedTiers: new Set(), selected: null, found: null };
    state.maps.set(key, ms);
  }
  return ms;
}

/**
 * Which boxes the map shows and where: columns by tier, each column's
 * boxes ordered by where their neighbours sit in the column nearer the
 * leader (fewer crossings), grouped by enterprise on large chains.
 */
export function layoutMap(ix, metrics, ms) {
  const tiers = computeTiers(ix);
  const byTier = new Map();
  for (const [id, k] of tiers) push(byTier, k === null ? 'x' : k, id);
  const numeric = [...byTier.keys()].filter((k) => k !== 'x').sort((a, b) => a - b);
  const colKeys = byTier.has('x') ? [...numeric, 'x'] : numeric;
  // Inner columns first, so each outer one can follow its neighbours.
  const order = [...numeric].sort((a, b) => Math.abs(a) - Math.abs(b) || a - b);
  if (byTier.has('x')) order.push('x');

  const grouped = !ms.showAll;
  const nodeOfSite = new Map();
  const position = new Map();
  const columns = new Map();
  const degree = (ids) => ids.reduce((a, id) => a + (ix.lanesFrom.get(id) || []).length + (ix.lanesTo.get(id) || []).length, 0);
  const weight = (n) => {
    const price = Math.max(0, ...n.sites.map((id) => metrics?.siteHot.get(id) || 0));
    const util = Math.max(0, ...n.sites.map((id) => metrics?.siteUse.get(id)?.util || 0));
    return price * 1e6 + util * 1e3 + degree(n.sites) / 1e3;
  };
  const siteNode = (id, k) => ({ kind: 'site', id: `site:${id}`, site: id, sites: [id], tier: k });

  for (const k of order) {
    const ids = [...byTier.get(k)].sort(byId);
    let nodes = [];
    if (!grouped) nodes = ids.map((id) => siteNode(id, k));
    else {
      const byEnt = new Map();
      for (const id of ids) push(byEnt, enterpriseOfSite(ix, id), id);
      for (const [ent, members] of byEnt) {
        if (members.length === 1 || ms.expandedEnts.has(ent)) nodes.push(...members.map((id) => siteNode(id, k)));
        else nodes.push({ kind: 'enterprise', id: `ent:${ent}:${k}`, enterprise: ent, sites: members, tier: k });
      }
    }
    let more = null;
    if (grouped && nodes.length > COLUMN_MAX && !ms.expandedTiers.has(k)) {
      nodes.sort((a, b) => weight(b) - weight(a));
      const rest = nodes.slice(COLUMN_MAX - 1);
      nodes = nodes.slice(0, COLUMN_MAX - 1);
      more = { kind: 'more', id: `more:${k}`, tier: k, sites: rest.flatMap((n) => n.sites), count: rest.length };
    }
    // Barycentre: the mean place (0..1) of the neighbours already placed.
    const key = new Map();
    for (const n of nodes) {
      let sum = 0;
      let cnt = 0;
      for (const id of n.sites) {
        for (const ln of [...(ix.lanesFrom.get(id) || []), ...(ix.lanesTo.get(id) || [])]) {
          const other = ln.from === id ? ln.to : ln.from;
          const p = position.get(nodeOfSite.get(other));
          if (p !== undefined) {
            sum += p;
            cnt++;
          }
        }
      }
      key.set(n, cnt ? sum / cnt : 2);
    }
    nodes.sort((a, b) => key.get(a) - key.get(b) || byId(a.id, b.id));
    if (more) nodes.push(more);
    nodes.forEach((n, i) => {
      position.set(n.id, nodes.length > 1 ? i / (nodes.length - 1) : 0.5);
      for (const id of n.sites) nodeOfSite.set(id, n.id);
    });
    columns.set(k, nodes);
  }

  // Lanes between the boxes shown, several lanes between the same two boxes
  // drawn as one.
  const edges = new Map();
  for (const ln of ix.lanes.values()) {
    const a = nodeOfSite.get(ln.from);
    const b = nodeOfSite.get(ln.to);
    if (!a || !b || a === b) continue;
    const key = `${a}>${b}`;
    const e = edges.get(key) || { from: a, to: b, lanes: [], flow: 0, price: 0 };
    e.lanes.push(ln);
    e.flow += metrics?.laneFlow.get(ln.id) || 0;
    e.price = Math.max(e.price, metrics?.hot.get(`lane:${ln.id}`)?.max || 0);
    edges.set(key, e);
  }
  return { colKeys, columns, edges: [...edges.values()], nodeOfSite, grouped };
}
