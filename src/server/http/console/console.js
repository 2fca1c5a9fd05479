// console.js — the planner console.
//
// Owns: the sign-in bar and session badge, the hash router, and the four
// pages: networks (#/networks), a network with its chain map and solve
// (#/network/<id>), a plan (#/plan/<plan id>) and the scenario workspace
// (#/scenarios/<network id>); plus the solve panel that follows a solve job
// across pages, and the confirmation dialogs. Talking to the server is
// api.js's job, drawing is charts.js's.
//
// Responses follow the proto3 JSON mapping: fields at their default are
// left out, so every read below has a default (`?? 0`, `|| []`), and 64-bit
// integers arrive as strings (read with `int`).

import { get, post, put, del, seg, sse, session as fetchSession, getToken, setToken, requestId, int, num, ApiError } from './api.js';
import {
  h, s, fill, compact, signed, pct, qty, utilColour, legend, table, barChart, stackedBars,
  lineChart, heatMap, timeline, clip, PALETTE,
} from './charts.js';

const $ = (sel, root = document) => root.querySelector(sel);
const view = $('#view');

const state = {
  session: null,
  // Stored network versions never change, so their indexes are kept.
  docs: new Map(),
  // The solve the panel follows.
  solve: null,
  // Publish answers by plan id, shown again when the plan page redraws.
  published: new Map(),
  // Chain map view state (grouping, expanded boxes) per network.
  maps: new Map(),
};

// Above this many sites the chain map groups sites by enterprise per tier;
// a column never shows more than COLUMN_MAX boxes until asked to.
const GROUP_ABOVE = 80;
const COLUMN_MAX = 16;
// Heat maps and timelines list this many rows before "show all".
const ROWS_MAX = 40;

// ===========================================================================
// Small helpers

/** `PLAN_STATUS_OPTIMAL` → `optimal` (the enum's own name, short). */
function shortEnum(value, prefix) {
  const v = String(value || '');
  return (v.startsWith(prefix) ? v.slice(prefix.length) : v).toLowerCase().replace(/_/g, ' ');
}
const statusName = (st) => shortEnum(st || 'PLAN_STATUS_UNSPECIFIED', 'PLAN_STATUS_');
const hasSolution = (st) => st === 'PLAN_STATUS_OPTIMAL' || st === 'PLAN_STATUS_FEASIBLE';

function statusPill(st) {
  const name = statusName(st);
  const kind = st === 'PLAN_STATUS_OPTIMAL' ? 'good' : st === 'PLAN_STATUS_FEASIBLE' ? 'warn' : 'bad';
  return h('span', { class: `pill ${kind}` }, name);
}

/** An RFC 3339 time as local "YYYY-MM-DD HH:MM:SS". */
function when(ts) {
  if (!ts) return '–';
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return String(ts);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

const shortId = (id) => clip(String(id || '').replace(/^(plan|scenario|job)-/, ''), 9);

function errorBox(err) {
  const e = err instanceof ApiError ? err : new ApiError({ detail: String(err && err.message || err) });
  return h('div', { class: 'error-box', role: 'alert' },
    h('strong', null, e.summary()),
    e.errors.length ? h('ul', null, e.errors.map((v) => h('li', null, h('code', null, v.field || '$'), ': ', v.reason || ''))) : null,
    e.status === 401 ? h('div', null, 'Paste a bearer token in the box at the top right and sign in.') : null,
    e.status === 403 ? h('div', null, 'This token\'s role may not do this.') : null);
}

function loading(text = 'Loading…') {
  return h('div', { class: 'card muted' }, text);
}

function kpi(label, value, sub, attrs = {}) {
  return h('div', { class: 'kpi' }, h('div', { class: 'k' }, label), h('div', { class: 'v', ...attrs }, value), sub ? h('div', { class: 's' }, sub) : null);
}

function card(title, ...children) {
  return h('section', { class: 'card' }, title ? h('h2', null, title) : null, ...children);
}

/**
 * The first `limit` rows drawn by `draw(rows)`, with a button to show them
 * all and back: long lists stay a glance until asked for.
 */
function expandable(rows, limit, draw, noun = 'rows') {
  const box = h('div', null);
  const toggle = h('button', { type: 'button', class: 'link', hidden: rows.length <= limit });
  let all = false;
  const redraw = () => {
    fill(box, draw(all ? rows : rows.slice(0, limit)));
    toggle.textContent = all ? `show the first ${limit}` : `show all ${rows.length} ${noun}`;
  };
  toggle.addEventListener('click', () => {
    all = !all;
    redraw();
  });
  redraw();
  return h('div', null, box, toggle);
}

/** Ids in a human order: "cust2" before "cust10". */
const byId = (a, b) => String(a).localeCompare(String(b), undefined, { numeric: true });

/** A number field's value, or `fallback` when empty. */
function numberOf(input, fallback = null) {
  const v = input.value.trim();
  if (v === '') return fallback;
  const n = Number(v);
  return Number.isFinite(n) ? n : fallback;
}

// The plans this tab made: the API lists no plans of a network, so the
// console remembers the ones it solved (sessionStorage: gone with the tab).
const PLANS_KEY = 'chainplan.plans';
function rememberedPlans(networkId) {
  try {
    return (JSON.parse(sessionStorage.getItem(PLANS_KEY) || '{}')[networkId]) || [];
  } catch {
    return [];
  }
}
function rememberPlan(networkId, entry) {
  let all = {};
  try {
    all = JSON.parse(sessionStorage.getItem(PLANS_KEY) || '{}');
  } catch {
    all = {};
  }
  const list = (all[networkId] || []).filter((p) => p.plan_id !== entry.plan_id);
  list.unshift(entry);
  all[networkId] = list.slice(0, 20);
  sessionStorage.setItem(PLANS_KEY, JSON.stringify(all));
}

// ===========================================================================
// Shell: session, notice, crumbs, router

function showNotice(content, kind = '') {
  const n = $('#notice');
  fill(n, content);
  n.className = `notice ${kind}`;
  n.hidden = false;
}
function hideNotice() {
  $('#notice').hidden = true;
}

async function loadSession() {
  try {
    state.session = await fetchSession();
  } catch (err) {
    state.session = { role: 'unknown', error: err };
  }
  const sess = state.session;
  const badge = $('#session-badge');
  const labels = {
    open: 'open server',
    erp: 'ERP',
    planner: sess.promote ? 'planner · may promote' : 'planner',
    supplier: `supplier ${sess.enterprise || ''}`,
    none: 'not signed in',
    unknown: 'server unreachable',
  };
  badge.textContent = labels[sess.role] || sess.role;
  badge.className = `badge ${sess.role === 'none' || sess.role === 'unknown' ? 'warn' : ''}`;
  $('#sign-out').hidden = !getToken();
  if (sess.role === 'none') showNotice('This server wants a bearer token: paste yours in the box at the top right and sign in.');
  else if (sess.role === 'supplier') showNotice(h('span', null, 'This token belongs to a supplier. Suppliers follow their allocations in the ', h('a', { href: '/portal' }, 'supplier portal'), '.'));
  else if (sess.role === 'unknown') showNotice(errorBox(sess.error));
  else hideNotice();
}

/** May this session promote scenarios? (ERP, a planner granted it, an open server.) */
const mayPromote = () => Boolean(state.session && (state.session.promote || state.session.role === 'erp' || state.session.role === 'open'));

function setCrumbs(parts) {
  const nav = $('#crumbs');
  const nodes = [];
  parts.forEach((p, i) => {
    if (i) nodes.push(h('span', { class: 'sep' }, '›'));
    nodes.push(p.href ? h('a', { href: p.href }, p.label) : h('span', null, p.label));
  });
  fill(nav, nodes);
  document.title = `${parts.map((p) => p.label).join(' · ')} · chainplan`;
}

const ROUTES = [
  [/^#\/networks\/?$/, (ctx) => renderNetworks(ctx)],
  [/^#\/network\/([^/?]+)$/, (ctx, id) => renderNetwork(ctx, id)],
  [/^#\/plan\/([^/?]+)$/, (ctx, id) => renderPlan(ctx, id)],
  [/^#\/scenarios\/([^/?]+)$/, (ctx, id) => renderScenarios(ctx, id)],
];

// Each route draw gets a token; an answer that arrives after the user moved
// on is dropped instead of drawn over the new page.
let routeSeq = 0;

function route() {
  const seq = ++routeSeq;
  const raw = location.hash || '#/networks';
  const [path, query] = raw.split('?');
  const ctx = { alive: () => seq === routeSeq, query: new URLSearchParams(query || '') };
  for (const [re, draw] of ROUTES) {
    const m = path.match(re);
    if (m) {
      draw(ctx, ...m.slice(1).map(decodeURIComponent)).catch((err) => {
        if (ctx.alive()) fill(view, errorBox(err));
      });
      return;
    }
  }
  location.hash = '#/networks';
}

$('#sign-in').addEventListener('submit', async (e) => {
  e.preventDefault();
  setToken($('#token').value);
  $('#token').value = '';
  await loadSession();
  route();
});
$('#sign-out').addEventListener('click', async () => {
  setToken('');
  await loadSession();
  route();
});
window.addEventListener('chainplan:unauthorized', () => {
  showNotice('The server did not accept the token (or got none): paste a bearer token at the top right and sign in.');
});
window.addEventListener('hashchange', route);

// ===========================================================================
// Dialogs

/**
 * A modal confirmation (a real <dialog>, so a test can click its button).
 * Resolves true when confirmed, false when cancelled or escaped.
 */
function confirmDialog({ title, body, confirmLabel = 'Confirm', testid, danger = false }) {
  return new Promise((resolve) => {
    const dlg = h('dialog', { class: 'confirm', 'data-testid': testid ? `${testid}-dialog` : null });
    let settled = false;
    const done = (answer) => {
      if (settled) return;
      settled = true;
      if (dlg.open) dlg.close();
      dlg.remove();
      resolve(answer);
    };
    fill(dlg,
      h('h2', null, title),
      h('div', null, body),
      h('div', { class: 'actions' },
        h('button', { type: 'button', 'data-testid': 'dialog-cancel', onclick: () => done(false) }, 'Cancel'),
        h('button', { type: 'button', class: danger ? 'danger' : 'primary', 'data-testid': testid, onclick: () => done(true) }, confirmLabel)));
    dlg.addEventListener('cancel', (e) => {
      e.preventDefault();
      done(false);
    });
    document.body.appendChild(dlg);
    dlg.showModal();
  });
}

// ===========================================================================
// Documents: an index of a network document for the pages

function roleOf(enterprise) {
  const r = shortEnum(enterprise && enterprise.role, 'ENTERPRISE_ROLE_');
  return ['leader', 'supplier', 'customer', 'logistics'].includes(r) ? r : 'other';
}

/** A PerPeriod's value in period t (scalar or series). */
function perPeriod(pp, t) {
  if (!pp) return 0;
  if (pp.scalar !== undefined) return num(pp.scalar);
  if (pp.series) return num((pp.series.values || [])[t]);
  return 0;
}

function describePerPeriod(pp) {
  if (!pp) return 'unlimited';
  if (pp.scalar !== undefined) return compact(num(pp.scalar));
  const v = (pp.series && pp.series.values) || [];
  return v.length ? `${compact(Math.min(...v))}–${compact(Math.max(...v))} by period` : '–';
}

function push(map, key, value) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
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

const enterpriseOfSite = (ix, siteId) => ix.sites.get(siteId)?.enterprise || '';
const entName = (ix, id) => ix.ents.get(id)?.name || id;

/** A network version's document, indexed; version 0 is the latest (never cached). */
async function loadDoc(networkId, version = 0) {
  const key = `${networkId}@${version}`;
  if (version && state.docs.has(key)) return state.docs.get(key);
  const res = await get(`/networks/${seg(networkId)}${version ? `?version=${version}` : ''}`);
  const ix = indexDoc(res.document || {}, res.network || {});
  state.docs.set(`${networkId}@${int(res.network?.version)}`, ix);
  return ix;
}

/** Every network summary, over all pages. */
async function listNetworks() {
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
function periodTitle(ix, t) {
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

// ===========================================================================
// Plan figures derived from the plan and its document

/**
 * A line's capacity in period t under a plan: 0 in its downtime and while
 * its renovation has it down, times the renovation's capacity factor after.
 */
function capacityAt(ix, line, t, schedule) {
  let c = perPeriod(line.capacity, t);
  if ((line.downtime || []).includes(t)) c = 0;
  const r = ix.renovationByLine.get(line.id);
  if (schedule && schedule.start !== undefined && schedule.start !== null) {
    const start = schedule.start;
    const end = schedule.end ?? start + (r?.duration ?? 1) - 1;
    if (t >= start && t <= end) return 0;
    if (t > end) c *= num(r?.capacity_factor, 1);
  }
  return c;
}

/**
 * Utilisation, bottlenecks and flows of a plan: what the map, the heat map
 * and the side panel colour and label.
 */
function planMetrics(ix, plan) {
  const T = ix.T;
  const schedules = new Map((plan.renovations || []).map((r) => [r.line, r]));
  const lineUse = new Map();
  for (const line of ix.lines.values()) {
    const cap = [];
    for (let t = 0; t < T; t++) cap.push(capacityAt(ix, line, t, schedules.get(line.id)));
    lineUse.set(line.id, { used: new Array(T).fill(0), made: new Array(T).fill(0), cap, items: new Map() });
  }
  for (const p of plan.production || []) {
    const use = lineUse.get(p.line);
    const t = p.period ?? 0;
    if (!use || t >= T) continue;
    const found = ix.ops.get(p.operation);
    const op = found ? found.op : null;
    const q = num(p.qty);
    // Capacity used: load per unit, plus the setup's time when the
    // operation runs (a setup is only paid for in periods it makes).
    use.used[t] += q * num(op?.load, 1) + (q > 0 ? num(op?.setup_time) : 0);
    use.made[t] += q;
    use.items.set(p.item, (use.items.get(p.item) || 0) + q);
  }
  for (const use of lineUse.values()) {
    const used = use.used.reduce((a, b) => a + b, 0);
    const cap = use.cap.reduce((a, b) => a + b, 0);
    use.total = used;
    use.totalCap = cap;
    use.util = cap > 0 ? used / cap : null;
    use.peak = Math.max(0, ...use.used.map((u, t) => (use.cap[t] > 0 ? u / use.cap[t] : 0)));
  }
  const siteUse = new Map();
  for (const [siteId, lines] of ix.linesBySite) {
    let used = 0;
    let cap = 0;
    for (const l of lines) {
      used += lineUse.get(l.id).total;
      cap += lineUse.get(l.id).totalCap;
    }
    siteUse.set(siteId, { used, cap, util: cap > 0 ? used / cap : null });
  }
  // Bottlenecks by resource: the highest shadow price and every period.
  const hot = new Map();
  for (const b of plan.bottlenecks || []) {
    const kind = b.kind === 'RESOURCE_KIND_LANE' ? 'lane' : 'line';
    const key = `${kind}:${b.id}`;
    const entry = hot.get(key) || { kind, id: b.id, max: 0, periods: [] };
    const price = num(b.shadow_price);
    entry.max = Math.max(entry.max, price);
    entry.periods.push({ period: b.period ?? 0, price });
    hot.set(key, entry);
  }
  const laneFlow = new Map();
  for (const sh of plan.shipments || []) laneFlow.set(sh.lane, (laneFlow.get(sh.lane) || 0) + num(sh.qty));
  const siteHot = new Map();
  for (const [siteId, lines] of ix.linesBySite) {
    const m = Math.max(0, ...lines.map((l) => hot.get(`line:${l.id}`)?.max || 0));
    if (m > 0) siteHot.set(siteId, m);
  }
  return { plan, lineUse, siteUse, hot, laneFlow, siteHot, schedules };
}

// ===========================================================================
// Chain map

/** Tier of each site: 0 the leader's, −n n lanes upstream, +n downstream, null unlinked. */
function computeTiers(ix) {
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

function tierLabel(k) {
  if (k === 'x') return 'not linked';
  if (k === 0) return 'leader';
  return k < 0 ? `upstream tier ${-k}` : `downstream ${k}`;
}

function mapStateFor(ix) {
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
function layoutMap(ix, metrics, ms) {
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

/**
 * The chain map with its toolbar and side panel. `metrics` (from
 * planMetrics) colours sites by utilisation and marks bottlenecks; null
 * draws the bare chain.
 */
function chainMap(ix, metrics) {
  if (!ix.sites.size) return h('div', { class: 'muted small', 'data-testid': 'chain-map' }, 'This network has no sites.');
  const ms = mapStateFor(ix);
  const wrap = h('div', { class: 'map-wrap', 'data-testid': 'chain-map' });
  const panel = h('aside', { class: 'side-panel' });
  const siteList = h('datalist', { id: 'site-ids' }, [...ix.sites.keys()].map((id) => h('option', { value: id })));
  const find = h('input', { type: 'search', list: 'site-ids', placeholder: 'find a site', 'data-testid': 'map-find', 'aria-label': 'find a site' });
  const showAll = h('input', { type: 'checkbox', checked: ms.showAll, 'data-testid': 'map-show-all' });

  const select = (siteId) => {
    ms.selected = siteId;
    draw();
    fill(panel, sitePanel(ix, metrics, siteId));
  };
  find.addEventListener('change', () => {
    const id = find.value.trim();
    if (!ix.sites.has(id)) return;
    // Open whatever hides the site, then select it.
    const k = computeTiers(ix).get(id);
    ms.expandedTiers.add(k === null ? 'x' : k);
    ms.expandedEnts.add(enterpriseOfSite(ix, id));
    ms.found = id;
    select(id);
    const box = wrap.querySelector(`[data-site="${CSS.escape(id)}"]`);
    if (box) box.scrollIntoView({ block: 'center', inline: 'center' });
  });
  showAll.addEventListener('change', () => {
    ms.showAll = showAll.checked;
    draw();
  });

  function draw() {
    fill(wrap, drawMap(ix, metrics, ms, {
      onSite: select,
      onEnterprise: (ent) => {
        if (ms.expandedEnts.has(ent)) ms.expandedEnts.delete(ent);
        else ms.expandedEnts.add(ent);
        draw();
        fill(panel, enterprisePanel(ix, metrics, ent));
      },
      onMore: (k) => {
        ms.expandedTiers.add(k);
        draw();
      },
    }));
  }
  draw();
  fill(panel, ms.selected && ix.sites.has(ms.selected) ? sitePanel(ix, metrics, ms.selected) : mapHelp(ix, metrics));

  const ramp = h('span', { class: 'ramp', style: { background: `linear-gradient(90deg, ${[0, 0.5, 0.8, 0.97, 1].map(utilColour).join(',')})` } });
  return h('div', { class: 'map-block' },
    h('div', { class: 'toolbar' },
      find, siteList,
      ix.sites.size > GROUP_ABOVE ? h('label', { class: 'inline' }, showAll, `every site (${ix.sites.size})`) : null,
      h('span', { class: 'grow' }),
      metrics ? h('span', { class: 'util-scale small muted' }, 'utilisation 0 %', ramp, '100 %') : h('span', { class: 'small muted' }, 'pick a plan to colour sites by utilisation'),
      metrics ? h('span', { class: 'small', style: { color: 'var(--bad)' } }, '◆ bottleneck: shadow price') : null),
    h('div', { class: 'map-layout' }, wrap, panel));
}

function mapHelp(ix, metrics) {
  return card('Chain',
    h('p', { class: 'small' }, `${ix.sites.size} sites, ${ix.lanes.size} lanes, ${ix.lines.size} lines. Columns are tiers: the leader in the middle, suppliers upstream to the left, customers downstream to the right.`),
    h('p', { class: 'small muted' }, 'Click a site for its lines and flows.' + (ix.sites.size > GROUP_ABOVE ? ' Boxes with a count group an enterprise\'s sites: click to open them.' : '')),
    metrics ? h('p', { class: 'small muted' }, 'Fill: share of line capacity the plan uses over the horizon. Red outline and ◆: a line or lane whose capacity binds, with its highest shadow price.') : null);
}

const BOX_W = 168;
const BOX_H = 40;
const COL_W = 222;
const ROW_H = 52;
const HEAD = 30;
const PAD = 14;

function drawMap(ix, metrics, ms, handlers) {
  const L = layoutMap(ix, metrics, ms);
  const maxLen = Math.max(1, ...[...L.columns.values()].map((c) => c.length));
  const width = PAD * 2 + (L.colKeys.length - 1) * COL_W + BOX_W + 40;
  const height = HEAD + maxLen * ROW_H + PAD;
  const place = new Map();
  L.colKeys.forEach((k, ci) => {
    const nodes = L.columns.get(k);
    const offset = ((maxLen - nodes.length) * ROW_H) / 2;
    nodes.forEach((n, i) => place.set(n.id, { x: PAD + ci * COL_W, y: HEAD + offset + i * ROW_H, col: ci, node: n }));
  });

  const svg = s('svg', { class: 'chain-map', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'chain map' },
    s('defs', null,
      // Arrow heads in map units, not stroke widths: a busy lane's thick
      // line keeps a small head.
      s('marker', { id: 'cm-arrow', viewBox: '0 0 8 8', refX: 7, refY: 4, markerWidth: 8, markerHeight: 8, markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse' },
        s('path', { d: 'M0,0 L8,4 L0,8 z', fill: '#9aa7b4' })),
      s('marker', { id: 'cm-arrow-hot', viewBox: '0 0 8 8', refX: 7, refY: 4, markerWidth: 9, markerHeight: 9, markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse' },
        s('path', { d: 'M0,0 L8,4 L0,8 z', fill: '#c2412d' }))));

  L.colKeys.forEach((k, ci) => {
    const count = L.columns.get(k).reduce((a, n) => a + n.sites.length, 0);
    svg.appendChild(s('text', { x: PAD + ci * COL_W + BOX_W / 2, y: 16, 'text-anchor': 'middle', class: 'col-head' }, `${tierLabel(k)} · ${count}`));
  });

  // Lanes under the boxes.
  const maxFlow = Math.max(1e-9, ...L.edges.map((e) => e.flow));
  const selectedNode = ms.selected ? L.nodeOfSite.get(ms.selected) : null;
  const lanes = s('g', { class: 'lanes' });
  for (const e of L.edges) {
    const a = place.get(e.from);
    const b = place.get(e.to);
    if (!a || !b) continue;
    const ay = a.y + BOX_H / 2;
    const by = b.y + BOX_H / 2;
    let d;
    if (b.col > a.col) {
      const x1 = a.x + BOX_W;
      const x2 = b.x;
      const dx = (x2 - x1) / 2;
      d = `M${x1},${ay} C${x1 + dx},${ay} ${x2 - dx},${by} ${x2},${by}`;
    } else if (b.col < a.col) {
      // A lane back towards the leader's left (a supplier of two tiers):
      // leave from the left edge, arrive on the right edge.
      const x1 = a.x;
      const x2 = b.x + BOX_W;
      const dx = (x1 - x2) / 2;
      d = `M${x1},${ay} C${x1 - dx},${ay + 18} ${x2 + dx},${by + 18} ${x2},${by}`;
    } else {
      const x = a.x + BOX_W;
      const bulge = 30 + Math.min(60, Math.abs(by - ay) / 4);
      d = `M${x},${ay} C${x + bulge},${ay} ${x + bulge},${by} ${x},${by}`;
    }
    const widthPx = metrics ? 1 + 5 * Math.sqrt(e.flow / maxFlow) : Math.min(6, 1 + Math.log2(e.lanes.length));
    const touches = selectedNode && (e.from === selectedNode || e.to === selectedNode);
    const cls = ['lane', e.price > 0 ? 'hot' : '', selectedNode ? (touches ? 'lit' : 'dim') : ''].join(' ').trim();
    const names = e.lanes.slice(0, 6).map((ln) => `${ln.id} (${(ln.items || []).join(', ')})${metrics ? ` · shipped ${compact(metrics.laneFlow.get(ln.id) || 0)}` : ''}`);
    if (e.lanes.length > 6) names.push(`… ${e.lanes.length - 6} more lanes`);
    const g = s('g', { class: 'lane-group', 'data-lane': e.lanes.length === 1 ? e.lanes[0].id : null },
      s('path', { d, class: cls, 'stroke-width': widthPx.toFixed(1), 'marker-end': e.price > 0 ? 'url(#cm-arrow-hot)' : 'url(#cm-arrow)' }),
      s('title', null, names.join('\n') + (e.price > 0 ? `\nbottleneck: shadow price ${compact(e.price)}` : '')));
    if (e.price > 0) {
      const mx = (Math.min(a.x, b.x) + Math.max(a.x, b.x) + BOX_W) / 2;
      const my = (ay + by) / 2;
      g.appendChild(s('text', { x: mx, y: my - 4, 'text-anchor': 'middle', class: 'price' }, `◆ ${compact(e.price)}`));
    }
    lanes.appendChild(g);
  }
  svg.appendChild(lanes);

  const nodes = s('g', { class: 'nodes' });
  for (const { x, y, node } of place.values()) nodes.appendChild(drawNode(ix, metrics, ms, node, x, y, handlers));
  svg.appendChild(nodes);
  return svg;
}

function drawNode(ix, metrics, ms, node, x, y, handlers) {
  const activate = () => {
    if (node.kind === 'site') handlers.onSite(node.site);
    else if (node.kind === 'enterprise') handlers.onEnterprise(node.enterprise);
    else handlers.onMore(node.tier);
  };
  const onkey = (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      activate();
    }
  };
  const used = node.sites.reduce((a, id) => a + (metrics?.siteUse.get(id)?.used || 0), 0);
  const cap = node.sites.reduce((a, id) => a + (metrics?.siteUse.get(id)?.cap || 0), 0);
  const util = metrics && cap > 0 ? used / cap : null;
  const price = Math.max(0, ...node.sites.map((id) => metrics?.siteHot.get(id) || 0));
  const fillColour = metrics ? utilColour(util) : '#ffffff';

  if (node.kind === 'more') {
    return s('g', { class: 'node more', transform: `translate(${x},${y})`, tabindex: 0, 'data-more-tier': String(node.tier), onclick: activate, onkeydown: onkey },
      s('rect', { class: 'box', width: BOX_W, height: BOX_H, rx: 5 }),
      s('text', { x: 10, y: 16, class: 'title' }, `+ ${node.count} more`),
      s('text', { x: 10, y: 31, class: 'sub' }, `${node.sites.length} sites · click to show all`),
      s('title', null, `${node.count} more boxes in this tier`));
  }

  let attrs;
  let title;
  let sub;
  let tip;
  let role;
  if (node.kind === 'site') {
    const site = ix.sites.get(node.site);
    const ent = ix.ents.get(site.enterprise);
    role = roleOf(ent);
    attrs = { 'data-site': node.site };
    title = node.site;
    sub = `${site.enterprise}${util !== null ? ` · ${pct(util, 0)}` : ''}`;
    tip = [`${node.site}${site.name ? ` — ${site.name}` : ''}`, `enterprise: ${entName(ix, site.enterprise)} (${role})`,
      site.region ? `region: ${site.region}` : '', `lines: ${(ix.linesBySite.get(node.site) || []).length}`,
      util !== null ? `utilisation over the horizon: ${pct(util)}` : '', price ? `bottleneck: shadow price up to ${compact(price)}` : ''].filter(Boolean).join('\n');
  } else {
    role = roleOf(ix.ents.get(node.enterprise));
    attrs = { 'data-enterprise': node.enterprise, 'data-count': String(node.sites.length) };
    title = node.enterprise;
    sub = `${node.sites.length} sites${util !== null ? ` · ${pct(util, 0)}` : ''} · open`;
    tip = `${entName(ix, node.enterprise)} (${role}): ${node.sites.length} sites in this tier; click to show them`;
  }
  const classes = ['node', node.kind === 'enterprise' ? 'group' : '', price > 0 ? 'hot' : '',
    node.kind === 'site' && ms.selected === node.site ? 'selected' : '', node.kind === 'site' && ms.found === node.site ? 'found' : ''].filter(Boolean).join(' ');
  const g = s('g', { ...attrs, class: classes, transform: `translate(${x},${y})`, tabindex: 0, role: 'button', onclick: activate, onkeydown: onkey },
    node.kind === 'enterprise' ? s('rect', { class: 'back', x: 4, y: -4, width: BOX_W, height: BOX_H, rx: 5 }) : null,
    s('rect', { class: 'box', width: BOX_W, height: BOX_H, rx: 5, fill: fillColour }),
    s('rect', { class: `stripe ${role}`, width: 5, height: BOX_H, rx: 2 }),
    s('text', { x: 12, y: 16, class: 'title' }, clip(title, 24)),
    s('text', { x: 12, y: 31, class: 'sub' }, clip(sub, 30)),
    s('title', null, tip));
  if (price > 0) {
    const label = `◆ ${compact(price)}`;
    const w = 10 + label.length * 6;
    g.appendChild(s('g', null,
      s('rect', { class: 'price-bg', x: BOX_W - w + 6, y: -9, width: w, height: 16, rx: 8 }),
      s('text', { x: BOX_W - w / 2 + 6, y: 3, 'text-anchor': 'middle', class: 'price' }, label)));
  }
  return g;
}

/** Per-period utilisation as a row of small coloured cells. */
function spark(use) {
  return h('span', { class: 'spark' }, use.cap.map((c, t) => {
    const u = c > 0 ? use.used[t] / c : null;
    return h('span', { style: { background: c > 0 ? utilColour(u) : '#d5d9de' }, title: `period ${t}: ${c > 0 ? `${pct(u, 0)} (${compact(use.used[t])} of ${compact(c)})` : 'no capacity'}` });
  }));
}

function sitePanel(ix, metrics, siteId) {
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

function enterprisePanel(ix, metrics, ent) {
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

// ===========================================================================
// Solve panel: a SubmitSolve job followed over its event stream

function startSolve(networkId, { version = 0, timeLimit = null } = {}) {
  if (state.solve && state.solve.abort) state.solve.abort();
  const panel = $('#solve-panel');
  panel.hidden = false;
  panel.dataset.done = 'false';
  delete panel.dataset.outcome;
  const solve = { networkId, points: [], abort: null, retries: 0 };
  state.solve = solve;

  const phase = h('span', { class: 'phase' }, 'submitting');
  const elapsed = h('span', { class: 'muted' }, '');
  const gap = h('span', { 'data-testid': 'solve-gap' }, '');
  const chartBox = h('div', { class: 'scroll' });
  const message = h('div', { class: 'status-line' });
  const close = h('button', { type: 'button', class: 'link', onclick: () => { if (solve.abort) solve.abort(); panel.hidden = true; } }, 'close');
  fill(panel,
    h('div', { class: 'head' }, h('strong', null, `Solve · ${networkId}`), phase, elapsed, gap, h('span', { class: 'grow' }), close),
    chartBox, message);

  const redraw = () => {
    const objective = solve.points.map((p) => [p.t, p.obj]);
    const bound = solve.points.map((p) => [p.t, p.bound]);
    fill(chartBox,
      lineChart([
        { name: 'objective', points: objective, colour: PALETTE[0] },
        { name: 'bound', points: bound, colour: PALETTE[1], dash: true },
      ], { width: 640, height: 180, xLabel: 'seconds since submit', xFromZero: true, xFormat: (v) => `${qty(v, 1)}`, yLabel: 'objective' }),
      legend([{ label: 'best objective', colour: PALETTE[0] }, { label: 'best bound', colour: PALETTE[1], dash: true }]));
  };
  redraw();

  const finish = (outcome) => {
    panel.dataset.done = 'true';
    panel.dataset.outcome = outcome;
  };

  const watch = (job, planId) => {
    solve.abort = sse(`/jobs/${seg(job)}/events`, {}, (name, data) => {
      if (state.solve !== solve) return;
      if (name === 'message' && data && data.progress) {
        const p = data.progress;
        const t = num(p.elapsed_seconds);
        phase.textContent = shortEnum(p.phase, 'SOLVE_PHASE_');
        elapsed.textContent = `${qty(t, 1)} s`;
        if (p.gap !== undefined) gap.textContent = `gap ${pct(num(p.gap), 2)}`;
        if (p.best_objective !== undefined || p.bound !== undefined) {
          solve.points.push({ t, obj: p.best_objective !== undefined ? num(p.best_objective) : null, bound: p.bound !== undefined ? num(p.bound) : null });
          redraw();
        }
        solve.lastT = t;
      } else if (name === 'message' && data && data.plan) {
        const plan = data.plan;
        const t = (solve.lastT || 0) + 0.001;
        if (plan.objective !== undefined) {
          solve.points.push({ t, obj: num(plan.objective), bound: plan.bound !== undefined ? num(plan.bound) : null });
          redraw();
        }
        phase.textContent = `done: ${statusName(plan.status)}`;
        if (plan.gap !== undefined) gap.textContent = `gap ${pct(num(plan.gap), 2)}`;
        rememberPlan(networkId, { plan_id: planId, status: plan.status, objective: plan.objective, at: new Date().toISOString() });
        fill(message, 'Plan ', h('a', { href: `#/plan/${encodeURIComponent(planId)}` }, planId), ` · ${statusName(plan.status)} · objective ${compact(num(plan.objective, NaN))}`);
        finish('plan');
        location.hash = `#/plan/${encodeURIComponent(planId)}`;
      } else if (name === 'error') {
        phase.textContent = 'failed';
        fill(message, errorBox(data));
        finish('error');
      } else if (name === 'end' && panel.dataset.done !== 'true') {
        // The stream broke before the plan: watching a job again sends what
        // is left (or the plan at once when it has finished).
        if (solve.retries++ < 3) setTimeout(() => state.solve === solve && watch(job, planId), 1000);
        else {
          fill(message, 'The progress stream ended early. ', h('a', { href: `#/plan/${encodeURIComponent(planId)}` }, 'Open the plan'));
          finish('error');
        }
      }
    });
  };

  const body = { options: {} };
  if (version) body.network_version = version;
  if (timeLimit) body.options.time_limit_seconds = timeLimit;
  post(`/networks/${seg(networkId)}/jobs`, body).then((job) => {
    if (state.solve !== solve) return;
    phase.textContent = 'queued';
    fill(message, h('span', { class: 'muted small' }, `job ${job.job_id} · network version ${int(job.network_version)} · plan ${job.plan_id}`));
    watch(job.job_id, job.plan_id);
  }, (err) => {
    phase.textContent = 'refused';
    fill(message, errorBox(err));
    finish('error');
  });
}

// ===========================================================================
// Page: networks

async function renderNetworks(ctx) {
  setCrumbs([{ label: 'Networks' }]);
  fill(view, loading('Loading networks…'));
  const list = await listNetworks();
  if (!ctx.alive()) return;
  if (!list.length) {
    fill(view, card('Networks', h('p', { class: 'muted' }, 'No network is stored yet. The ERP stores one with PUT /api/v1/networks/{network_id}.')));
    return;
  }
  fill(view, card('Networks', table([
    { label: 'network', render: (n) => h('a', { href: `#/network/${encodeURIComponent(n.network_id)}`, 'data-testid': 'network-link', 'data-network': n.network_id }, n.network_id) },
    { label: 'name', render: (n) => n.latest?.name || '' },
    { label: 'latest version', num: true, render: (n) => String(int(n.latest?.version)) },
    { label: 'change', render: (n) => h('span', { title: n.latest?.reason || '' }, shortEnum(n.latest?.change, 'NETWORK_CHANGE_KIND_')) },
    { label: 'stored', render: (n) => when(n.latest?.created_at) },
    { label: 'periods', num: true, render: (n) => String(n.latest?.periods ?? 0) },
    { label: 'sites', num: true, render: (n) => String(n.latest?.sites ?? 0) },
    { label: 'lines', num: true, render: (n) => String(n.latest?.lines ?? 0) },
    { label: 'demands', num: true, render: (n) => String(n.latest?.demands ?? 0) },
    { label: 'committed plan', render: (n) => (n.published_plan_id ? h('a', { href: `#/plan/${encodeURIComponent(n.published_plan_id)}`, title: n.published_plan_id }, shortId(n.published_plan_id)) : h('span', { class: 'muted' }, 'none')) },
    { label: 'publish version', num: true, render: (n) => String(int(n.publish_version)) },
    { label: 'published', render: (n) => (n.published_at ? when(n.published_at) : '–') },
    { label: '', render: (n) => h('a', { href: `#/scenarios/${encodeURIComponent(n.network_id)}` }, 'scenarios') },
  ], list)));
}

// ===========================================================================
// Page: a network (chain map, solve, re-plan)

async function renderNetwork(ctx, networkId) {
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
    h('div', { class: 'row' }, replanCard(networkId, summary, ix), policyCard(networkId, ix)));
  if (planSelect.value) showMap();
}

function replanCard(networkId, summary, ix) {
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

function policyCard(networkId, ix) {
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

// ===========================================================================
// Page: a plan

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

async function renderPlan(ctx, planId) {
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

function planHeader(planId, info, plan) {
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

const COST_TERMS = [
  ['production', 'production'], ['setup', 'setup'], ['transport', 'transport'], ['holding', 'holding'],
  ['late', 'late penalties'], ['unmet', 'unmet penalties'], ['safety', 'safety penalties'], ['carbon', 'carbon'],
  ['renovation_window', 'renovation window'],
];

function costCard(plan) {
  const cost = plan.cost || {};
  const items = COST_TERMS.map(([k, label]) => ({ label, value: num(cost[k]) })).filter((it) => it.value !== 0);
  return card('Cost breakdown',
    items.length ? barChart(items, { width: 520 }) : h('div', { class: 'muted small' }, 'no cost'),
    h('div', { class: 'small muted' }, `objective ${compact(num(plan.objective, NaN))}`));
}

function serviceCard(ix, plan) {
  // Per customer: the enterprise of the site each demand is due at.
  const delivered = new Map();
  for (const d of plan.deliveries || []) {
    const e = delivered.get(d.demand) || { onTime: 0, late: 0 };
    if ((d.late_by ?? 0) > 0) e.late += num(d.qty);
    else e.onTime += num(d.qty);
    delivered.set(d.demand, e);
  }
  const byCustomer = new Map();
  for (const d of ix.demands.values()) {
    const ent = enterpriseOfSite(ix, d.site) || d.site;
    const c = byCustomer.get(ent) || { customer: ent, demand: 0, onTime: 0, late: 0, unmet: 0 };
    const got = delivered.get(d.id) || { onTime: 0, late: 0 };
    c.demand += num(d.qty);
    c.onTime += got.onTime;
    c.late += got.late;
    c.unmet += Math.max(0, num(d.qty) - got.onTime - got.late);
    byCustomer.set(ent, c);
  }
  const rows = [...byCustomer.values()].sort((a, b) => b.demand - a.demand);
  if (!rows.length) return card('Service per customer', h('div', { class: 'muted small' }, 'no demands'));
  const shown = rows.slice(0, 30);
  return card('Service per customer',
    stackedBars(shown.map((c) => ({
      label: c.customer,
      parts: [{ name: 'on time', value: c.onTime, colour: '#3a9d5d' }, { name: 'late', value: c.late, colour: '#d9822b' }, { name: 'unmet', value: c.unmet, colour: '#c2412d' }],
      valueText: pct(c.demand ? c.onTime / c.demand : 1, 0),
    })), { share: true, width: 520 }),
    legend([{ label: 'on time', colour: '#3a9d5d' }, { label: 'late', colour: '#d9822b' }, { label: 'unmet', colour: '#c2412d' }]),
    table([
      { label: 'customer', key: 'customer' },
      { label: 'demand', num: true, render: (c) => compact(c.demand) },
      { label: 'on time', num: true, render: (c) => compact(c.onTime) },
      { label: 'late', num: true, render: (c) => compact(c.late) },
      { label: 'unmet', num: true, render: (c) => compact(c.unmet) },
      { label: 'on-time rate', num: true, render: (c) => pct(c.demand ? c.onTime / c.demand : 1) },
    ], shown, { className: 'grid compact' }),
    rows.length > shown.length ? h('div', { class: 'small muted' }, `${rows.length - shown.length} more customers not shown`) : null);
}

function productionCard(ix, metrics) {
  const box = h('div', { class: 'scroll' });
  const lines = [...ix.lines.values()];
  let all = lines.length <= ROWS_MAX;
  const toggle = h('button', { type: 'button', class: 'link', hidden: lines.length <= ROWS_MAX });
  const periods = Array.from({ length: ix.T }, (_, t) => String(t));
  const draw = () => {
    // Many lines: the busiest first, so the red shows without scrolling.
    const ordered = all ? lines : [...lines].sort((a, b) => (metrics.lineUse.get(b.id).peak - metrics.lineUse.get(a.id).peak)).slice(0, ROWS_MAX);
    fill(box, heatMap(ordered.map((l) => {
      const use = metrics.lineUse.get(l.id);
      return {
        label: l.id,
        title: `${l.id} at ${l.site}: makes ${[...new Set((l.operations || []).map((o) => o.item))].join(', ')}`,
        attrs: { 'data-line': l.id },
        cells: use.cap.map((c, t) => {
          const u = c > 0 ? use.used[t] / c : null;
          return {
            colour: c > 0 ? utilColour(u) : '#dfe3e8',
            text: c > 0 ? (use.used[t] > 0 ? String(Math.round(u * 100)) : '') : 'down',
            title: `${l.id} · ${periodTitle(ix, t)}: ${c > 0 ? `${compact(use.made[t])} made, ${compact(use.used[t])} of ${compact(c)} capacity (${pct(u, 0)})` : 'no capacity (down)'}`,
          };
        }),
      };
    }), periods, { cellWidth: Math.max(24, Math.min(44, Math.floor(900 / Math.max(1, ix.T)))) }));
    toggle.textContent = all ? `show the ${ROWS_MAX} busiest` : `show all ${lines.length} lines`;
  };
  toggle.addEventListener('click', () => {
    all = !all;
    draw();
  });
  draw();
  return card('Production: line utilisation by period (%)', box, h('div', { class: 'toolbar' }, legend([{ label: 'room', colour: utilColour(0.2) }, { label: 'filling', colour: utilColour(0.85) }, { label: 'full', colour: utilColour(1) }, { label: 'down', colour: '#dfe3e8' }]), toggle));
}

function stockCard(ix, plan) {
  const byItem = new Map();
  for (const st of plan.stock || []) push(byItem, st.item, st);
  const items = [...byItem.keys()].sort();
  if (!items.length) return card('Stock over time', h('div', { class: 'muted small' }, 'no stock held'));
  const select = h('select', { 'data-testid': 'stock-item', 'aria-label': 'item' }, items.map((it) => h('option', { value: it }, ix.items.get(it)?.name ? `${it} — ${ix.items.get(it).name}` : it)));
  const box = h('div', { class: 'scroll' });
  const draw = () => {
    const item = select.value;
    const bySite = new Map();
    for (const st of byItem.get(item) || []) {
      const arr = bySite.get(st.site) || new Array(ix.T).fill(0);
      if ((st.period ?? 0) < ix.T) arr[st.period ?? 0] = num(st.qty);
      bySite.set(st.site, arr);
    }
    const sites = [...bySite.entries()].sort((a, b) => Math.max(...b[1]) - Math.max(...a[1])).slice(0, 8);
    const series = sites.map(([site, arr], i) => ({ name: site, colour: PALETTE[i % PALETTE.length], points: arr.map((v, t) => [t, v]) }));
    const targets = sites.map(([site], i) => ({ site, i, safety: num(ix.stocks.get(`${site}|${item}`)?.safety) })).filter((x) => x.safety > 0);
    for (const tg of targets) series.push({ name: `${tg.site} safety`, colour: PALETTE[tg.i % PALETTE.length], dash: true, points: Array.from({ length: ix.T }, (_, t) => [t, tg.safety]) });
    const unit = ix.items.get(item)?.unit;
    fill(box,
      lineChart(series, { width: 760, height: 240, xLabel: ix.doc.horizon?.period || 'period', yLabel: unit ? `units (${unit})` : 'units', yFromZero: true, xTicks: Array.from({ length: ix.T }, (_, t) => t), xFormat: (v) => String(v), markers: ix.T <= 30 }),
      legend([...sites.map(([site], i) => ({ label: site, colour: PALETTE[i % PALETTE.length] })), ...(targets.length ? [{ label: 'safety target', colour: '#66737f', dash: true }] : [])]),
      bySite.size > sites.length ? h('div', { class: 'small muted' }, `the 8 largest of ${bySite.size} sites holding it`) : null);
  };
  select.addEventListener('change', draw);
  draw();
  return card('Stock over time', h('div', { class: 'toolbar' }, h('label', { class: 'inline' }, 'item', select)), box);
}

/** Runs of consecutive periods: [1,2,3,7] → [[1,3],[7,7]]. */
function runs(periods) {
  const sorted = [...new Set(periods)].sort((a, b) => a - b);
  const out = [];
  for (const p of sorted) {
    const last = out[out.length - 1];
    if (last && p === last[1] + 1) last[1] = p;
    else out.push([p, p]);
  }
  return out;
}

/**
 * The renovation timeline: a row per line, the downtime the plan chose as a
 * solid bar (`data-renovation`, `data-start`, `data-end`), the window it
 * could have started in as a light band, the line's own downtime hatched.
 */
function renovationTimeline(ix, plan) {
  const schedules = plan.renovations || [];
  const byLine = new Map();
  for (const r of ix.renovations.values()) byLine.set(r.line, { doc: r, plan: null });
  for (const r of schedules) {
    const e = byLine.get(r.line) || { doc: ix.renovations.get(r.id) || null, plan: null };
    e.plan = r;
    byLine.set(r.line, e);
  }
  const lines = [...ix.lines.values()];
  const downLines = lines.filter((l) => (l.downtime || []).length);
  // Small chains: every line, renovated ones first. Large: only those with
  // a renovation or a downtime.
  const startOf = (l) => byLine.get(l.id)?.plan?.start ?? byLine.get(l.id)?.doc?.earliest ?? Infinity;
  const renovated = lines.filter((l) => byLine.has(l.id)).sort((a, b) => startOf(a) - startOf(b));
  const others = lines.filter((l) => !byLine.has(l.id));
  let rows = [...renovated, ...(lines.length <= ROWS_MAX ? others : others.filter((l) => downLines.includes(l)))];
  rows = rows.map((l) => {
    const e = byLine.get(l.id);
    const items = [];
    if (e && e.doc) {
      const r = e.doc;
      const lastEnd = (r.latest ?? 0) + (r.duration ?? 1) - 1;
      items.push({ start: r.earliest ?? 0, end: lastEnd, kind: 'window',
        title: `${r.id}: may start in periods ${r.earliest ?? 0}–${r.latest ?? 0}, down ${r.duration ?? 1} period(s)${r.optional ? ' · optional' : ''}${(r.after || []).length ? ` · after ${r.after.join(', ')}` : ''}${r.group ? ` · group ${r.group}` : ''}` });
    }
    for (const [a, b] of runs(l.downtime || [])) items.push({ start: a, end: b, kind: 'downtime', title: `${l.id} down (document downtime) in periods ${a}–${b}` });
    if (e && e.plan) {
      const r = e.plan;
      if (r.start !== undefined && r.start !== null) {
        const end = r.end ?? r.start;
        const d = e.doc;
        items.push({ start: r.start, end, kind: 'scheduled', text: r.id,
          attrs: { 'data-renovation': r.id, 'data-start': String(r.start), 'data-end': String(end), 'data-line': r.line },
          title: `${r.id}: ${l.id} down in periods ${r.start}–${end}${d ? ` · capacity ×${num(d.capacity_factor, 1)}, cost ×${num(d.cost_factor, 1)}, CO2 ×${num(d.co2_factor, 1)} after` : ''}` });
      } else {
        const d = e.doc;
        items.push({ start: d ? d.earliest ?? 0 : 0, end: d ? (d.latest ?? 0) + (d.duration ?? 1) - 1 : ix.T - 1, kind: 'skipped', text: `${r.id}: not done`, title: `${r.id} (optional) is left out of this plan` });
      }
    }
    return { label: l.id, title: `${l.id} at ${l.site}`, items };
  });
  const chosen = schedules.filter((r) => r.start !== undefined && r.start !== null).length;
  return h('section', { class: 'card' },
    h('h2', null, 'Renovation timeline'),
    h('div', { class: 'small muted' }, `${chosen} of ${schedules.length} renovations scheduled · periods are ${ix.doc.horizon?.period || 'periods'}s${ix.doc.horizon?.start ? ` from ${ix.doc.horizon.start}` : ''}`),
    h('div', { class: 'scroll', 'data-testid': 'renovation-timeline' },
      rows.length ? timeline(rows, ix.T, { cellWidth: Math.max(26, Math.min(56, Math.floor(1000 / Math.max(1, ix.T)))), periodLabel: (t) => String(t) }) : h('div', { class: 'muted small' }, 'no renovations and no downtime')),
    legend([{ label: 'renovation downtime (chosen)', colour: '#2f6db5' }, { label: 'start window + duration', colour: '#b6cde8' }, { label: 'line downtime', colour: '#9aa3ad' }]));
}

function bottleneckCard(ix, plan) {
  const list = plan.bottlenecks || [];
  if (!list.length) return card('Bottlenecks', h('div', { class: 'muted small' }, 'no binding capacity'));
  const byResource = new Map();
  for (const b of list) {
    const key = `${b.kind}:${b.id}`;
    byResource.set(key, Math.max(byResource.get(key) || 0, num(b.shadow_price)));
  }
  const top = [...byResource.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12);
  const where = (b) => (b.kind === 'RESOURCE_KIND_LANE' ? `${ix?.lanes.get(b.id)?.from ?? ''} → ${ix?.lanes.get(b.id)?.to ?? ''}` : ix?.lines.get(b.id)?.site ?? '');
  return card('Bottlenecks',
    h('div', { class: 'small muted' }, 'What one more unit of capacity would save, in the periods it binds. Highest price per resource:'),
    barChart(top.map(([key, v]) => ({ label: key.split(':').slice(1).join(':'), value: v, colour: '#c2412d' })), { width: 480 }),
    expandable(list, 25, (shown) => table([
      { label: 'kind', render: (b) => shortEnum(b.kind, 'RESOURCE_KIND_') },
      { label: 'id', render: (b) => h('span', { title: where(b) }, b.id) },
      { label: 'period', num: true, render: (b) => String(b.period ?? 0) },
      { label: 'shadow price', num: true, render: (b) => h('span', { title: String(num(b.shadow_price)) }, compact(num(b.shadow_price))) },
    ], shown, { className: 'grid compact', rowAttrs: (b) => ({ 'data-bottleneck': b.id, 'data-period': String(b.period ?? 0) }) }), 'bottlenecks'));
}

function explanationTable(ix, ex) {
  const demands = ex.demands || [];
  if (!demands.length) return h('div', { class: 'muted small' }, 'Every demand is delivered on time.');
  return expandable(demands, 25, (shown) => table([
      { label: 'demand', key: 'demand' },
      { label: 'customer', render: (d) => (ix ? enterpriseOfSite(ix, d.site) : d.site) },
      { label: 'item', key: 'item' },
      { label: 'due', num: true, render: (d) => String(d.period ?? 0) },
      { label: 'qty', num: true, render: (d) => compact(num(d.qty)) },
      { label: 'late', num: true, render: (d) => compact(num(d.outcome?.late)) },
      { label: 'unmet', num: true, render: (d) => compact(num(d.outcome?.unmet)) },
      { label: 'late by', num: true, render: (d) => String(d.late_by ?? 0) },
      { label: 'binding behind it', render: (d) => h('span', { class: 'small', title: (d.binding || []).map((b) => `${b.id} period ${b.period ?? 0}: ${num(b.shadow_price)}`).join('\n') },
        (d.binding || []).slice(0, 3).map((b) => `${b.id} @${b.period ?? 0} ◆${compact(num(b.shadow_price))}`).join(', ') + ((d.binding || []).length > 3 ? ' …' : '')) },
    ], shown, { className: 'grid compact', rowAttrs: (d) => ({ 'data-demand': d.demand }) }), 'late or unmet demands');
}

function allocationsCard(plan) {
  const rows = (plan.allocations || []).map((a) => {
    let made = 0;
    let shipped = 0;
    for (const e of a.entries || []) {
      if (e.kind === 'ALLOCATION_KIND_SHIP') shipped += num(e.qty);
      else made += num(e.qty);
    }
    return { enterprise: a.enterprise, entries: (a.entries || []).length, made, shipped };
  });
  if (!rows.length) return null;
  rows.sort((a, b) => b.made + b.shipped - (a.made + a.shipped));
  return card('Allocations per supplier', expandable(rows, 15, (shown) => table([
    { label: 'supplier', key: 'enterprise' },
    { label: 'entries', num: true, render: (r) => String(r.entries) },
    { label: 'units to make', num: true, render: (r) => compact(r.made) },
    { label: 'units to ship', num: true, render: (r) => compact(r.shipped) },
  ], shown, { className: 'grid compact' }), 'suppliers'));
}

function outcomeText(o) {
  const x = o || {};
  return `${compact(num(x.on_time))} / ${compact(num(x.late))} / ${compact(num(x.unmet))}`;
}

function replanImpact(impact, ix) {
  const affected = impact.affected_demands || [];
  const changed = impact.changed_suppliers || [];
  const region = impact.region;
  const worse = (d) => num(d.after?.unmet) - num(d.before?.unmet) + (num(d.after?.late) - num(d.before?.late)) * 0.5;
  return h('section', { class: 'card', 'data-testid': 'replan-impact' },
    h('h2', null, 'Re-plan impact'),
    h('div', { class: 'small' }, 'Against the published plan ', h('a', { href: `#/plan/${encodeURIComponent(impact.base_plan_id || '')}` }, shortId(impact.base_plan_id)),
      ` · frozen before period ${impact.freeze_until ?? 0} · penalty ${compact(num(impact.stability_penalty))} per unit · ${compact(num(impact.units_changed))} units changed`),
    region ? h('div', { class: 'small muted' }, `Repaired over ${(region.sites || []).length} sites (widened ${region.widenings ?? 0} times)${region.proven_optimal ? ', proven optimal for the whole chain' : ''}.`) : null,
    h('h3', null, `Affected demands (${affected.length}) · on time / late / unmet`),
    affected.length ? expandable([...affected].sort((a, b) => worse(b) - worse(a)), 15, (shown) => table([
      { label: 'demand', key: 'demand' },
      { label: 'customer', render: (d) => (ix ? enterpriseOfSite(ix, ix.demands.get(d.demand)?.site) : '') },
      { label: 'because of', render: (d) => (d.causes || []).join(', ') },
      { label: 'before', num: true, render: (d) => outcomeText(d.before) },
      { label: 'after', num: true, render: (d) => outcomeText(d.after) },
      { label: '', render: (d) => { const w = worse(d); return w > 1e-6 ? h('span', { class: 'bad' }, 'worse') : w < -1e-6 ? h('span', { class: 'good' }, 'better') : ''; } },
    ], shown, { className: 'grid compact', rowAttrs: (d) => ({ 'data-demand': d.demand }) }), 'affected demands') : h('div', { class: 'muted small' }, 'none'),
    h('h3', null, `Suppliers whose allocation changes (${changed.length})`),
    changed.length ? h('div', null, changed.map((c) => {
      const ch = c.delta?.changes || [];
      const units = ch.reduce((a, x) => a + Math.abs(num(x.qty_after) - num(x.qty_before)), 0);
      return h('details', null,
        h('summary', null, `${c.enterprise}: ${ch.length} entries, ${compact(units)} units`),
        table([
          { label: 'kind', render: (x) => shortEnum(x.kind, 'ALLOCATION_KIND_') },
          { label: 'resource', key: 'resource' },
          { label: 'item', key: 'item' },
          { label: 'period', num: true, render: (x) => String(x.period ?? 0) },
          { label: 'before', num: true, render: (x) => compact(num(x.qty_before)) },
          { label: 'after', num: true, render: (x) => compact(num(x.qty_after)) },
        ], ch.slice(0, 100), { className: 'grid compact' }));
    })) : h('div', { class: 'muted small' }, 'none'),
    (impact.unchanged_suppliers || []).length ? h('div', { class: 'small muted' }, `Unchanged: ${impact.unchanged_suppliers.join(', ')}`) : null);
}

function renovationAnswersCard(planId) {
  const box = h('div', null);
  const button = h('button', { type: 'button', 'data-testid': 'renovation-answers-button' }, 'Answer for the renovations');
  button.addEventListener('click', async () => {
    button.disabled = true;
    fill(box, h('span', { class: 'muted small' }, 'working (this re-solves with one more budget step)…'));
    try {
      const r = await post(`/plans/${seg(planId)}/renovation-answers`, {});
      const step = r.budget_step;
      fill(box,
        table([
          { label: 'renovation', key: 'id' },
          { label: 'line', key: 'line' },
          { label: 'down', render: (a) => (a.start !== undefined ? `${a.start}–${a.end ?? a.start}` : 'not done') },
          { label: 'net capex', num: true, render: (a) => compact(num(a.net_capex)) },
          { label: 'capacity lost', num: true, render: (a) => compact(num(a.capacity_lost)) },
          { label: 'gained', num: true, render: (a) => compact(num(a.capacity_gained)) },
          { label: 'cost saved', num: true, render: (a) => compact(num(a.cost_saved)) },
          { label: 'CO2 saved', num: true, render: (a) => compact(num(a.co2_saved)) },
          { label: 'delayed demands', render: (a) => String((a.delayed_demands || []).length) },
        ], r.renovations || [], { className: 'grid compact' }),
        step ? h('p', { class: 'small' }, `One more budget step of ${compact(num(step.step))} (budget ${compact(num(step.budget))}): objective ${compact(num(step.objective_before, NaN))} → ${compact(num(step.objective_after, NaN))}`,
          (step.moved || []).length ? `; moves ${step.moved.map((m) => `${m.id} ${m.start_before ?? '–'}→${m.start_after ?? '–'}`).join(', ')}` : '') : null);
    } catch (err) {
      fill(box, errorBox(err));
    } finally {
      button.disabled = false;
    }
  });
  return card('Renovation programme', h('p', { class: 'small muted' }, 'Each renovation\'s capex, capacity lost and gained, savings and the demands its downtime delayed; and what one more budget step would change.'), button, box);
}

// ===========================================================================
// Page: scenario workspace

// The kinds of change a scenario form builds: each names its fields (ids
// taken from the document) and how the values become a ScenarioChange.
const POLICY_FIELDS = ['carbon_price', 'carbon_cap', 'safety_penalty', 'late_penalty', 'unmet_penalty', 'renovation_budget', 'max_concurrent_renovations'];

function changeKinds(ix) {
  const ids = (m) => [...m.keys()].sort(byId);
  const customers = [...ix.ents.values()].filter((e) => roleOf(e) === 'customer').map((e) => e.id).sort();
  // Suppliers first: an outage of one is the usual question.
  const rank = (e) => (roleOf(e) === 'supplier' ? 0 : 1);
  const suppliers = [...ix.ents.values()].filter((e) => roleOf(e) !== 'customer').sort((a, b) => rank(a) - rank(b) || byId(a.id, b.id)).map((e) => e.id);
  const lastPeriod = Math.max(0, ix.T - 1);
  const first = { name: 'first', label: 'first period', type: 'int', value: Math.min(1, lastPeriod) };
  const last = { name: 'last', label: 'last period', type: 'int', value: Math.min(3, lastPeriod) };
  const periods = (v) => ({ first: v.first, last: v.last });
  const targets = { enterprise: suppliers, site: ids(ix.sites), line: ids(ix.lines), lane: ids(ix.lanes), item: ids(ix.items) };
  const scopeTarget = (scopes) => [
    { name: 'scope', label: 'scope', type: 'select', options: () => scopes, rebuild: true },
    { name: 'target', label: 'which', type: 'select', options: (v) => targets[v.scope] || [], hidden: (v) => v.scope === 'all' },
  ];
  const renovation = { name: 'renovation', label: 'renovation', type: 'select', options: () => ids(ix.renovations) };
  return {
    outage: { label: 'outage (enterprise, site or line)', fields: [...scopeTarget(['enterprise', 'site', 'line']), first, last],
      build: (v) => ({ outage: { [v.scope]: v.target, periods: periods(v) } }) },
    capacity_factor: { label: 'capacity factor (line or lane)', fields: [...scopeTarget(['line', 'lane']), first, last, { name: 'factor', label: 'factor', type: 'number', value: 0.5 }],
      build: (v) => ({ capacity_factor: { [v.scope]: v.target, periods: periods(v), factor: v.factor } }) },
    demand_scale: { label: 'demand scale', fields: [
      { name: 'item', label: 'item (any)', type: 'select', options: () => ['', ...ids(ix.items)], optional: true },
      { name: 'site', label: 'site (any)', type: 'select', options: () => ['', ...[...ix.demandsBySite.keys()].sort()], optional: true },
      { name: 'customer', label: 'customer (any)', type: 'select', options: () => ['', ...customers], optional: true },
      { ...first, label: 'due from (any)', value: '', optional: true }, { ...last, label: 'due to (any)', value: '', optional: true },
      { name: 'factor', label: 'factor', type: 'number', value: 1.2 }],
    build: (v) => {
      const c = { factor: v.factor };
      if (v.item) c.item = v.item;
      if (v.site) c.site = v.site;
      if (v.customer) c.customer = v.customer;
      if (v.first !== null && v.last !== null) c.periods = periods(v);
      return { demand_scale: c };
    } },
    carbon_price: { label: 'carbon price', fields: [{ name: 'value', label: 'price per unit CO2', type: 'number', value: num(ix.doc.policy?.carbon_price) * 2 || 0.1 }],
      build: (v) => ({ carbon_price: v.value }) },
    carbon_cap: { label: 'carbon cap', fields: [{ name: 'value', label: 'cap (empty: none)', type: 'number', value: '', optional: true }],
      build: (v) => ({ carbon_cap: v.value === null ? {} : { cap: v.value } }) },
    lane_closure: { label: 'lane closure', fields: [{ name: 'lane', label: 'lane', type: 'select', options: () => ids(ix.lanes) }, first, last],
      build: (v) => ({ lane_closure: { lane: v.lane, periods: periods(v) } }) },
    lead_time: { label: 'lead time', fields: [{ name: 'lane', label: 'lane', type: 'select', options: () => ids(ix.lanes) }, { name: 'lead_time', label: 'lead time (periods)', type: 'int', value: 2 }],
      build: (v) => ({ lead_time: { lane: v.lane, lead_time: v.lead_time } }) },
    force_renovation: { label: 'renovation forced to a start', fields: [renovation, { name: 'start', label: 'start period', type: 'int', value: Math.min(5, lastPeriod) }],
      build: (v) => ({ force_renovation: { id: v.renovation, start: v.start } }) },
    move_renovation: { label: 'renovation window moved', fields: [renovation, { name: 'earliest', label: 'earliest start', type: 'int', value: 0 }, { name: 'latest', label: 'latest start', type: 'int', value: lastPeriod }],
      build: (v) => ({ move_renovation: { id: v.renovation, earliest: v.earliest, latest: v.latest } }) },
    remove_renovation: { label: 'renovation dropped', fields: [renovation], build: (v) => ({ remove_renovation: v.renovation }) },
    cost_factor: { label: 'cost / CO2 factor', fields: [...scopeTarget(['all', 'line', 'lane', 'item']),
      { name: 'cost_factor', label: 'cost factor (empty: 1)', type: 'number', value: 1.1, optional: true },
      { name: 'co2_factor', label: 'CO2 factor (empty: 1)', type: 'number', value: '', optional: true }],
    build: (v) => {
      const c = v.scope === 'all' ? { all: true } : { [v.scope]: v.target };
      if (v.cost_factor !== null) c.cost_factor = v.cost_factor;
      if (v.co2_factor !== null) c.co2_factor = v.co2_factor;
      return { cost_factor: c };
    } },
    add_demand: { label: 'new order', fields: [
      { name: 'id', label: 'demand id', type: 'text', value: 'what-if-order' },
      { name: 'site', label: 'site', type: 'select', options: () => [...new Set([...ix.demandsBySite.keys(), ...ids(ix.sites)])] },
      { name: 'item', label: 'item', type: 'select', options: () => ids(ix.items) },
      { name: 'period', label: 'due period', type: 'int', value: Math.min(6, lastPeriod) },
      { name: 'qty', label: 'quantity', type: 'number', value: 100 }],
    build: (v) => ({ add_demand: { id: v.id, site: v.site, item: v.item, period: v.period, qty: v.qty } }) },
    remove_demand: { label: 'order removed', fields: [{ name: 'demand', label: 'demand', type: 'select', options: () => ids(ix.demands) }],
      build: (v) => ({ remove_demand: v.demand }) },
    set_policy: { label: 'policy value', fields: [
      { name: 'field', label: 'field', type: 'select', options: () => POLICY_FIELDS },
      { name: 'value', label: 'value (empty: clear)', type: 'number', value: '', optional: true }],
    build: (v) => ({ set_policy: v.value === null ? { field: v.field } : { field: v.field, value: v.value } }) },
  };
}

const range = (p) => (p ? `${p.first ?? 0}–${p.last ?? 0}` : 'all periods');

/** A ScenarioChange in words. */
function describeChange(c) {
  const [kind, v] = Object.entries(c)[0] || ['?', {}];
  const scope = (x, keys) => keys.map((k) => (x[k] !== undefined ? `${k} ${x[k] === true ? '' : x[k]}`.trim() : null)).find(Boolean) || '';
  switch (kind) {
    case 'outage': return `outage of ${scope(v, ['enterprise', 'site', 'line'])}, periods ${range(v.periods)}`;
    case 'capacity_factor': return `capacity ×${num(v.factor)} on ${scope(v, ['line', 'lane'])}, periods ${range(v.periods)}`;
    case 'lane_closure': return `lane ${v.lane} closed, periods ${range(v.periods)}`;
    case 'lead_time': return `lane ${v.lane} lead time ${v.lead_time ?? 0}`;
    case 'demand_scale': return `demand ×${num(v.factor)}${v.item ? ` of ${v.item}` : ''}${v.site ? ` at ${v.site}` : ''}${v.customer ? ` for ${v.customer}` : ''}${v.periods ? `, due ${range(v.periods)}` : ''}`;
    case 'add_demand': return `new order ${v.id}: ${num(v.qty)} ${v.item} at ${v.site}, due ${v.period ?? 0}`;
    case 'remove_demand': return `order ${v} removed`;
    case 'cost_factor': return `cost ×${num(v.cost_factor, 1)}, CO2 ×${num(v.co2_factor, 1)} on ${scope(v, ['all', 'line', 'lane', 'item']) || 'all'}`;
    case 'carbon_price': return `carbon price ${num(v)}`;
    case 'carbon_cap': return v.cap !== undefined ? `carbon cap ${compact(num(v.cap))}` : 'no carbon cap';
    case 'add_renovation': return `new renovation ${v.id}`;
    case 'remove_renovation': return `renovation ${v} dropped`;
    case 'move_renovation': return `renovation ${v.id} window ${v.earliest ?? 0}–${v.latest ?? 0}`;
    case 'force_renovation': return `renovation ${v.id} starts in ${v.start ?? 0}`;
    case 'set_policy': return `policy ${v.field} = ${v.value !== undefined ? num(v.value) : 'cleared'}`;
    default: return kind;
  }
}

async function renderScenarios(ctx, networkId) {
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

function scenarioForm(ws, onCreated) {
  const kinds = changeKinds(ws.ix);
  const pending = [];
  const name = h('input', { type: 'text', 'data-testid': 'scenario-name', placeholder: 'name', value: '' });
  const base = h('input', { type: 'number', min: 1, step: 1, placeholder: 'latest', 'data-testid': 'scenario-base-version' });
  const kind = h('select', { 'data-testid': 'scenario-change-kind', 'aria-label': 'kind of change' },
    Object.entries(kinds).map(([k, spec]) => h('option', { value: k }, spec.label)));
  const fieldsBox = h('div', { class: 'fields' });
  const list = h('ul', { class: 'change-list', 'data-testid': 'scenario-changes' });
  const status = h('div', { class: 'status-line', 'data-testid': 'scenario-status' });
  let values = {};

  const drawFields = () => {
    const spec = kinds[kind.value];
    const nodes = [];
    for (const f of spec.fields) {
      if (!(f.name in values)) values[f.name] = f.type === 'select' ? (f.options(values)[0] ?? '') : f.value ?? '';
      if (f.hidden && f.hidden(values)) continue;
      let input;
      if (f.type === 'select') {
        const opts = f.options(values);
        if (!opts.includes(values[f.name])) values[f.name] = opts[0] ?? '';
        input = h('select', { 'data-testid': `change-${f.name}` }, opts.map((o) => h('option', { value: o }, o === '' ? '(any)' : o)));
        input.value = values[f.name];
      } else {
        input = h('input', { type: f.type === 'text' ? 'text' : 'number', step: f.type === 'int' ? 1 : 'any', min: f.type === 'text' ? null : 0, value: values[f.name], 'data-testid': `change-${f.name}`, class: f.type === 'int' ? 'short' : null });
      }
      const update = () => {
        values[f.name] = input.value;
        if (f.rebuild) drawFields();
      };
      input.addEventListener('input', update);
      input.addEventListener('change', update);
      nodes.push(h('label', null, f.label, input));
    }
    fill(fieldsBox, nodes);
  };
  kind.addEventListener('change', () => {
    values = {};
    drawFields();
  });

  // The editor's values as a ScenarioChange, or an error message.
  const currentChange = () => {
    const spec = kinds[kind.value];
    const v = {};
    for (const f of spec.fields) {
      if (f.hidden && f.hidden(values)) continue;
      const raw = String(values[f.name] ?? '').trim();
      if (f.type === 'int' || f.type === 'number') {
        if (raw === '') {
          if (!f.optional) return { error: `Fill in “${f.label}”.` };
          v[f.name] = null;
        } else {
          const n = Number(raw);
          if (!Number.isFinite(n) || (f.type === 'int' && !Number.isInteger(n))) return { error: `“${f.label}” must be ${f.type === 'int' ? 'a whole number' : 'a number'}.` };
          v[f.name] = n;
        }
      } else {
        if (raw === '' && !f.optional) return { error: `Pick “${f.label}”.` };
        v[f.name] = raw;
      }
    }
    return { change: spec.build(v) };
  };
  const drawList = () => fill(list, pending.map((c, i) => h('li', null,
    h('span', null, describeChange(c)),
    h('button', { type: 'button', class: 'link', title: 'remove', onclick: () => { pending.splice(i, 1); drawList(); } }, 'remove'))));

  const add = h('button', { type: 'button', 'data-testid': 'scenario-add-change' }, 'Add change');
  add.addEventListener('click', () => {
    const r = currentChange();
    if (r.error) return fill(status, h('span', { class: 'error' }, r.error));
    pending.push(r.change);
    fill(status, '');
    drawList();
  });

  const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'scenario-submit' }, 'Create scenario');
  const form = h('form', { 'data-testid': 'scenario-form', autocomplete: 'off' },
    h('h2', null, 'New scenario'),
    h('div', { class: 'fields' }, h('label', null, 'name', name), h('label', null, 'base version', base)),
    h('div', { class: 'fields' }, h('label', null, 'change', kind)),
    fieldsBox,
    h('div', { class: 'toolbar' }, add, h('span', { class: 'small muted' }, 'With no change added, the one being edited is used.')),
    list,
    h('div', { class: 'toolbar' }, submit),
    status);
  // The request is read from the form at the click; sending waits for any
  // creation still in flight, so quick successive clicks all count, in order.
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    let changes = [...pending];
    if (!changes.length) {
      const r = currentChange();
      if (r.error) return fill(status, h('span', { class: 'error' }, r.error));
      changes = [r.change];
    }
    const body = { name: name.value.trim() || changes.map(describeChange).join('; ').slice(0, 80), changes };
    const bv = numberOf(base);
    if (bv) body.base_version = bv;
    pending.length = 0;
    drawList();
    name.value = '';
    fill(status, 'Creating…');
    ws.creating = ws.creating.then(() => create(body));
  });
  const create = async (body) => {
    try {
      const res = await post(`/networks/${seg(ws.networkId)}/scenarios`, body);
      const sc = res.scenario || {};
      fill(status, h('span', { class: 'ok', 'data-scenario': sc.scenario_id }, `Created “${sc.name}” (${sc.scenario_id}) on version ${int(sc.base_version)}.`));
      await onCreated(sc);
    } catch (err) {
      fill(status, errorBox(err));
      // Give the refused changes back to the form, to fix and send again.
      if (!pending.length) {
        pending.push(...body.changes);
        drawList();
        if (!name.value) name.value = body.name;
      }
    }
  };
  drawFields();
  return h('section', { class: 'card' }, form);
}

function scenarioList(ws, redraw, actionStatus) {
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
    ws.ix.meta.version = String(v);
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

/** Solves a batch over the event stream; resolves when the stream ends. */
function solveScenarios(ws, ids, timeLimit, box) {
  return new Promise((resolve) => {
    box.dataset.done = 'false';
    const rows = new Map(ids.map((id) => [id, { phase: 'waiting', elapsed: 0, result: null }]));
    const nameOf = (id) => ws.scenarios.find((sc) => sc.scenario_id === id)?.name || id;
    const errors = h('div', null);
    const draw = () => fill(box,
      table([
        { label: 'scenario', render: (r) => nameOf(r.id) },
        { label: 'phase', render: (r) => (r.result ? statusPill(r.result.plan?.status) : r.phase) },
        { label: 'elapsed', num: true, render: (r) => `${qty(r.elapsed, 1)} s` },
        { label: 'objective', num: true, render: (r) => (r.result ? compact(num(r.result.plan?.objective, NaN)) : '') },
        { label: 'unmet units', num: true, render: (r) => (r.result ? compact(num(r.result.plan?.service?.unmet)) : '') },
        { label: 'plan', render: (r) => (r.result?.plan_id ? h('a', { href: `#/plan/${encodeURIComponent(r.result.plan_id)}` }, shortId(r.result.plan_id)) : '') },
      ], [...rows.entries()].map(([id, r]) => ({ id, ...r })), { className: 'grid compact progress-rows' }),
      errors);
    draw();
    const body = { scenario_ids: ids };
    if (timeLimit) body.time_limit_seconds = timeLimit;
    sse('/scenarios/solve', { method: 'POST', body }, (name, data) => {
      if (name === 'message' && data?.progress) {
        const r = rows.get(data.progress.scenario_id);
        if (r) {
          r.phase = shortEnum(data.progress.phase, 'SOLVE_PHASE_');
          r.elapsed = num(data.progress.elapsed_seconds);
        }
        draw();
      } else if (name === 'message' && data?.result) {
        const r = rows.get(data.result.scenario_id);
        if (r) r.result = data.result;
        ws.results.set(data.result.scenario_id, data.result);
        draw();
      } else if (name === 'error') {
        errors.appendChild(errorBox(data));
      } else if (name === 'end') {
        box.dataset.done = 'true';
        resolve();
      }
    });
  });
}

const KPI_ROWS = [
  ['objective', 'objective'], ['production', 'production'], ['setup', 'setup'], ['transport', 'transport'],
  ['holding', 'holding'], ['late_cost', 'late penalties'], ['unmet_cost', 'unmet penalties'], ['safety', 'safety'],
  ['carbon', 'carbon'], ['renovation_window', 'renovation window'],
];

function comparisonView(ws, res, rankBy) {
  const comps = res.comparisons || [];
  const nameOf = (id) => ws.scenarios.find((sc) => sc.scenario_id === id)?.name || id;
  const ranking = res.ranking || [];
  return h('div', null,
    ranking.length ? h('div', { class: 'small' }, h('strong', null, `Ranked by ${shortEnum(rankBy, 'KPI_')}, worst first: `),
      ranking.map((r, i) => [i ? ' · ' : '', `${i + 1}. ${nameOf(r.scenario_id)} (${signed(num(r.delta))})`])) : null,
    comps.length > 1 ? h('div', null, h('h3', null, 'Objective change against the base plan'),
      barChart(comps.map((c) => ({ label: nameOf(c.scenario_id), value: num(c.objective?.delta) })), { width: 560, format: signed, positiveColour: '#c2412d' })) : null,
    h('div', { class: 'compare-grid' }, comps.map((c) => comparisonCard(c, nameOf(c.scenario_id)))));
}

// `better`: which way the figure should move ('up', 'down' or null), so a
// change is coloured by whether it helps, not by its sign.
function deltaRow(label, d, better, format = compact) {
  const x = d || {};
  const delta = num(x.delta);
  return { label, base: num(x.base), scenario: num(x.scenario), delta, format, better };
}

function comparisonCard(c, name) {
  const id = c.scenario_id;
  const kpiItems = KPI_ROWS.map(([k, label]) => ({ label, value: num(c[k]?.delta) })).filter((it, i) => i === 0 || it.value !== 0);
  const unmet = num(c.unmet?.scenario);
  const service = [
    deltaRow('demand', c.demand, null), deltaRow('on time', c.on_time, 'up'), deltaRow('late units', c.late, 'down'), deltaRow('unmet units', c.unmet, 'down'),
    deltaRow('fill rate', c.fill_rate, 'up', (v) => pct(v)), deltaRow('emissions', c.emissions, 'down'),
  ];
  const moved = (c.renovations || []).filter((r) => r.changed);
  const suppliers = [...(c.suppliers || [])].sort((a, b) => (Math.abs(num(b.made?.delta)) + Math.abs(num(b.shipped?.delta))) - (Math.abs(num(a.made?.delta)) + Math.abs(num(a.shipped?.delta))));
  const chips = (list, cls) => h('div', { class: 'chip-list' },
    list.slice(0, 12).map((b) => h('span', { class: `chip ${cls}`, title: `${shortEnum(b.kind, 'RESOURCE_KIND_')} ${b.id}, period ${b.period ?? 0}, shadow price ${num(b.shadow_price)}` }, `${b.id} @${b.period ?? 0} ◆${compact(num(b.shadow_price))}`)),
    list.length > 12 ? h('span', { class: 'small muted' }, `+${list.length - 12} more`) : null);
  const startText = (v) => (v === undefined || v === null ? 'not done' : `period ${v}`);

  return h('section', { class: 'card', 'data-scenario': id },
    h('h2', null, name),
    h('div', { class: 'small muted' }, 'base ', statusPill(c.base_status), ' → scenario ', statusPill(c.scenario_status)),
    h('div', { class: 'kpis' },
      kpi('objective change', signed(num(c.objective?.delta)), `${compact(num(c.objective?.base))} → ${compact(num(c.objective?.scenario))}`),
      kpi('unmet units', h('span', { 'data-testid': 'unmet-units', 'data-scenario': id, 'data-value': String(unmet) }, qty(unmet, 1)), `${signed(num(c.unmet?.delta))} against base`),
      kpi('fill rate', pct(num(c.fill_rate?.scenario)), `${num(c.fill_rate?.delta) >= 0 ? '+' : ''}${qty(num(c.fill_rate?.delta) * 100, 1)} points`)),
    h('h3', null, 'Cost change by term'),
    barChart(kpiItems, { width: 480, format: signed, positiveColour: '#c2412d', labelWidth: 130 }),
    h('h3', null, 'Service and emissions'),
    table([
      { label: '', key: 'label' },
      { label: 'base', num: true, render: (r) => r.format(r.base) },
      { label: 'scenario', num: true, render: (r) => r.format(r.scenario) },
      { label: 'change', num: true, render: (r) => {
        const good = r.better && r.delta !== 0 && (r.delta > 0) === (r.better === 'up');
        const bad = r.better && r.delta !== 0 && !good;
        return h('span', { class: good ? 'good' : bad ? 'bad' : '' }, r.format === compact ? signed(r.delta) : `${r.delta >= 0 ? '+' : ''}${qty(r.delta * 100, 1)} pt`);
      } },
    ], service, { className: 'grid compact' }),
    h('h3', null, `Renovations moved (${moved.length})`),
    moved.length ? h('ul', null, moved.map((r) => h('li', { 'data-testid': 'moved-renovation', 'data-scenario': id, 'data-renovation': r.id,
      'data-base-start': r.base_start !== undefined ? String(r.base_start) : '', 'data-scenario-start': r.scenario_start !== undefined ? String(r.scenario_start) : '' },
    `${r.id} (${r.line}): ${startText(r.base_start)} → ${startText(r.scenario_start)}`))) : h('div', { class: 'muted small' }, 'none'),
    h('h3', null, `Bottlenecks appearing (${(c.bottlenecks_appeared || []).length})`),
    chips(c.bottlenecks_appeared || [], 'appeared'),
    h('h3', null, `Bottlenecks vanishing (${(c.bottlenecks_vanished || []).length})`),
    chips(c.bottlenecks_vanished || [], 'vanished'),
    h('div', { class: 'small muted' }, `${(c.bottlenecks_stayed || []).length} bottlenecks bind in both plans`),
    h('h3', null, 'Per supplier: units made and shipped'),
    suppliers.length ? table([
      { label: 'supplier', key: 'enterprise' },
      { label: 'made', num: true, render: (x) => `${compact(num(x.made?.base))} → ${compact(num(x.made?.scenario))}` },
      { label: 'Δ made', num: true, render: (x) => signed(num(x.made?.delta)) },
      { label: 'Δ shipped', num: true, render: (x) => signed(num(x.shipped?.delta)) },
    ], suppliers.slice(0, 25), { className: 'grid compact', rowAttrs: (x) => ({ 'data-enterprise': x.enterprise }) }) : h('div', { class: 'muted small' }, 'no supplier changes'));
}

function criticalityCard(ws) {
  const lastPeriod = Math.max(0, ws.ix.T - 1);
  const first = h('input', { type: 'number', min: 0, max: lastPeriod, step: 1, value: Math.min(2, lastPeriod), class: 'short', 'data-testid': 'criticality-first' });
  const last = h('input', { type: 'number', min: 0, max: lastPeriod, step: 1, value: Math.min(5, lastPeriod), class: 'short', 'data-testid': 'criticality-last' });
  const limit = h('input', { type: 'number', min: 1, step: 1, value: 20, 'data-testid': 'criticality-time-limit' });
  const box = h('div', { 'data-testid': 'criticality' });
  const run = h('button', { type: 'button', 'data-testid': 'criticality-run' }, 'Rank suppliers');
  run.addEventListener('click', async () => {
    run.disabled = true;
    const started = Date.now();
    const tick = setInterval(() => fill(box, h('span', { class: 'muted small' }, `solving one outage per supplier… ${Math.round((Date.now() - started) / 1000)} s`)), 500);
    try {
      const res = await post(`/networks/${seg(ws.networkId)}/criticality`, {
        periods: { first: numberOf(first, 0), last: numberOf(last, 0) }, time_limit_seconds: numberOf(limit, 20),
      });
      clearInterval(tick);
      fill(box, criticalityView(res));
    } catch (err) {
      clearInterval(tick);
      fill(box, errorBox(err));
    } finally {
      run.disabled = false;
    }
  });
  return card('Supplier criticality',
    h('p', { class: 'small muted' }, 'Each supplier\'s outage over the window, solved on its own: what the chain would lose without it.'),
    h('div', { class: 'fields' }, h('label', null, 'outage from', first), h('label', null, 'to', last), h('label', null, 'time limit per outage (s)', limit), run),
    box);
}

function criticalityView(res) {
  const ranking = res.ranking || [];
  // An outage the chain cannot survive ranks first with an infinite cost,
  // whatever the JSON made of that number.
  const rows = ranking.map((r) => ({ ...r, costN: r.status === 'PLAN_STATUS_INFEASIBLE' ? Infinity : num(r.cost) }));
  return h('div', null,
    rows.length ? barChart(rows.map((r) => ({
      label: r.enterprise, value: r.costN, colour: r.status === 'PLAN_STATUS_INFEASIBLE' ? '#7a1d12' : '#c2412d',
      title: `${r.enterprise}: objective +${compact(r.costN)}, fill rate −${pct(num(r.fill_rate_drop))}`, attrs: { 'data-enterprise': r.enterprise },
    })), { width: 560 }) : h('div', { class: 'muted small' }, 'no supplier ranked'),
    rows.length ? table([
      { label: '#', num: true, render: (r) => String(rows.indexOf(r) + 1) },
      { label: 'supplier', key: 'enterprise' },
      { label: 'cost increase', num: true, render: (r) => compact(r.costN) },
      { label: 'fill-rate drop', num: true, render: (r) => pct(num(r.fill_rate_drop)) },
      { label: 'extra late', num: true, render: (r) => compact(num(r.late)) },
      { label: 'extra unmet', num: true, render: (r) => compact(num(r.unmet)) },
      { label: 'status', render: (r) => statusPill(r.status) },
    ], rows, { className: 'grid compact', rowAttrs: (r) => ({ 'data-enterprise': r.enterprise }) }) : null,
    (res.skipped || []).length ? h('div', { class: 'small muted' }, `Not solved (no demand depends on them): ${res.skipped.join(', ')}`) : null,
    (res.failed || []).length ? h('div', { class: 'small error' }, 'No answer for: ', res.failed.map((f) => `${f.enterprise} (${f.reason})`).join('; ')) : null);
}

// ===========================================================================
// Start

(async () => {
  await loadSession();
  route();
})();
