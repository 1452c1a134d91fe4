// Arena's payloads and replicated fields (games/arena/PROTOCOL.md): the schema the engine reads snapshot
// records with, the input payload, the join info (the map) and the events.
// Pure: it reads and writes with the engine's Reader and Writer (passed in,
// so this folder imports nothing from the engine's). Checked against Rust
// by tests/web/ (golden.json).

/** Entity kinds. */
export const KIND_PLAYER = 0;
export const KIND_PROJECTILE = 1;

const u8 = (name) => ({ name, read: (r) => r.u8(name), write: (w, v) => w.u8(v, name) });
const u32 = (name) => ({ name, read: (r) => r.u32(name), write: (w, v) => w.u32(v, name) });
const bool = (name) => ({ name, read: (r) => r.bool(name), write: (w, v) => w.bool(v, name) });

/** What replicates: players (tracked; aim byte, hp, alive), projectiles
 *  (tracked; the owner's player index), a score row per player slot
 *  (with the slot's generation), and no singleton. */
const KINDS = [
  { name: 'player', fields: [u8('aim'), u8('hp'), bool('alive')] },
  { name: 'projectile', fields: [u32('owner')] },
];
export const schema = {
  entity: (kind) => KINDS[kind] ?? null,
  row: { fields: [u32('generation'), u32('kills'), u32('deaths')] },
  // Rust's `()`: a Singleton record carries no bytes (arena sends none).
  singleton: { fields: [] },
};

const EVENTS = ['Killed'];

function rect(r) {
  return { min: r.vec2(), max: r.vec2() };
}

/**
 * `Joined.info`: `MapInfo { name, bounds, walls }`.
 * @param {import('../../../assets/web/js/wire.js').Reader} r
 */
export function readInfo(r) {
  return { name: r.string('map name'), bounds: rect(r), walls: r.list('walls', () => rect(r)) };
}

/** An `Event` payload: `{type:'Killed', killer, victim}`, the slot indices
 *  of the victim and of the shot's owner (who may have left since). */
export function readEvent(r) {
  const type = r.tag(EVENTS, 'arena event');
  return { type, killer: r.u32('killer'), victim: r.u32('victim') };
}

/**
 * An `Input` payload: `ArenaInput { movement, aim, fire, hitscan }`, 18
 * bytes. f32s are rounded to the nearest f32, as Math.fround does.
 * @param {import('../../../assets/web/js/wire.js').Writer} w
 * @param {{movement: {x, y}, aim: {x, y}, fire: boolean, hitscan: boolean}} v
 */
export function writeInput(w, v) {
  w.vec2(v?.movement, 'movement');
  w.vec2(v?.aim, 'aim');
  w.bool(v?.fire, 'fire');
  w.bool(v?.hitscan, 'hitscan');
}

/** `ArenaInput` from its payload (for tests and tools). */
export function readInput(r) {
  return { movement: r.vec2(), aim: r.vec2(), fire: r.bool('fire'), hitscan: r.bool('hitscan') };
}

/** f32 2π, as Rust's std::f32::consts::TAU. */
const TAU = Math.fround(2 * Math.PI);

/**
 * The unit vector an aim byte stands for: 256ths of a turn from +x towards
 * +y. Equal to Rust's `byte_to_aim` to within an f32 rounding (sin and cos
 * are not bit-exact across platforms; nothing predicted depends on them).
 * @param {number} b 0..=255
 * @returns {{x: number, y: number}}
 */
export function aimFromByte(b) {
  const angle = Math.fround((b / 256) * TAU);
  return { x: Math.fround(Math.cos(angle)), y: Math.fround(Math.sin(angle)) };
}
