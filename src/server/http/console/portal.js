// portal.js — the supplier portal.
//
// Owns: signing in (the token says which enterprise, via /session), the
// live allocation stream of that enterprise (reconnecting where it left
// off), the allocation tables, what changed since the version last
// acknowledged, accepting or rejecting a version, and reporting capacity;
// the weekly cycle's forms are portal-execution.js's. It calls /session and
// its own enterprise's routes, nothing else.

import { get, post, seg, sse, getToken, setToken, int, num } from './api.js';
import { h, fill, qty, table } from './charts.js';
import { counterProposal, drawActualsLines, initExecution } from './portal-execution.js';

const $ = (sel) => document.querySelector(sel);

const NETWORK_KEY = 'chainplan.portal.network';
// The answer given to a version, per network and enterprise, with that
// version's entries: the API has no call that returns past answers, so the
// portal remembers them to say what changed since.
const ackKey = (network, enterprise) => `chainplan.portal.ack.${network}.${enterprise}`;

const st = {
  network: '',
  enterprise: '',
  version: 0,
  // The absolute period of the held version's period 0.
  offset: 0,
  entries: new Map(),
  // Entries of every version seen in this page, to compare against.
  history: new Map(),
  // The changes of the latest message, from the version before.
  lastChanges: null,
  meta: {},
  stream: null,
  generation: 0,
  retries: 0,
  stopped: true,
  seenFirst: false,
};

// ---------------------------------------------------------------------------
// Allocation entries

// An entry's identity within an allocation (AllocationEntry's key).
const keyOf = (e) => [e.kind, e.site, e.item, e.period ?? 0, e.resource, e.destination || ''].join('|');
const isShip = (e) => e.kind === 'ALLOCATION_KIND_SHIP';

/** Entries as they read `k` periods later: closed periods gone, the rest renumbered. */
function rolled(entries, k) {
  if (!(k > 0)) return entries;
  const out = new Map();
  for (const e of entries.values()) {
    const period = (e.period ?? 0) - k;
    if (period < 0) continue;
    const moved = { ...e, period };
    out.set(keyOf(moved), moved);
  }
  return out;
}

/** The previous entries with a delta's changes applied. */
function applyDelta(entries, changes) {
  const next = new Map(entries);
  for (const c of changes || []) {
    const k = keyOf(c);
    const after = num(c.qty_after);
    if (after === 0) next.delete(k);
    else next.set(k, { kind: c.kind, site: c.site, item: c.item, period: c.period ?? 0, qty: after, resource: c.resource, destination: c.destination });
  }
  return next;
}

/** What differs between two versions' entries, as AllocationChange-like rows. */
function diff(before, after) {
  const out = [];
  const keys = new Set([...before.keys(), ...after.keys()]);
  for (const k of keys) {
    const a = before.get(k);
    const b = after.get(k);
    const qa = num(a?.qty);
    const qb = num(b?.qty);
    if (Math.abs(qa - qb) > 1e-9) {
      const e = b || a;
      out.push({ kind: e.kind, site: e.site, item: e.item, period: e.period ?? 0, resource: e.resource, destination: e.destination, qty_before: qa, qty_after: qb });
    }
  }
  return out.sort((x, y) => keyOf(x).localeCompare(keyOf(y)) || x.period - y.period);
}

// ---------------------------------------------------------------------------
// Drawing

function when(ts) {
  if (!ts) return '';
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? String(ts) : d.toLocaleString();
}

function showError(err) {
  const box = $('#error');
  if (!err) {
    box.hidden = true;
    box.textContent = '';
    return;
  }
  const detail = err.detail || err.message || String(err);
  const hint = err.status === 401 ? ' The server did not accept this token.'
    : err.status === 403 ? ' This token may not see that enterprise.'
      : err.status === 404 ? ' No such network, or this enterprise is not one of its suppliers.' : '';
  fill(box, h('strong', null, err.title || 'Error'), `: ${detail}.${hint}`);
  box.hidden = false;
}

function setLive(kind, text) {
  $('#live-dot').className = `live-dot ${kind === 'live' ? 'on' : kind === 'retry' ? 'retry' : ''}`;
  $('#live').textContent = text;
}

/** Entries to compare the current version with: the acknowledged version's, else the previous one's. */
function comparisonBase() {
  const ack = loadAck();
  if (ack && ack.version < st.version) {
    const saved = ack.entries ? rolled(new Map(ack.entries.map((e) => [keyOf(e), e])), st.offset - (ack.offset || 0)) : null;
    const entries = st.history.get(ack.version) || saved;
    if (entries) return { label: `since version ${ack.version}, which you ${ack.decision}`, entries };
  }
  if (ack && ack.version === st.version) return { label: `you ${ack.decision} this version`, entries: st.entries, same: true };
  const prev = st.history.get(st.version - 1);
  if (prev) return { label: `from version ${st.version - 1}`, entries: prev };
  if (st.lastChanges) return { label: `from version ${st.version - 1}`, changes: st.lastChanges };
  return null;
}

function drawVersion() {
  $('#version').textContent = st.version ? String(st.version) : '';
  $('#version-note').textContent = st.version ? '' : st.stopped ? 'not signed in' : 'nothing published for you yet; it appears here the moment it is';
  const m = st.meta;
  $('#version-meta').textContent = st.version
    ? `publish ${int(m.publish_version)} of ${st.network} · published ${when(m.published_at)} · plan ${m.plan_id || ''}`
    : '';
  $('#accept').disabled = !st.version;
  $('#reject').disabled = !st.version;
}

function drawAckStatus() {
  const ack = loadAck();
  const box = $('#ack-status');
  if (!st.version) return fill(box, '');
  if (ack && ack.version === st.version) {
    fill(box, h('span', { class: ack.decision === 'accepted' ? 'ok' : 'error' },
      `You ${ack.decision} version ${ack.version}${ack.at ? ` on ${when(ack.at)}` : ''}${ack.reason ? `: ${ack.reason}` : ''}.`));
  } else {
    fill(box, h('span', null, `Version ${st.version} awaits your answer.`),
      ack ? h('span', { class: 'muted' }, ` (You ${ack.decision} version ${ack.version}.)`) : null);
  }
}

function drawChanges() {
  const box = $('#changes');
  if (!st.version) {
    $('#changes-title').textContent = 'What changed';
    return fill(box, h('span', { class: 'muted small' }, st.stopped ? 'Sign in to follow your allocation.' : 'Nothing yet.'));
  }
  const base = comparisonBase();
  if (!base) {
    $('#changes-title').textContent = 'What changed';
    return fill(box, h('span', { class: 'muted small' }, 'This is the first version you hold: everything in it is new to you.'));
  }
  $('#changes-title').textContent = `What changed ${base.same ? '' : base.label}`.trim();
  if (base.same) return fill(box, h('span', { class: 'muted small' }, `Nothing new: ${base.label}.`));
  const changes = base.changes || diff(base.entries, st.entries);
  if (!changes.length) return fill(box, h('span', { class: 'muted small' }, 'Nothing changed.'));
  const shown = changes.slice(0, 200);
  fill(box, table([
    { label: 'work', render: (c) => (isShip(c) ? 'ship' : 'make') },
    { label: 'line / lane', render: (c) => c.resource },
    { label: 'item', key: 'item' },
    { label: 'period', num: true, render: (c) => String(c.period ?? 0) },
    { label: 'before', num: true, render: (c) => qty(num(c.qty_before)) },
    { label: 'now', num: true, render: (c) => qty(num(c.qty_after)) },
    { label: 'change', num: true, render: (c) => { const d = num(c.qty_after) - num(c.qty_before); return `${d > 0 ? '+' : ''}${qty(d)}`; } },
  ], shown, { className: 'grid compact' }), changes.length > shown.length ? h('div', { class: 'small muted' }, `${changes.length - shown.length} more changes`) : null);
}

/**
 * The allocation as tables per site: what to make on each line, what to
 * ship on each lane, by period; cells that differ from the comparison base
 * are marked with what they were.
 */
function drawAllocation() {
  const box = $('#allocation');
  if (!st.version) return fill(box, h('span', { class: 'muted small' }, 'No allocation yet.'));
  const base = comparisonBase();
  const before = base && !base.same && base.entries ? base.entries : null;
  const all = [...st.entries.values(), ...(before ? before.values() : [])];
  if (!all.length) return fill(box, h('span', { class: 'muted small' }, 'This version asks nothing of you.'));
  const maxPeriod = Math.max(0, ...all.map((e) => e.period ?? 0));
  const periods = Array.from({ length: maxPeriod + 1 }, (_, t) => t);

  // Rows: (site, kind, resource, item, destination) → quantities by period.
  const rows = new Map();
  const addRow = (e, which) => {
    const rk = [e.site, e.kind, e.resource, e.item, e.destination || ''].join('|');
    const r = rows.get(rk) || { site: e.site, ship: isShip(e), resource: e.resource, item: e.item, destination: e.destination, now: new Map(), was: new Map() };
    r[which].set(e.period ?? 0, num(e.qty));
    rows.set(rk, r);
  };
  for (const e of st.entries.values()) addRow(e, 'now');
  if (before) for (const e of before.values()) addRow(e, 'was');

  const sites = [...new Set([...rows.values()].map((r) => r.site))].sort();
  const cells = (r) => periods.map((t) => {
    const now = r.now.get(t) || 0;
    const was = r.was.get(t) || 0;
    const changed = before && Math.abs(now - was) > 1e-9;
    return { now, was, changed };
  });
  const grid = (list, ship) => h('table', { class: 'grid compact alloc' },
    h('thead', null, h('tr', null,
      h('th', null, ship ? 'lane' : 'line'), h('th', null, 'item'), ship ? h('th', null, 'to') : null,
      periods.map((t) => h('th', { class: 'num' }, String(t))), h('th', { class: 'num' }, 'total'))),
    h('tbody', null, list.map((r) => {
      const cs = cells(r);
      const total = cs.reduce((a, c) => a + c.now, 0);
      return h('tr', { 'data-resource': r.resource, 'data-item': r.item },
        h('td', null, r.resource), h('td', null, r.item), ship ? h('td', null, r.destination || '') : null,
        cs.map((c, t) => h('td', {
          class: `num${c.changed ? ' changed' : ''}`,
          title: c.changed ? `period ${t}: was ${qty(c.was)}` : null,
          'data-period': String(t),
        }, c.now ? qty(c.now) : c.changed ? '0' : '')),
        h('td', { class: 'num' }, qty(total)));
    })));
  fill(box, sites.map((site) => {
    const mine = [...rows.values()].filter((r) => r.site === site);
    const order = (a, b) => a.resource.localeCompare(b.resource) || a.item.localeCompare(b.item) || String(a.destination).localeCompare(String(b.destination));
    const make = mine.filter((r) => !r.ship).sort(order);
    const ship = mine.filter((r) => r.ship).sort(order);
    return h('div', { 'data-site': site },
      h('h3', null, `Site ${site}`),
      make.length ? [h('div', { class: 'small muted' }, 'Make, units per period'), grid(make, false)] : null,
      ship.length ? [h('div', { class: 'small muted' }, 'Ship, units leaving per period'), grid(ship, true)] : null);
  }), before ? h('div', { class: 'small muted' }, `Marked cells differ ${base.label}; hover for the old value.`) : null);
}

/** The line select: every line the allocations seen so far make on. */
function drawLines() {
  const select = $('#capacity-line');
  const lines = new Set();
  for (const entries of [st.entries, ...st.history.values()]) {
    for (const e of entries.values()) if (!isShip(e)) lines.add(e.resource);
  }
  const chosen = select.value;
  const sorted = [...lines].sort();
  fill(select, sorted.length ? sorted.map((l) => h('option', { value: l }, l)) : h('option', { value: '' }, 'no line yet'));
  if (sorted.includes(chosen)) select.value = chosen;
  drawActualsLines(sorted);
}

function drawAll() {
  drawVersion();
  drawAckStatus();
  drawChanges();
  drawAllocation();
  drawLines();
}

// ---------------------------------------------------------------------------
// The allocation stream

function applyUpdate(u) {
  const version = int(u.version);
  let entries;
  if (u.snapshot) {
    entries = new Map((u.snapshot.entries || []).map((e) => [keyOf(e), e]));
    st.lastChanges = st.version ? diff(rolled(st.entries, int(u.period_offset) - st.offset), entries) : null;
  } else {
    const changes = u.delta?.changes || [];
    // A delta after a roll is against the previous version moved to this
    // version's periods: move the entries held first.
    entries = applyDelta(rolled(st.entries, int(u.period_offset) - st.offset), changes);
    st.lastChanges = changes;
  }
  // Earlier versions are kept in the current version's periods, so that
  // what changed compares like with like.
  const k = int(u.period_offset) - st.offset;
  if (k > 0) for (const [v, held] of st.history) st.history.set(v, rolled(held, k));
  st.offset = int(u.period_offset);
  const changed = st.lastChanges ? st.lastChanges.length : entries.size;
  st.entries = entries;
  st.history.set(version, entries);
  // Keep a few versions only: enough to compare with the last answer.
  for (const v of [...st.history.keys()]) if (v < version - 10) st.history.delete(v);
  st.version = version;
  st.meta = { publish_version: u.publish_version, plan_id: u.plan_id, published_at: u.published_at };
  if (st.seenFirst) {
    const n = $('#notice');
    n.textContent = `Version ${version} arrived at ${new Date().toLocaleTimeString()} (publish ${int(u.publish_version)}): ${changed} ${changed === 1 ? 'entry' : 'entries'} changed.`;
    n.hidden = false;
  }
  st.seenFirst = true;
  drawAll();
}

function connect() {
  if (st.stream) st.stream();
  const generation = ++st.generation;
  const query = st.version ? `?after_version=${st.version}` : '';
  const path = `/networks/${seg(st.network)}/suppliers/${seg(st.enterprise)}/allocations${query}`;
  setLive('', 'connecting…');
  // The server sends a keep-alive comment every 15 s; a minute of silence
  // means the connection is gone.
  st.stream = sse(path, { idleMs: 60000 }, (name, data) => {
    if (generation !== st.generation || st.stopped) return;
    if (name === 'open') {
      st.retries = 0;
      setLive('live', 'live: new versions appear here as they are published');
      showError(null);
    } else if (name === 'message' && data && data.update) {
      applyUpdate(data.update);
    } else if (name === 'error') {
      if (data.status === 400 && st.version) {
        // The server no longer knows the version we hold (a fresh store):
        // start over from its current one.
        st.version = 0;
        st.entries = new Map();
        st.history.clear();
        st.seenFirst = false;
        drawAll();
        setLive('retry', 'the server no longer holds your version; reloading the current one…');
      } else if ([401, 403, 404].includes(data.status)) {
        st.stopped = true;
        showError(data);
        setLive('', 'stopped');
      } else {
        setLive('retry', `connection lost (${data.detail || data.message}); retrying…`);
      }
    } else if (name === 'end' && !st.stopped) {
      // The stream ended (server restart, network): resume after the
      // version held, so nothing is missed and nothing repeats.
      const delay = Math.min(30000, 1000 * 2 ** st.retries++);
      setLive('retry', `reconnecting in ${Math.round(delay / 1000)} s…`);
      setTimeout(() => {
        if (generation === st.generation && !st.stopped) connect();
      }, delay);
    }
  });
}

function disconnect() {
  st.stopped = true;
  st.generation++;
  if (st.stream) st.stream();
  st.stream = null;
  setLive('', 'not connected');
}

// ---------------------------------------------------------------------------
// Sign-in

async function signIn() {
  showError(null);
  disconnect();
  const network = $('#network').value.trim() || 'demo';
  localStorage.setItem(NETWORK_KEY, network);
  let session;
  try {
    session = await get('/session');
  } catch (err) {
    showError(err.status === 401 ? { ...err, title: 'Not signed in', detail: 'this server wants a bearer token' } : err);
    $('#who').textContent = 'not signed in';
    return;
  }
  let enterprise = '';
  if (session.role === 'supplier') {
    enterprise = session.enterprise || '';
    $('#enterprise-field').hidden = true;
  } else {
    // The ERP, a planner or an open server may look at any supplier's
    // allocation; they name it.
    $('#enterprise-field').hidden = false;
    enterprise = $('#enterprise').value.trim();
    if (!enterprise) {
      const who = session.role === 'open' ? 'this server is open to every caller' : `an ${session.role === 'erp' ? 'ERP' : 'planner'} token may follow any supplier`;
      showError({ title: 'Which supplier?', detail: `${who}: name the supplier enterprise to follow` });
      return;
    }
  }
  const changed = enterprise !== st.enterprise || network !== st.network;
  st.network = network;
  st.enterprise = enterprise;
  if (changed) {
    st.version = 0;
    st.entries = new Map();
    st.history.clear();
    st.lastChanges = null;
    st.seenFirst = false;
    $('#notice').hidden = true;
    fill($('#allocation'), h('span', { class: 'muted small' }, 'Waiting for your allocation…'));
    fill($('#changes'), '');
  }
  $('#who').textContent = `${enterprise} · ${network}`;
  $('#sign-out').hidden = !getToken();
  st.stopped = false;
  drawAll();
  connect();
}

$('#sign-in').addEventListener('submit', (e) => {
  e.preventDefault();
  const token = $('#token').value.trim();
  if (token) setToken(token);
  $('#token').value = '';
  signIn();
});

$('#sign-out').addEventListener('click', () => {
  disconnect();
  setToken('');
  st.enterprise = '';
  st.version = 0;
  st.entries = new Map();
  st.history.clear();
  $('#who').textContent = 'not signed in';
  $('#sign-out').hidden = true;
  fill($('#allocation'), h('span', { class: 'muted small' }, 'No allocation yet.'));
  fill($('#changes'), h('span', { class: 'muted small' }, 'Sign in to follow your allocation.'));
  fill($('#ack-status'), '');
  $('#notice').hidden = true;
  drawVersion();
});

// ---------------------------------------------------------------------------
// Answering a version

function loadAck() {
  if (!st.enterprise) return null;
  try {
    return JSON.parse(localStorage.getItem(ackKey(st.network, st.enterprise)) || 'null');
  } catch {
    return null;
  }
}

function saveAck(ack) {
  localStorage.setItem(ackKey(st.network, st.enterprise), JSON.stringify(ack));
}

async function acknowledge(accept) {
  const version = st.version;
  if (!version) return;
  const status = $('#ack-status');
  const body = { version };
  if (accept) {
    const note = $('#accept-note').value.trim();
    body.accept = note ? { note } : {};
  } else {
    const reason = $('#reject-reason').value.trim();
    if (!reason) return fill(status, h('span', { class: 'error' }, 'Give a reason to reject.'));
    const offer = counterProposal();
    if (offer.error) return fill(status, h('span', { class: 'error' }, offer.error));
    body.reject = offer.limits.length ? { reason, counter_proposal: offer.limits } : { reason };
  }
  fill(status, 'Sending…');
  try {
    const res = await post(`/networks/${seg(st.network)}/suppliers/${seg(st.enterprise)}/acknowledgements`, body);
    const entries = st.history.get(version) || st.entries;
    saveAck({
      version: int(res.version) || version,
      decision: accept ? 'accepted' : 'rejected',
      reason: accept ? '' : body.reject.reason,
      at: res.acknowledged_at,
      entries: [...entries.values()],
      offset: st.offset,
    });
    drawAll();
    if (res.current === false) status.appendChild(h('div', { class: 'small muted' }, 'A newer version has been published since.'));
  } catch (err) {
    fill(status, h('span', { class: 'error' }, err.code === 'FAILED_PRECONDITION' ? `${err.detail} (the first answer to a version stands).` : err.detail || err.message));
  }
}

$('#accept').addEventListener('click', () => acknowledge(true));
$('#reject').addEventListener('click', () => acknowledge(false));

// ---------------------------------------------------------------------------
// Reporting capacity

/** "3" → one period, "2-5" → a range, "1,4,6" → a list (PeriodSet). */
function parsePeriods(text) {
  const t = text.replace(/\s+/g, '').replace(/[–—]/g, '-');
  let m = t.match(/^(\d+)-(\d+)$/);
  if (m) {
    const first = Number(m[1]);
    const last = Number(m[2]);
    return first <= last ? { range: { first, last } } : null;
  }
  m = t.match(/^\d+$/);
  if (m) return { range: { first: Number(t), last: Number(t) } };
  if (/^\d+(,\d+)+$/.test(t)) return { list: { periods: [...new Set(t.split(',').map(Number))] } };
  return null;
}

$('#capacity').addEventListener('submit', async (e) => {
  e.preventDefault();
  const status = $('#capacity-status');
  if (!st.enterprise) return fill(status, h('span', { class: 'error' }, 'Sign in first.'));
  const line = $('#capacity-line').value;
  const periods = parsePeriods($('#capacity-periods').value);
  const capacityText = $('#capacity-value').value.trim();
  const capacity = Number(capacityText);
  const reason = $('#capacity-reason').value.trim();
  const problem = !line ? 'Pick a line.'
    : !periods ? 'Periods: one period (3), a range (2-5) or a list (1,4,6).'
      : capacityText === '' || !Number.isFinite(capacity) || capacity < 0 ? 'Capacity: a number, 0 or more (0: the line is down).'
        : !reason ? 'Say why the capacity changed.' : '';
  if (problem) return fill(status, h('span', { class: 'error' }, problem));
  fill(status, 'Sending…');
  try {
    const res = await post(`/networks/${seg(st.network)}/suppliers/${seg(st.enterprise)}/capacity-reports`, { line, periods, capacity, reason });
    fill(status, h('span', { class: 'ok' }, `Recorded as network version ${int(res.network_version)}. `),
      res.replan
        ? 'The chain is re-planning now; if your work changes, the new version appears here.'
        : 'The planners will re-plan with it.');
  } catch (err) {
    fill(status, h('span', { class: 'error' }, `${err.title ? `${err.title}: ` : ''}${err.detail || err.message}`),
      err.errors && err.errors.length ? h('ul', null, err.errors.map((v) => h('li', null, `${v.field}: ${v.reason}`))) : null);
  }
});

// ---------------------------------------------------------------------------
// Start: the remembered network, and straight back in when this tab holds
// a token already.

initExecution(() => ({ network: st.network, enterprise: st.enterprise }));
$('#network').value = localStorage.getItem(NETWORK_KEY) || 'demo';
drawVersion();
if (getToken()) signIn();
