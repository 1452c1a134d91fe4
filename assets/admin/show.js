// How a value from the API is shown. A value is never shown as
// "undefined", "null" or a blank: a null shows the reason the API gave in
// the object's `why_null`, and a field missing from an answer says so.
// Pure functions (tested in Node: tests/web/console.test.mjs).

/**
 * `obj[key]` for display: `{text, why}`, where `why` is true when `text`
 * is a reason instead of a value.
 */
export function shown(obj, key, format = String) {
  const value = obj?.[key];
  if (value === null) {
    const reason = obj.why_null?.[key];
    return { text: typeof reason === 'string' && reason ? reason : `no ${key}, and the API gave no reason`, why: true };
  }
  if (value === undefined) return { text: `no ${key} in the API's answer`, why: true };
  return { text: format(value), why: false };
}

export const yesNo = (b) => (b ? 'yes' : 'no');

/** `83.4` -> `1m 23s`; `4000` -> `1h 06m`. */
export function duration(secs) {
  const s = Math.floor(secs);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Bytes (or bytes per second) with a binary-free SI unit: `5810` -> `5.8 kB`. */
export function bytes(n) {
  if (n < 1000) return `${Math.round(n)} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i += 1;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export const ms = (v) => `${Number(v).toFixed(v < 10 ? 2 : 1)} ms`;

/** A number for a chart's readout: integers as they are, rates to 1 decimal. */
export function amount(v) {
  if (v === null || v === undefined) return null;
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}
