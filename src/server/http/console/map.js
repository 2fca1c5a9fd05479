// map.js — the chain map.
//
// Owns: chainMap (the map with its toolbar and side panel, as the network
// and plan pages show it) and the SVG drawing of the boxes and lanes that
// map-layout.js places. The side panel's contents are map-panels.js's.

import { h, s, fill, compact, pct, utilColour, clip } from './charts.js';
import { roleOf, enterpriseOfSite, entName } from './docs.js';
import { GROUP_ABOVE, computeTiers, tierLabel, mapStateFor, layoutMap } from './map-layout.js';
import { mapHelp, sitePanel, enterprisePanel } from './map-panels.js';

/**
 * The chain map with its toolbar and side panel. `metrics` (from
 * planMetrics) colours sites by utilisation and marks bottlenecks; null
 * draws the bare chain.
 */
export function chainMap(ix, metrics) {
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
