// DOM helpers. Every string reaches the page as a text node or an
// attribute value, never as HTML: lobby and player names are typed by
// players.

import { shown } from './show.js';

export const $ = (id) => document.getElementById(id);

/**
 * `el('td', {className: 'x', dataset: {id: 3}, onclick}, 'text', child)`:
 * properties are assigned (`textContent`, never `innerHTML`), strings
 * become text nodes.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'innerHTML') throw new Error('no innerHTML: use text');
    else node[key] = value;
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

/** A table cell showing `obj[key]`, or the API's reason when it is null. */
export function cell(obj, key, format) {
  const { text, why } = shown(obj, key, format);
  return el('td', { className: why ? 'why' : '', title: why ? text : '' }, text);
}

/** Replaces the children of `node`. */
export function fill(node, ...children) {
  node.replaceChildren(...children.filter((c) => c !== null && c !== undefined));
}
