// The confirmation every action goes through: one <dialog> (index.html)
// with a title, what will happen, and the fields the API takes (a reason,
// a notice's text, a ban's length). Resolves with the fields' values, or
// null when the operator cancels (the button, or Escape).

import { $, el, fill } from './dom.js';

/**
 * fields: [{name, label, kind: 'text'|'textarea'|'select', required,
 * max, options: [[value, label]], value}].
 */
export function confirmAction({ title, message, okLabel, fields = [] }) {
  const dialog = $('confirm');
  const form = $('confirm-form');
  const inputs = fields.map((f) => fieldInput(f));
  $('confirm-title').textContent = title;
  $('confirm-message').textContent = message;
  $('confirm-error').textContent = '';
  $('confirm-ok').textContent = okLabel;
  fill($('confirm-fields'), ...fields.map((f, i) => el('label', {}, f.label + (f.required ? '' : ' (optional)'), inputs[i])));
  return new Promise((resolve) => {
    const done = (values) => {
      form.removeEventListener('submit', onSubmit);
      $('confirm-cancel').removeEventListener('click', onCancel);
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
      resolve(values);
    };
    const onSubmit = (e) => {
      e.preventDefault();
      const values = {};
      for (const [i, f] of fields.entries()) {
        const v = inputs[i].value.trim();
        if (f.required && !v) {
          $('confirm-error').textContent = `${f.label}: required`;
          inputs[i].focus();
          return;
        }
        values[f.name] = v;
      }
      done(values);
    };
    const onCancel = (e) => {
      e.preventDefault();
      done(null);
    };
    form.addEventListener('submit', onSubmit);
    $('confirm-cancel').addEventListener('click', onCancel);
    dialog.addEventListener('cancel', onCancel);
    dialog.showModal();
    (inputs[0] ?? $('confirm-cancel')).focus();
  });
}

function fieldInput(f) {
  const props = { id: `confirm-${f.name}`, spellcheck: false };
  if (f.max) props.maxLength = f.max;
  if (f.kind === 'textarea') return el('textarea', { ...props, rows: 3 });
  if (f.kind === 'select') {
    const select = el('select', props, ...f.options.map(([value, label]) => el('option', { value }, label)));
    if (f.value !== undefined) select.value = f.value;
    return select;
  }
  return el('input', { ...props, type: 'text', autocomplete: 'off' });
}
