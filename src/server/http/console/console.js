// console.js — the planner console's entry module.
//
// Owns: the routes table (which page draws which address) and the start:
// the shell is wired, the session asked for, the first page drawn. The
// pages are #/networks (networks.js), #/network/<id> (network.js),
// #/plan/<plan id> (plan.js) and #/scenarios/<network id> (scenarios.js);
// the rest of the console lives in the modules they import. Talking to the
// server is api.js's job, drawing is charts.js's.
//
// Responses follow the proto3 JSON mapping: fields at their default are
// left out, so every read has a default (`?? 0`, `|| []`), and 64-bit
// integers arrive as strings (read with `int`).
//
// Imports point one way: this module → pages → their cards and the map →
// docs, dialogs, shell → common → api.js, charts.js. The table is here, not
// in shell.js, because the pages import the shell.

import { loadSession, route, startShell } from './shell.js';
import { renderNetworks } from './networks.js';
import { renderNetwork } from './network.js';
import { renderPlan } from './plan.js';
import { renderScenarios } from './scenarios.js';

const ROUTES = [
  [/^#\/networks\/?$/, (ctx) => renderNetworks(ctx)],
  [/^#\/network\/([^/?]+)$/, (ctx, id) => renderNetwork(ctx, id)],
  [/^#\/plan\/([^/?]+)$/, (ctx, id) => renderPlan(ctx, id)],
  [/^#\/scenarios\/([^/?]+)$/, (ctx, id) => renderScenarios(ctx, id)],
];

startShell(ROUTES);

(async () => {
  await loadSession();
  route();
})();
