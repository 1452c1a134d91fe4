// A snapshot's records (docs/PROTOCOL.md section 3.2): the engine's
// heads, the game's fields. A game module describes its replicated types
// as a schema, and this reads (and, for tests and toFull, writes) the
// records with it. Nothing here applies a record: views.js does.
//
// A schema is `{entity(kind), row, singleton}`: `entity(kind)` gives the
// fields of an entity of that kind (0..=15), or null for a kind the game
// does not have; `row` and `singleton` are `{fields}` (no fields at all for
// a game whose row or singleton is Rust's `()`). `fields` lists a record's
// fields in declaration order, each `{name, read(reader), write(writer,
// value)}` (the `field` helpers below build the common ones). A record's
// fields are an object keyed by field name: all of them, or those its mask
// names (mask bits past the last field name nothing, as in Rust).
//
// Record objects: {type:'Me', offset}, {type:'Row', key, fields},
// {type:'RowUpdate', key, mask, fields}, {type:'RowGone', key},
// {type:'Singleton', fields}, {type:'SingletonUpdate', mask, fields},
// {type:'SingletonGone'}, and for entities, each with `kind` and `index`:
// {type:'Enter', track, fields}, {type:'EnterStill', fields},
// {type:'Motion', offset, vel}, {type:'Update', mask, fields},
// {type:'Hidden'}, {type:'Gone'}. An Update whose mask names exactly one
// of fields 0 to 7 is spelled short (tag 8 + 16 * (6 + field) + kind, no
// mask); both spellings read as the same record.

import { CodecError, Reader, Writer } from './wire.js';

/** Entity kinds a game may define: 0 to 15 (one-byte record tags). */
export const MAX_KINDS = 16;

const ENTITY_TAGS = 8;
/** Entity ops 0 to 5; ops 6 to 13 are an Update of the one field op - 6
 *  (no mask on the wire: the most common change costs a byte less). */
const ONE_FIELD_OP = 6;
/** Fields whose lone update has its own op: 0 to 7. */
const ONE_FIELD_UPDATES = 8;
const ENTITY_OP_COUNT = ONE_FIELD_OP + ONE_FIELD_UPDATES;
const LOBBY_RECORDS = ['Me', 'Row', 'RowUpdate', 'RowGone', 'Singleton', 'SingletonUpdate',
  'SingletonGone'];
const ENTITY_OPS = ['Enter', 'EnterStill', 'Motion', 'Update', 'Hidden', 'Gone'];

const malformed = (message) => new CodecError('Malformed', message);
const invalid = (message) => new CodecError('InvalidValue', message);

/** Every mask bit: "all fields". */
export const ALL = null;

/**
 * The fields a record reads: the entity kind's (a Malformed error for a
 * kind the game does not have), the row's or the singleton's.
 * @returns {object[]} field descriptors
 */
export function fieldsOf(schema, head) {
  if (head.kind !== undefined) {
    const def = schema.entity(head.kind);
    if (!def) throw malformed(`the game has no entity kind ${head.kind}`);
    return def.fields;
  }
  return head.type.startsWith('Row') ? schema.row.fields : schema.singleton.fields;
}

/**
 * Reads every field (mask ALL), or those bit i of `mask` names, in order.
 * @returns {object} the fields read, by name
 */
export function readFields(r, fields, mask) {
  const out = {};
  fields.forEach((f, i) => {
    if (mask === ALL || (i < 32 && (mask >>> i) & 1)) out[f.name] = f.read(r);
  });
  return out;
}

function writeFields(w, fields, values, mask) {
  if (values === null || typeof values !== 'object') throw invalid('fields: not an object');
  fields.forEach((f, i) => {
    if (mask !== ALL && !(i < 32 && (mask >>> i) & 1)) return;
    if (!(f.name in values)) throw invalid(`fields: ${f.name} missing`);
    f.write(w, values[f.name]);
  });
}

/**
 * Reads the next record's head: everything but its fields. `fields` on
 * the head says which follow: ALL, a mask, or undefined for none.
 * @param {Reader} r
 * @returns {object} a record object without `fields`
 * @throws {CodecError} 'Malformed' on a bad tag or a truncated head
 */
export function readHead(r) {
  const tag = r.u32('record tag');
  if (tag >= ENTITY_TAGS && tag < ENTITY_TAGS + 16 * ENTITY_OP_COUNT) {
    const kind = (tag - ENTITY_TAGS) % 16;
    const op = Math.floor((tag - ENTITY_TAGS) / 16);
    if (op >= ONE_FIELD_OP) {
      return { type: 'Update', kind, index: r.u32('entity index'), mask: (1 << (op - ONE_FIELD_OP)) >>> 0 };
    }
    const type = ENTITY_OPS[op];
    const head = { type, kind, index: r.u32('entity index') };
    switch (type) {
      case 'Enter':
        return { ...head, track: r.track(), fields: ALL };
      case 'EnterStill':
        return { ...head, fields: ALL };
      case 'Motion':
        return { ...head, offset: r.ivec2(), vel: r.ivec2() };
      case 'Update':
        return { ...head, mask: r.u32('mask') };
      default: // Hidden, Gone
        return head;
    }
  }
  const type = LOBBY_RECORDS[tag];
  switch (type) {
    case 'Me':
      return { type, offset: r.ivec2() };
    case 'Row':
      return { type, key: r.u32('row key'), fields: ALL };
    case 'RowUpdate':
      return { type, key: r.u32('row key'), mask: r.u32('mask') };
    case 'RowGone':
      return { type, key: r.u32('row key') };
    case 'Singleton':
      return { type, fields: ALL };
    case 'SingletonUpdate':
      return { type, mask: r.u32('mask') };
    case 'SingletonGone':
      return { type };
    default:
      throw malformed(`unknown snapshot record tag ${tag}`);
  }
}

/** The mask of the fields following `head`, ALL, or undefined for none. */
export function fieldMask(head) {
  if ('mask' in head) return head.mask;
  return head.fields === ALL ? ALL : undefined;
}

/**
 * Reads a snapshot's records, back to back until the bytes end.
 * @param {Uint8Array} bytes `Snapshot.records`
 * @param {object} schema the game module's schema
 * @returns {object[]} record objects, in order
 * @throws {CodecError} 'Malformed' on a bad tag, an entity kind the game
 *   does not have (where fields follow), or truncated or invalid fields
 */
export function readRecords(bytes, schema) {
  const r = new Reader(bytes);
  const out = [];
  while (r.remaining() > 0) {
    const rec = readHead(r);
    const mask = fieldMask(rec);
    if (mask !== undefined) rec.fields = readFields(r, fieldsOf(schema, rec), mask);
    out.push(rec);
  }
  return out;
}

/** The field a mask names alone, if it is one of 0 to 7; else null. */
function oneField(mask) {
  for (let i = 0; i < ONE_FIELD_UPDATES; i++) if (mask === 1 << i) return i;
  return null;
}

function writeRecord(w, rec, schema) {
  const lobbyTag = LOBBY_RECORDS.indexOf(rec.type);
  if (lobbyTag >= 0) {
    w.varint(lobbyTag);
    if ('key' in rec || rec.type.startsWith('Row')) w.u32(rec.key, 'key');
    if ('mask' in rec) w.u32(rec.mask, 'mask');
    if (rec.type === 'Me') w.ivec2(rec.offset, 'offset');
    if ('fields' in rec) writeFields(w, fieldsOf(schema, rec), rec.fields, rec.mask ?? ALL);
    return;
  }
  const op = ENTITY_OPS.indexOf(rec.type);
  if (op < 0) throw invalid(`unknown record type ${String(rec.type)}`);
  if (!Number.isInteger(rec.kind) || rec.kind < 0 || rec.kind >= MAX_KINDS) {
    throw invalid(`entity kind ${String(rec.kind)} is not 0..=15`);
  }
  // An Update of exactly one of fields 0 to 7 has the short form.
  const one = rec.type === 'Update' ? oneField(rec.mask) : null;
  w.varint(ENTITY_TAGS + 16 * (one === null ? op : ONE_FIELD_OP + one) + rec.kind);
  w.u32(rec.index, 'index');
  if (rec.type === 'Enter') w.track(rec.track, 'track');
  if (rec.type === 'Motion') {
    w.ivec2(rec.offset, 'offset');
    w.ivec2(rec.vel, 'vel');
  }
  if (rec.type === 'Update' && one === null) w.u32(rec.mask, 'mask');
  if ('fields' in rec) writeFields(w, fieldsOf(schema, rec), rec.fields, rec.mask ?? ALL);
}

/**
 * Writes records back to back: the bytes `readRecords` reads back.
 * @param {object[]} records record objects
 * @param {object} schema
 * @returns {Uint8Array}
 * @throws {CodecError} 'InvalidValue' for a record the wire cannot carry
 */
export function writeRecords(records, schema) {
  const w = new Writer();
  for (const rec of records) writeRecord(w, rec, schema);
  return w.finish();
}
