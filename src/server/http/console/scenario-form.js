// scenario-form.js — the "New scenario" form of the scenario workspace.
//
// Owns: editing one change at a time from scenario-changes.js's kinds,
// the list of changes added, and creating the scenario (in order, however
// quickly the clicks come).

import { post, seg, int } from './api.js';
import { h, fill } from './charts.js';
import { errorBox, numberOf } from './common.js';
import { changeKinds, describeChange } from './scenario-changes.js';

export function scenarioForm(ws, onCreated) {
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
