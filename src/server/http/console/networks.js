// networks.js — the networks page (#/networks).
//
// Owns: the table of every stored network with its latest version and its
// committed plan.

import { int } from './api.js';
import { h, fill, table } from './charts.js';
import { view, shortEnum, when, shortId, loading, card } from './common.js';
import { setCrumbs } from './shell.js';
import { listNetworks } from './docs.js';

export async function renderNetworks(ctx) {
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
