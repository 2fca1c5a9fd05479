// scenario-changes.js — the kinds of ScenarioChange, in forms and in words.
//
// Owns: what each kind of change asks for (its fields, with choices taken
// from the document) and how the values become a ScenarioChange; and a
// change described in words, as the form and the scenario list show it.

import { num } from './api.js';
import { compact } from './charts.js';
import { byId } from './common.js';
import { roleOf } from './docs.js';

// The kinds of change a scenario form builds: each names its fields (ids
// taken from the document) and how the values become a ScenarioChange.
const POLICY_FIELDS = ['carbon_price', 'carbon_cap', 'safety_penalty', 'late_penalty', 'unmet_penalty', 'renovation_budget', 'max_concurrent_renovations'];

export function changeKinds(ix) {
  const ids = (m) => [...m.keys()].sort(byId);
  const customers = [...ix.ents.values()].filter((e) => roleOf(e) === 'customer').map((e) => e.id).sort();
  // Suppliers first: an outage of one is the usual question.
  const rank = (e) => (roleOf(e) === 'supplier' ? 0 : 1);
  const suppliers = [...ix.ents.values()].filter((e) => roleOf(e) !== 'customer').sort((a, b) => rank(a) - rank(b) || byId(a.id, b.id)).map((e) => e.id);
  const lastPeriod = Math.max(0, ix.T - 1);
  const first = { name: 'first', label: 'first period', type: 'int', value: Math.min(1, lastPeriod) };
  const last = { name: 'last', label: 'last period', type: 'int', value: Math.min(3, lastPeriod) };
  const periods = (v) => ({ first: v.first, last: v.last });
  const targets = { enterprise: suppliers, site: ids(ix.sites), line: ids(ix.lines), lane: ids(ix.lanes), item: ids(ix.items) };
  const scopeTarget = (scopes) => [
    { name: 'scope', label: 'scope', type: 'select', options: () => scopes, rebuild: true },
    { name: 'target', label: 'which', type: 'select', options: (v) => targets[v.scope] || [], hidden: (v) => v.scope === 'all' },
  ];
  const renovation = { name: 'renovation', label: 'renovation', type: 'select', options: () => ids(ix.renovations) };
  return {
    outage: { label: 'outage (enterprise, site or line)', fields: [...scopeTarget(['enterprise', 'site', 'line']), first, last],
      build: (v) => ({ outage: { [v.scope]: v.target, periods: periods(v) } }) },
    capacity_factor: { label: 'capacity factor (line or lane)', fields: [...scopeTarget(['line', 'lane']), first, last, { name: 'factor', label: 'factor', type: 'number', value: 0.5 }],
      build: (v) => ({ capacity_factor: { [v.scope]: v.target, periods: periods(v), factor: v.factor } }) },
    demand_scale: { label: 'demand scale', fields: [
      { name: 'item', label: 'item (any)', type: 'select', options: () => ['', ...ids(ix.items)], optional: true },
      { name: 'site', label: 'site (any)', type: 'select', options: () => ['', ...[...ix.demandsBySite.keys()].sort()], optional: true },
      { name: 'customer', label: 'customer (any)', type: 'select', options: () => ['', ...customers], optional: true },
      { ...first, label: 'due from (any)', value: '', optional: true }, { ...last, label: 'due to (any)', value: '', optional: true },
      { name: 'factor', label: 'factor', type: 'number', value: 1.2 }],
    build: (v) => {
      const c = { factor: v.factor };
      if (v.item) c.item = v.item;
      if (v.site) c.site = v.site;
      if (v.customer) c.customer = v.customer;
      if (v.first !== null && v.last !== null) c.periods = periods(v);
      return { demand_scale: c };
    } },
    carbon_price: { label: 'carbon price', fields: [{ name: 'value', label: 'price per unit CO2', type: 'number', value: num(ix.doc.policy?.carbon_price) * 2 || 0.1 }],
      build: (v) => ({ carbon_price: v.value }) },
    carbon_cap: { label: 'carbon cap', fields: [{ name: 'value', label: 'cap (empty: none)', type: 'number', value: '', optional: true }],
      build: (v) => ({ carbon_cap: v.value === null ? {} : { cap: v.value } }) },
    lane_closure: { label: 'lane closure', fields: [{ name: 'lane', label: 'lane', type: 'select', options: () => ids(ix.lanes) }, first, last],
      build: (v) => ({ lane_closure: { lane: v.lane, periods: periods(v) } }) },
    lead_time: { label: 'lead time', fields: [{ name: 'lane', label: 'lane', type: 'select', options: () => ids(ix.lanes) }, { name: 'lead_time', label: 'lead time (periods)', type: 'int', value: 2 }],
      build: (v) => ({ lead_time: { lane: v.lane, lead_time: v.lead_time } }) },
    force_renovation: { label: 'renovation forced to a start', fields: [renovation, { name: 'start', label: 'start period', type: 'int', value: Math.min(5, lastPeriod) }],
      build: (v) => ({ force_renovation: { id: v.renovation, start: v.start } }) },
    move_renovation: { label: 'renovation window moved', fields: [renovation, { name: 'earliest', label: 'earliest start', type: 'int', value: 0 }, { name: 'latest', label: 'latest start', type: 'int', value: lastPeriod }],
      build: (v) => ({ move_renovation: { id: v.renovation, earliest: v.earliest, latest: v.latest } }) },
    remove_renovation: { label: 'renovation dropped', fields: [renovation], build: (v) => ({ remove_renovation: v.renovation }) },
    cost_factor: { label: 'cost / CO2 factor', fields: [...scopeTarget(['all', 'line', 'lane', 'item']),
      { name: 'cost_factor', label: 'cost factor (empty: 1)', type: 'number', value: 1.1, optional: true },
      { name: 'co2_factor', label: 'CO2 factor (empty: 1)', type: 'number', value: '', optional: true }],
    build: (v) => {
      const c = v.scope === 'all' ? { all: true } : { [v.scope]: v.target };
      if (v.cost_factor !== null) c.cost_factor = v.cost_factor;
      if (v.co2_factor !== null) c.co2_factor = v.co2_factor;
      return { cost_factor: c };
    } },
    add_demand: { label: 'new order', fields: [
      { name: 'id', label: 'demand id', type: 'text', value: 'what-if-order' },
      { name: 'site', label: 'site', type: 'select', options: () => [...new Set([...ix.demandsBySite.keys(), ...ids(ix.sites)])] },
      { name: 'item', label: 'item', type: 'select', options: () => ids(ix.items) },
      { name: 'period', label: 'due period', type: 'int', value: Math.min(6, lastPeriod) },
      { name: 'qty', label: 'quantity', type: 'number', value: 100 }],
    build: (v) => ({ add_demand: { id: v.id, site: v.site, item: v.item, period: v.period, qty: v.qty } }) },
    remove_demand: { label: 'order removed', fields: [{ name: 'demand', label: 'demand', type: 'select', options: () => ids(ix.demands) }],
      build: (v) => ({ remove_demand: v.demand }) },
    set_policy: { label: 'policy value', fields: [
      { name: 'field', label: 'field', type: 'select', options: () => POLICY_FIELDS },
      { name: 'value', label: 'value (empty: clear)', type: 'number', value: '', optional: true }],
    build: (v) => ({ set_policy: v.value === null ? { field: v.field } : { field: v.field, value: v.value } }) },
  };
}

const range = (p) => (p ? `${p.first ?? 0}–${p.last ?? 0}` : 'all periods');

/** A ScenarioChange in words. */
export function describeChange(c) {
  const [kind, v] = Object.entries(c)[0] || ['?', {}];
  const scope = (x, keys) => keys.map((k) => (x[k] !== undefined ? `${k} ${x[k] === true ? '' : x[k]}`.trim() : null)).find(Boolean) || '';
  switch (kind) {
    case 'outage': return `outage of ${scope(v, ['enterprise', 'site', 'line'])}, periods ${range(v.periods)}`;
    case 'capacity_factor': return `capacity ×${num(v.factor)} on ${scope(v, ['line', 'lane'])}, periods ${range(v.periods)}`;
    case 'lane_closure': return `lane ${v.lane} closed, periods ${range(v.periods)}`;
    case 'lead_time': return `lane ${v.lane} lead time ${v.lead_time ?? 0}`;
    case 'demand_scale': return `demand ×${num(v.factor)}${v.item ? ` of ${v.item}` : ''}${v.site ? ` at ${v.site}` : ''}${v.customer ? ` for ${v.customer}` : ''}${v.periods ? `, due ${range(v.periods)}` : ''}`;
    case 'add_demand': return `new order ${v.id}: ${num(v.qty)} ${v.item} at ${v.site}, due ${v.period ?? 0}`;
    case 'remove_demand': return `order ${v} removed`;
    case 'cost_factor': return `cost ×${num(v.cost_factor, 1)}, CO2 ×${num(v.co2_factor, 1)} on ${scope(v, ['all', 'line', 'lane', 'item']) || 'all'}`;
    case 'carbon_price': return `carbon price ${num(v)}`;
    case 'carbon_cap': return v.cap !== undefined ? `carbon cap ${compact(num(v.cap))}` : 'no carbon cap';
    case 'add_renovation': return `new renovation ${v.id}`;
    case 'remove_renovation': return `renovation ${v} dropped`;
    case 'move_renovation': return `renovation ${v.id} window ${v.earliest ?? 0}–${v.latest ?? 0}`;
    case 'force_renovation': return `renovation ${v.id} starts in ${v.start ?? 0}`;
    case 'set_policy': return `policy ${v.field} = ${v.value !== undefined ? num(v.value) : 'cleared'}`;
    default: return kind;
  }
}
