// dialogs.js — the console's confirmation dialog.
//
// Owns: confirmDialog, the modal that guards publishing, promoting and
// deleting. A module of its own so the plan and scenario pages share one.

import { h, fill } from './charts.js';

/**
 * A modal confirmation (a real <dialog>, so a test can click its button).
 * Resolves true when confirmed, false when cancelled or escaped.
 */
export function confirmDialog({ title, body, confirmLabel = 'Confirm', testid, danger = false }) {
  return new Promise((resolve) => {
    const dlg = h('dialog', { class: 'confirm', 'data-testid': testid ? `${testid}-dialog` : null });
    let settled = false;
    const done = (answer) => {
      if (settled) return;
      settled = true;
      if (dlg.open) dlg.close();
      dlg.remove();
      resolve(answer);
    };
    fill(dlg,
      h('h2', null, title),
      h('div', null, body),
      h('div', { class: 'actions' },
        h('button', { type: 'button', 'data-testid': 'dialog-cancel', onclick: () => done(false) }, 'Cancel'),
        h('button', { type: 'button', class: danger ? 'danger' : 'primary', 'data-testid': testid, onclick: () => done(true) }, confirmLabel)));
    dlg.addEventListener('cancel', (e) => {
      e.preventDefault();
      done(false);
    });
    document.body.appendChild(dlg);
    dlg.showModal();
  });
}
