// plan-metrics.js — plan figures derived from a plan and its document.
//
// Owns: each line's capacity under a plan's renovations, and the
// utilisation, bottlenecks and flows that the chain map, the heat map and
// the side panel colour and label. Apart from the map so the plan page's
// cards can use the figures without the map.

import { num } from './api.js';
import { perPeriod } from './docs.js';

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
export function planMetrics(ix, plan) {
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
