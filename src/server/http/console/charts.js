// charts.js — drawing, shared by the console and the portal.
//
// Owns: the element builders (`h` for HTML, `s` for SVG), number formats,
// colour scales, plain tables, and the SVG charts: bar chart (signed values
// allowed), stacked bars, line chart (several series), heat map (rows ×
// periods) and timeline (Gantt bars over periods). Every chart returns an
// <svg> element; no chart fetches or knows what its numbers mean.

const SVG_NS = 'http://www.w3.org/2000/svg';

// ---------------------------------------------------------------------------
// Element builders

// Children may be nodes, strings, numbers, arrays of those, or null/false
// (skipped), so a caller can write conditions inline.
function append(parent, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(parent, c);
    else if (c instanceof Node) parent.appendChild(c);
    else parent.appendChild(document.createTextNode(String(c)));
  }
}

function setAttrs(node, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (k === 'style' && typeof v === 'object') Object.assign(node.style, v);
    else if (k === 'value' && 'value' in node && node.tagName !== 'OPTION') node.value = v;
    else if (k === 'checked' || k === 'selected' || k === 'disabled') {
      node[k] = Boolean(v);
      if (v) node.setAttribute(k, '');
    } else node.setAttribute(k, v === true ? '' : String(v));
  }
}

/** An HTML element: h('button', {class: 'x', onclick: f}, 'Label'). */
export function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  append(node, children);
  // A select's value can only be set once its options exist.
  if (tag === 'select' && attrs && attrs.value !== undefined && attrs.value !== null) node.value = String(attrs.value);
  return node;
}

/** An SVG element: s('rect', {x: 0, y: 0, width: 10, height: 10}). */
export function s(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  setAttrs(node, attrs);
  append(node, children);
  return node;
}

/** Replaces a node's children. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

// ---------------------------------------------------------------------------
// Numbers

/** Compact: 1234 → "1.23k", 840574 → "841k", 0.0042 → "0.0042", ∞ → "∞". */
export function compact(n) {
  if (n === null || n === undefined || Number.isNaN(n)) return '–';
  if (!Number.isFinite(n)) return n > 0 ? '∞' : '−∞';
  const a = Math.abs(n);
  // Solver noise (4.8e-14 units) reads as nothing, which is what it is.
  if (a < 1e-6) return '0';
  const sign = n < 0 ? '−' : '';
  const units = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [size, unit] of units) {
    if (a >= size) return sign + trim((a / size).toPrecision(3)) + unit;
  }
  if (a >= 100) return sign + Math.round(a).toString();
  if (a >= 0.01) return sign + trim(a.toPrecision(3));
  return sign + trim(a.toPrecision(2));
}

// toPrecision keeps trailing zeros ("1.50"); a reader needs none.
function trim(text) {
  return text.includes('.') && !text.includes('e') ? text.replace(/\.?0+$/, '') : text;
}

/** A signed compact number: "+1.2k", "−300", "0". */
export function signed(n) {
  if (!n) return '0';
  return (n > 0 ? '+' : '') + compact(n);
}

/** A share as a percentage: 0.9429 → "94.3 %". */
export function pct(x, digits = 1) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return `${(x * 100).toFixed(digits)} %`;
}

/** A quantity with at most `digits` decimals, no exponent: 192.2, 1050. */
export function qty(n, digits = 1) {
  if (n === null || n === undefined || Number.isNaN(n)) return '–';
  if (!Number.isFinite(n)) return n > 0 ? '∞' : '−∞';
  const f = 10 ** digits;
  return String(Math.round(n * f) / f);
}

// ---------------------------------------------------------------------------
// Colours

export const PALETTE = ['#2f6db5', '#d9822b', '#3a9d5d', '#b8405e', '#7a5cb8', '#1d9aa0', '#c49a00', '#8a6d3b', '#5f6b7a', '#e377c2'];

function lerpColour(stops, t) {
  const x = Math.max(stops[0][0], Math.min(stops[stops.length - 1][0], t));
  for (let i = 1; i < stops.length; i++) {
    const [t1, c1] = stops[i];
    const [t0, c0] = stops[i - 1];
    if (x <= t1) {
      const f = t1 === t0 ? 0 : (x - t0) / (t1 - t0);
      const mix = c0.map((v, k) => Math.round(v + (c1[k] - v) * f));
      return `rgb(${mix.join(',')})`;
    }
  }
  return `rgb(${stops[stops.length - 1][1].join(',')})`;
}

// Green while a resource has room, amber as it fills, red when it is full:
// a planner looks for the red.
const UTIL_STOPS = [
  [0, [236, 245, 236]],
  [0.5, [183, 223, 176]],
  [0.8, [255, 214, 122]],
  [0.97, [240, 138, 122]],
  [1, [225, 96, 82]],
];

/** Colour of a utilisation (0..1); null for "no capacity here". */
export function utilColour(u) {
  if (u === null || u === undefined || !Number.isFinite(u)) return '#f2f3f5';
  return lerpColour(UTIL_STOPS, u);
}

/** Colour of a value on a 0..max scale of one hue (quantities, prices). */
export function scaleColour(v, max) {
  if (!v || !max) return '#f7f8fa';
  return lerpColour([[0, [235, 242, 251]], [1, [47, 109, 181]]], Math.sqrt(v / max));
}

/** A legend: coloured swatches with labels. */
export function legend(items) {
  return h('div', { class: 'legend' },
    items.map(({ label, colour, dash }) => h('span', { class: 'legend-item' },
      h('span', { class: dash ? 'swatch swatch-dash' : 'swatch', style: { background: dash ? 'transparent' : colour, borderColor: colour } }),
      label)));
}

// ---------------------------------------------------------------------------
// Tables

/**
 * A plain table. columns: [{label, key | value(row), num, format, render(row)}];
 * `render` returns a node or text and wins over `value`/`key`.
 */
export function table(columns, rows, { className = 'grid', rowAttrs } = {}) {
  return h('table', { class: className },
    h('thead', null, h('tr', null, columns.map((c) => h('th', { class: c.num ? 'num' : null, title: c.title }, c.label)))),
    h('tbody', null, rows.map((row) => h('tr', rowAttrs ? rowAttrs(row) : null, columns.map((c) => {
      let content;
      if (c.render) content = c.render(row);
      else {
        const v = c.value ? c.value(row) : row[c.key];
        content = c.format ? c.format(v, row) : v;
      }
      return h('td', { class: c.num ? 'num' : null }, content ?? '');
    })))));
}

// ---------------------------------------------------------------------------
// Scales and axes

/** Round tick values covering [min, max], about `count` of them. */
export function niceTicks(min, max, count = 5) {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0];
  if (min === max) {
    if (min === 0) return [0, 1];
    return min > 0 ? [0, min] : [min, 0];
  }
  const span = max - min;
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((st) => span / st <= count) || 10 * mag;
  const first = Math.floor(min / step) * step;
  const ticks = [];
  for (let v = first; v <= max + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  if (ticks[ticks.length - 1] < max) ticks.push(ticks[ticks.length - 1] + step);
  return ticks;
}

/**
 * Tick labels that tell the ticks apart: when the compact format gives two
 * ticks the same label (a narrow range of large numbers, 881k … 881k), the
 * ticks are written out to the step's precision instead.
 */
function distinctLabels(ticks, format) {
  const labels = ticks.map(format);
  if (new Set(labels).size === labels.length || ticks.length < 2) return labels;
  const step = Math.abs(ticks[1] - ticks[0]) || 1;
  const digits = Math.max(0, Math.min(6, -Math.floor(Math.log10(step))));
  return ticks.map((v) => v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));
}

const linear = (d0, d1, r0, r1) => (v) => (d1 === d0 ? (r0 + r1) / 2 : r0 + ((v - d0) / (d1 - d0)) * (r1 - r0));

// Clamps infinities to a finite bar length so "∞" can still be drawn.
function finiteExtent(values) {
  const finite = values.filter(Number.isFinite);
  let lo = Math.min(0, ...finite);
  let hi = Math.max(0, ...finite);
  if (values.some((v) => v === Infinity)) hi = hi > 0 ? hi * 1.15 : 1;
  if (values.some((v) => v === -Infinity)) lo = lo < 0 ? lo * 1.15 : -1;
  return [lo, hi];
}

// ---------------------------------------------------------------------------
// Bar chart

/**
 * Horizontal bars, one per item: items [{label, value, colour, title, attrs}].
 * Negative values grow left of a zero line, so KPI deltas read at a glance.
 */
export function barChart(items, {
  width = 520, barHeight = 18, gap = 6, labelWidth = 150, valueWidth = 70,
  format = compact, colour = PALETTE[0], negativeColour = '#3a9d5d', positiveColour = null,
} = {}) {
  const values = items.map((it) => it.value ?? 0);
  const [lo, hi] = finiteExtent(values);
  const plotLeft = labelWidth;
  const plotRight = width - valueWidth;
  const x = linear(lo, hi, plotLeft, plotRight);
  const height = items.length * (barHeight + gap) + gap;
  const svg = s('svg', { class: 'chart bar-chart', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' });
  items.forEach((it, i) => {
    const v = values[i];
    const y = gap + i * (barHeight + gap);
    const end = Number.isFinite(v) ? v : v > 0 ? hi : lo;
    const x0 = x(0);
    const x1 = x(end);
    const fillColour = it.colour || (v < 0 ? negativeColour : positiveColour || colour);
    const g = s('g', it.attrs || null,
      s('title', null, it.title || `${it.label}: ${format(v)}`),
      s('text', { x: labelWidth - 6, y: y + barHeight / 2, class: 'label', 'text-anchor': 'end', 'dominant-baseline': 'middle' }, clip(it.label, 24)),
      s('rect', { x: Math.min(x0, x1), y, width: Math.max(Math.abs(x1 - x0), v ? 1 : 0), height: barHeight, fill: fillColour, rx: 2 }),
      s('text', { x: width - 4, y: y + barHeight / 2, class: 'value', 'text-anchor': 'end', 'dominant-baseline': 'middle' }, format(v)));
    svg.appendChild(g);
  });
  if (lo < 0) svg.appendChild(s('line', { x1: x(0), x2: x(0), y1: 0, y2: height, class: 'zero' }));
  return svg;
}

/**
 * Stacked horizontal bars: rows [{label, parts: [{value, colour, name}]}],
 * each row scaled to the largest total (or to its own total with `share`).
 */
export function stackedBars(rows, { width = 520, barHeight = 16, gap = 6, labelWidth = 150, valueWidth = 70, share = false, format = compact } = {}) {
  const totals = rows.map((r) => r.parts.reduce((a, p) => a + (p.value || 0), 0));
  const max = Math.max(1e-12, ...totals);
  const plotW = width - labelWidth - valueWidth;
  const height = rows.length * (barHeight + gap) + gap;
  const svg = s('svg', { class: 'chart stacked-bars', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' });
  rows.forEach((r, i) => {
    const y = gap + i * (barHeight + gap);
    const total = totals[i];
    const scale = plotW / (share ? Math.max(total, 1e-12) : max);
    let x = labelWidth;
    const g = s('g', null,
      s('text', { x: labelWidth - 6, y: y + barHeight / 2, class: 'label', 'text-anchor': 'end', 'dominant-baseline': 'middle' }, clip(r.label, 24)));
    for (const p of r.parts) {
      const w = (p.value || 0) * scale;
      if (w > 0) {
        g.appendChild(s('rect', { x, y, width: w, height: barHeight, fill: p.colour },
          s('title', null, `${r.label} · ${p.name}: ${format(p.value)}${total ? ` (${pct(p.value / total)})` : ''}`)));
      }
      x += w;
    }
    g.appendChild(s('text', { x: width - 4, y: y + barHeight / 2, class: 'value', 'text-anchor': 'end', 'dominant-baseline': 'middle' }, r.valueText ?? format(total)));
    svg.appendChild(g);
  });
  return svg;
}

// ---------------------------------------------------------------------------
// Line chart

/**
 * Lines over a shared x axis: series [{name, points: [[x, y], …], colour,
 * dash, step}]. A null y breaks the line. `xTicks` may force tick values
 * (periods are integers).
 */
export function lineChart(series, {
  width = 560, height = 220, xFormat = compact, yFormat = compact, xLabel = '', yLabel = '',
  yFromZero = false, xFromZero = false, xTicks = null, markers = true,
} = {}) {
  const m = { left: 58, right: 14, top: 12, bottom: xLabel ? 38 : 26 };
  const all = series.flatMap((sr) => sr.points.filter((p) => p[1] !== null && p[1] !== undefined && Number.isFinite(p[1])));
  const svg = s('svg', { class: 'chart line-chart', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' });
  if (!all.length) {
    svg.appendChild(s('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'muted' }, 'no data yet'));
    return svg;
  }
  let xMin = xFromZero ? 0 : Math.min(...all.map((p) => p[0]));
  let xMax = Math.max(...all.map((p) => p[0]));
  if (xMin === xMax) xMax = xMin + 1;
  let yMin = Math.min(...all.map((p) => p[1]));
  let yMax = Math.max(...all.map((p) => p[1]));
  if (yFromZero) yMin = Math.min(0, yMin);
  if (yMin === yMax) {
    const pad = Math.abs(yMin) * 0.05 || 1;
    yMin -= pad;
    yMax += pad;
  }
  const yt = niceTicks(yMin, yMax, 5);
  yMin = Math.min(yMin, yt[0]);
  yMax = Math.max(yMax, yt[yt.length - 1]);
  const yLabels = distinctLabels(yt, yFormat);
  // Room for the longest tick label (about 6 px a character at 10 px).
  m.left = Math.max(m.left, 12 + 6 * Math.max(...yLabels.map((l) => l.length)));
  const x = linear(xMin, xMax, m.left, width - m.right);
  const y = linear(yMin, yMax, height - m.bottom, m.top);

  const grid = s('g', { class: 'axis' });
  yt.forEach((t, i) => {
    grid.appendChild(s('line', { x1: m.left, x2: width - m.right, y1: y(t), y2: y(t), class: 'gridline' }));
    grid.appendChild(s('text', { x: m.left - 6, y: y(t), 'text-anchor': 'end', 'dominant-baseline': 'middle' }, yLabels[i]));
  });
  const xt = xTicks || niceTicks(xMin, xMax, Math.max(2, Math.floor((width - m.left) / 70)));
  for (const t of xt) {
    if (t < xMin - 1e-9 || t > xMax + 1e-9) continue;
    grid.appendChild(s('line', { x1: x(t), x2: x(t), y1: height - m.bottom, y2: height - m.bottom + 4, class: 'tick' }));
    grid.appendChild(s('text', { x: x(t), y: height - m.bottom + 15, 'text-anchor': 'middle' }, xFormat(t)));
  }
  grid.appendChild(s('line', { x1: m.left, x2: width - m.right, y1: height - m.bottom, y2: height - m.bottom, class: 'baseline' }));
  if (xLabel) grid.appendChild(s('text', { x: (m.left + width - m.right) / 2, y: height - 4, 'text-anchor': 'middle', class: 'axis-label' }, xLabel));
  if (yLabel) grid.appendChild(s('text', { x: 10, y: m.top, class: 'axis-label', 'dominant-baseline': 'hanging' }, yLabel));
  svg.appendChild(grid);

  series.forEach((sr, i) => {
    const colour = sr.colour || PALETTE[i % PALETTE.length];
    let d = '';
    let open = false;
    for (const [px, py] of sr.points) {
      if (py === null || py === undefined || !Number.isFinite(py)) {
        open = false;
        continue;
      }
      if (!open) d += `M${x(px).toFixed(1)},${y(py).toFixed(1)}`;
      else if (sr.step) d += `H${x(px).toFixed(1)}V${y(py).toFixed(1)}`;
      else d += `L${x(px).toFixed(1)},${y(py).toFixed(1)}`;
      open = true;
    }
    const g = s('g', { class: 'series', 'data-series': sr.name },
      s('path', { d, fill: 'none', stroke: colour, 'stroke-width': 2, 'stroke-dasharray': sr.dash ? '5 4' : null }));
    if (markers && sr.points.length <= 60) {
      for (const [px, py] of sr.points) {
        if (py === null || py === undefined || !Number.isFinite(py)) continue;
        g.appendChild(s('circle', { cx: x(px), cy: y(py), r: 2.6, fill: colour },
          s('title', null, `${sr.name} · ${xFormat(px)}: ${yFormat(py)}`)));
      }
    }
    svg.appendChild(g);
  });
  return svg;
}

// ---------------------------------------------------------------------------
// Heat map

/**
 * Rows × columns of coloured cells: rows [{label, cells: [{value, colour,
 * text, title}], attrs}], columns: labels. A cell without value is blank.
 */
export function heatMap(rows, columns, { cellWidth = 34, rowHeight = 18, labelWidth = 170, showText = true } = {}) {
  const top = 20;
  const width = labelWidth + columns.length * cellWidth + 4;
  const height = top + rows.length * rowHeight + 4;
  const svg = s('svg', { class: 'chart heat-map', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' });
  columns.forEach((c, j) => svg.appendChild(s('text', { x: labelWidth + j * cellWidth + cellWidth / 2, y: 12, 'text-anchor': 'middle', class: 'col-label' }, c)));
  rows.forEach((r, i) => {
    const y = top + i * rowHeight;
    const g = s('g', r.attrs || null,
      s('text', { x: labelWidth - 6, y: y + rowHeight / 2, 'text-anchor': 'end', 'dominant-baseline': 'middle', class: 'label' }, clip(r.label, 26), s('title', null, r.title || r.label)));
    r.cells.forEach((c, j) => {
      if (!c) return;
      const x = labelWidth + j * cellWidth;
      g.appendChild(s('rect', { x: x + 0.5, y: y + 0.5, width: cellWidth - 1, height: rowHeight - 1, fill: c.colour || '#f2f3f5', class: c.className || null },
        c.title ? s('title', null, c.title) : null));
      if (showText && c.text) {
        g.appendChild(s('text', { x: x + cellWidth / 2, y: y + rowHeight / 2, 'text-anchor': 'middle', 'dominant-baseline': 'middle', class: 'cell-text' }, c.text));
      }
    });
    svg.appendChild(g);
  });
  return svg;
}

// ---------------------------------------------------------------------------
// Timeline

/**
 * Rows of bars over periods 0..periods-1 (Gantt): rows [{label, items:
 * [{start, end, kind, text, title, attrs}]}], both ends included. Kinds:
 * `window` (light band: where the bar could go), `downtime` (hatched: the
 * row is down anyway), `scheduled` (solid), `skipped` (dashed outline).
 * Items draw in the order given, so windows go first.
 */
export function timeline(rows, periods, { cellWidth = 40, rowHeight = 28, labelWidth = 190, periodLabel = (t) => String(t) } = {}) {
  const top = 22;
  const width = labelWidth + periods * cellWidth + 6;
  const height = top + rows.length * rowHeight + 6;
  const svg = s('svg', { class: 'chart timeline', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' });
  svg.appendChild(s('defs', null,
    s('pattern', { id: 'hatch', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
      s('line', { x1: 0, y1: 0, x2: 0, y2: 6, stroke: '#9aa3ad', 'stroke-width': 2 }))));
  for (let t = 0; t < periods; t++) {
    const x = labelWidth + t * cellWidth;
    svg.appendChild(s('text', { x: x + cellWidth / 2, y: 14, 'text-anchor': 'middle', class: 'col-label' }, periodLabel(t)));
    svg.appendChild(s('line', { x1: x, x2: x, y1: top - 4, y2: height - 4, class: 'gridline' }));
  }
  svg.appendChild(s('line', { x1: labelWidth + periods * cellWidth, x2: labelWidth + periods * cellWidth, y1: top - 4, y2: height - 4, class: 'gridline' }));
  rows.forEach((r, i) => {
    const y = top + i * rowHeight;
    const g = s('g', r.attrs || null,
      s('line', { x1: labelWidth, x2: labelWidth + periods * cellWidth, y1: y + rowHeight - 0.5, y2: y + rowHeight - 0.5, class: 'row-rule' }),
      s('text', { x: labelWidth - 8, y: y + rowHeight / 2, 'text-anchor': 'end', 'dominant-baseline': 'middle', class: 'label' }, clip(r.label, 28), s('title', null, r.title || r.label)));
    for (const it of r.items) {
      // Bars may reach past the horizon (a renovation's downtime need not
      // end inside it): draw the visible part only.
      const a = Math.max(0, it.start);
      const b = Math.min(periods - 1, it.end);
      if (b < a) continue;
      const x = labelWidth + a * cellWidth;
      const w = (b - a + 1) * cellWidth;
      const inset = it.kind === 'window' ? 3 : it.kind === 'downtime' ? 6 : 5;
      const cls = `bar bar-${it.kind || 'scheduled'}`;
      const bar = s('g', { ...(it.attrs || {}), class: cls },
        s('rect', { x: x + 1, y: y + inset, width: w - 2, height: rowHeight - 2 * inset, rx: 3, fill: it.kind === 'downtime' ? 'url(#hatch)' : null }),
        it.text ? s('text', { x: x + 6, y: y + rowHeight / 2, 'dominant-baseline': 'middle', class: 'bar-text' }, clip(it.text, Math.max(3, Math.floor(w / 6.5)))) : null,
        s('title', null, it.title || it.text || ''));
      g.appendChild(bar);
    }
    svg.appendChild(g);
  });
  return svg;
}

/** Shortens a label to n characters with an ellipsis. */
export function clip(text, n) {
  const t = String(text ?? '');
  return t.length > n ? `${t.slice(0, Math.max(1, n - 1))}…` : t;
}
