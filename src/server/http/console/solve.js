// solve.js — the solve panel: a SubmitSolve job followed over its event
// stream.
//
// Owns: submitting a solve and drawing its progress (phase, gap, objective
// and bound over time) in the panel above the view, which outlives page
// changes; on the plan it opens the plan page.

import { post, seg, sse, int, num } from './api.js';
import { h, fill, compact, pct, qty, legend, lineChart, PALETTE } from './charts.js';
import { $, state, shortEnum, statusName, errorBox, rememberPlan } from './common.js';

export function startSolve(networkId, { version = 0, timeLimit = null } = {}) {
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
