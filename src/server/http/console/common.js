// common.js — what every part of the planner console shares.
//
// Owns: the console's state (one object, each field written by one module:
// the session by shell.js, the document cache by docs.js, the followed solve
// by solve.js, publish answers by plan-header.js, map view state by
// map-layout.js), the handles on the page (`$`, the view), and the small
// helpers the pages have in common: enum names and status pills, times and
// short ids, the error box, cards and KPIs, the "show all" list, number
// fields, and the plans this tab solved.
//
// It imports only api.js and charts.js, so any module may import it.

import { ApiError } from './api.js';
import { h, fill, clip } from './charts.js';

export const $ = (sel, root = document) => root.querySelector(sel);
export const view = $('#view');

export const state = {
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

/** `PLAN_STATUS_OPTIMAL` → `optimal` (the enum's own name, short). */
export function shortEnum(value, prefix) {
  const v = String(value || '');
  return (v.startsWith(prefix) ? v.slice(prefix.length) : v).toLowerCase().replace(/_/g, ' ');
}
export const statusName = (st) => shortEnum(st || 'PLAN_STATUS_UNSPECIFIED', 'PLAN_STATUS_');
export const hasSolution = (st) => st === 'PLAN_STATUS_OPTIMAL' || st === 'PLAN_STATUS_FEASIBLE';

export function statusPill(st) {
  const name = statusName(st);
  const kind = st === 'PLAN_STATUS_OPTIMAL' ? 'good' : st === 'PLAN_STATUS_FEASIBLE' ? 'warn' : 'bad';
  return h('span', { class: `pill ${kind}` }, name);
}

/** An RFC 3339 time as local "YYYY-MM-DD HH:MM:SS". */
export function when(ts) {
  if (!ts) return '–';
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return String(ts);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export const shortId = (id) => clip(String(id || '').replace(/^(plan|scenario|job)-/, ''), 9);

export function errorBox(err) {
  const e = err instanceof ApiError ? err : new ApiError({ detail: String(err && err.message || err) });
  return h('div', { class: 'error-box', role: 'alert' },
    h('strong', null, e.summary()),
    e.errors.length ? h('ul', null, e.errors.map((v) => h('li', null, h('code', null, v.field || '$'), ': ', v.reason || ''))) : null,
    e.status === 401 ? h('div', null, 'Paste a bearer token in the box at the top right and sign in.') : null,
    e.status === 403 ? h('div', null, 'This token\'s role may not do this.') : null);
}

export function loading(text = 'Loading…') {
  return h('div', { class: 'card muted' }, text);
}

export function kpi(label, value, sub, attrs = {}) {
  return h('div', { class: 'kpi' }, h('div', { class: 'k' }, label), h('div', { class: 'v', ...attrs }, value), sub ? h('div', { class: 's' }, sub) : null);
}

export function card(title, ...children) {
  return h('section', { class: 'card' }, title ? h('h2', null, title) : null, ...children);
}

/**
 * The first `limit` rows drawn by `draw(rows)`, with a button to show them
 * all and back: long lists stay a glance until asked for.
 */
export function expandable(rows, limit, draw, noun = 'rows') {
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
export const byId = (a, b) => String(a).localeCompare(String(b), undefined, { numeric: true });

/** A number field's value, or `fallback` when empty. */
export function numberOf(input, fallback = null) {
  const v = input.value.trim();
  if (v === '') return fallback;
  const n = Number(v);
  return Number.isFinite(n) ? n : fallback;
}

// The plans this tab made: the API lists no plans of a network, so the
// console remembers the ones it solved (sessionStorage: gone with the tab).
const PLANS_KEY = 'chainplan.plans';
export function rememberedPlans(networkId) {
  try {
    return (JSON.parse(sessionStorage.getItem(PLANS_KEY) || '{}')[networkId]) || [];
  } catch {
    return [];
  }
}
export function rememberPlan(networkId, entry) {
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

/** Appends `value` to the list of `key` in a Map of lists, starting it. */
export function push(map, key, value) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
