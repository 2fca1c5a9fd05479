// shell.js — what stays around the view while pages change.
//
// Owns: the session badge with sign-in and sign-out, the notice under the
// top bar, the crumbs (and the tab's title), and the hash router that draws
// a page into the view.
//
// The pages import this module (for the crumbs and the session), so it
// imports no page: console.js hands it the routes table (startShell).

import { session as fetchSession, getToken, setToken } from './api.js';
import { h, fill } from './charts.js';
import { $, view, state, errorBox } from './common.js';

function showNotice(content, kind = '') {
  const n = $('#notice');
  fill(n, content);
  n.className = `notice ${kind}`;
  n.hidden = false;
}
function hideNotice() {
  $('#notice').hidden = true;
}

export async function loadSession() {
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
export const mayPromote = () => Boolean(state.session && (state.session.promote || state.session.role === 'erp' || state.session.role === 'open'));

export function setCrumbs(parts) {
  const nav = $('#crumbs');
  const nodes = [];
  parts.forEach((p, i) => {
    if (i) nodes.push(h('span', { class: 'sep' }, '›'));
    nodes.push(p.href ? h('a', { href: p.href }, p.label) : h('span', null, p.label));
  });
  fill(nav, nodes);
  document.title = `${parts.map((p) => p.label).join(' · ')} · chainplan`;
}

// The pages by hash, as [pattern, draw(ctx, ...captures)]. console.js hands
// them over (startShell): the pages import this module, so it cannot import
// them.
let routes = [];

// Each route draw gets a token; an answer that arrives after the user moved
// on is dropped instead of drawn over the new page.
let routeSeq = 0;

export function route() {
  const seq = ++routeSeq;
  const raw = location.hash || '#/networks';
  const [path, query] = raw.split('?');
  const ctx = { alive: () => seq === routeSeq, query: new URLSearchParams(query || '') };
  for (const [re, draw] of routes) {
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

/**
 * Routes by `table` from now on, and wires the sign-in bar and the address
 * to the router; console.js then draws the first page.
 */
export function startShell(table) {
  routes = table;
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
}
