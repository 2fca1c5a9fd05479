// scenario-solve.js — solving a batch of scenarios with live progress.
//
// Owns: the batch solve over its event stream and its progress table; the
// results go into the workspace for the list and the comparison.

import { sse, num } from './api.js';
import { h, fill, compact, qty, table } from './charts.js';
import { shortEnum, statusPill, shortId, errorBox } from './common.js';

/** Solves a batch over the event stream; resolves when the stream ends. */
export function solveScenarios(ws, ids, timeLimit, box) {
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
