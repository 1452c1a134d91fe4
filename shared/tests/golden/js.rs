//! The Rust types as the browser client's JS modules shape them
//! (`tests/web/README.md`), in JSON. JSON has no `BigInt`, no bytes and no
//! non-finite numbers, so: `u64`s are decimal strings, byte arrays and
//! payloads are hex strings, and `f32`s are numbers (their exact `f64`
//! value) or the strings `"NaN"`, `"Infinity"`, `"-Infinity"`;
//! `tests/web/golden.mjs` revives them. Where bits matter (movement),
//! `f32`s are their bit patterns instead, see [`bits`]. A game's record
//! fields are objects keyed by field name ([`JsFields`]).
//!
//! Every match and destructuring here is exhaustive and names every field,
//! so a new variant or field in the protocol stops this compiling until the
//! vectors (and then the JS) follow.

use glam::{IVec2, Vec2};
use rallypoint_arena::{ArenaEntity, ArenaRow, MapInfo};
use rallypoint_four::{FourRow, FourState, Phase};
use rallypoint_game::view::{Held, View};
use rallypoint_shared::baselines::BaselineStats;
use rallypoint_shared::snapshot::{ApplyError, Track};
use rallypoint_shared::{
    ClientMsg, EntityRef, Input, JoinTarget, LobbyInfo, Payload, Rect, RosterEntry, ServerMsg,
    Snapshot, encode_value_into,
};
use serde_json::{Map, Value, json};

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A `u64` as JS holds it: a `BigInt`, here its decimal string.
pub fn big(v: u64) -> Value {
    Value::String(v.to_string())
}

pub fn f32_value(v: f32) -> Value {
    if v.is_nan() {
        json!("NaN")
    } else if v.is_infinite() {
        json!(if v > 0.0 { "Infinity" } else { "-Infinity" })
    } else {
        // Widening is exact, and JSON.parse of serde_json's shortest f64
        // text gives those bits back (-0.0 included).
        json!(f64::from(v))
    }
}

pub fn vec2(v: Vec2) -> Value {
    json!({ "x": f32_value(v.x), "y": f32_value(v.y) })
}

/// A `Vec2` as its two `f32` bit patterns, for bit-exact comparison.
pub fn bits(v: Vec2) -> Value {
    json!({ "x": v.x.to_bits(), "y": v.y.to_bits() })
}

pub fn ivec2(v: IVec2) -> Value {
    json!({ "x": v.x, "y": v.y })
}

pub fn entity_ref(e: EntityRef) -> Value {
    let EntityRef {
        kind,
        index,
        generation,
    } = e;
    json!({ "kind": kind, "index": index, "generation": generation })
}

pub fn rect(r: &Rect) -> Value {
    let Rect { min, max } = *r;
    json!({ "min": vec2(min), "max": vec2(max) })
}

pub fn map_info(m: &MapInfo) -> Value {
    let MapInfo {
        name,
        bounds,
        walls,
    } = m;
    json!({
        "name": name,
        "bounds": rect(bounds),
        "walls": walls.iter().map(rect).collect::<Vec<_>>(),
    })
}

pub fn track(t: Track) -> Value {
    let Track { pos, vel } = t;
    json!({ "pos": ivec2(pos), "vel": ivec2(vel) })
}

pub fn payload(p: &Payload) -> Value {
    json!(hex(&p.0))
}

fn lobby_info(l: &LobbyInfo) -> Value {
    let LobbyInfo {
        id,
        game,
        name,
        players,
        max_players,
        label,
    } = l;
    json!({
        "id": id.0,
        "game": game,
        "name": name,
        "players": players,
        "max_players": max_players,
        "label": label,
    })
}

fn roster_entry(r: &RosterEntry) -> Value {
    let RosterEntry {
        player,
        name,
        avatar,
    } = r;
    json!({ "player": big(player.0), "name": name, "avatar": avatar.map(entity_ref) })
}

/// A snapshot's fields, without the `type` a `ServerMsg::Snapshot` adds.
pub fn snapshot(s: &Snapshot) -> Value {
    let Snapshot {
        tick,
        baseline_age,
        input_seq_advance,
        records,
    } = s;
    json!({
        "tick": tick,
        "baseline_age": baseline_age,
        "input_seq_advance": input_seq_advance,
        "records": payload(records),
    })
}

pub fn server_msg(m: &ServerMsg) -> Value {
    match m {
        ServerMsg::Welcome {
            player,
            protocol_version,
            tick_hz,
            snapshot_hz,
            max_message_bytes,
            resume_token,
            resume_grace_secs,
            games,
        } => json!({
            "type": "Welcome",
            "player": big(player.0),
            "protocol_version": protocol_version,
            "tick_hz": tick_hz,
            "snapshot_hz": snapshot_hz,
            "max_message_bytes": max_message_bytes,
            "resume_token": hex(&resume_token.0),
            "resume_grace_secs": resume_grace_secs,
            "games": games,
        }),
        ServerMsg::LobbyList { lobbies } => json!({
            "type": "LobbyList",
            "lobbies": lobbies.iter().map(lobby_info).collect::<Vec<_>>(),
        }),
        ServerMsg::Joined {
            lobby,
            game,
            join_code,
            max_players,
            avatar,
            tick,
            info,
        } => json!({
            "type": "Joined",
            "lobby": lobby.0,
            "game": game,
            "join_code": join_code,
            "max_players": max_players,
            "avatar": avatar.map(entity_ref),
            "tick": tick,
            "info": payload(info),
        }),
        ServerMsg::Snapshot(s) => {
            let mut v = snapshot(s);
            v["type"] = json!("Snapshot");
            v
        }
        ServerMsg::Pong { client_time, tick } => {
            json!({ "type": "Pong", "client_time": big(*client_time), "tick": tick })
        }
        ServerMsg::Error { code, message } => {
            json!({ "type": "Error", "code": format!("{code:?}"), "message": message })
        }
        ServerMsg::Left => json!({ "type": "Left" }),
        ServerMsg::Roster { players } => json!({
            "type": "Roster",
            "players": players.iter().map(roster_entry).collect::<Vec<_>>(),
        }),
        ServerMsg::ShuttingDown { reason, drain_secs } => {
            json!({ "type": "ShuttingDown", "reason": reason, "drain_secs": drain_secs })
        }
        ServerMsg::RosterUpdate { added, removed } => json!({
            "type": "RosterUpdate",
            "added": added.iter().map(roster_entry).collect::<Vec<_>>(),
            "removed": removed.iter().map(|p| big(p.0)).collect::<Vec<_>>(),
        }),
        ServerMsg::Event(p) => json!({ "type": "Event", "payload": payload(p) }),
        ServerMsg::Redirect { node, url, ticket } => {
            json!({ "type": "Redirect", "node": node, "url": url, "ticket": hex(ticket) })
        }
        ServerMsg::Notice { text } => json!({ "type": "Notice", "text": text }),
    }
}

pub fn client_msg(m: &ClientMsg) -> Value {
    match m {
        ClientMsg::Hello {
            protocol_version,
            name,
            token,
        } => {
            json!({ "type": "Hello", "protocol_version": protocol_version, "name": name, "token": token })
        }
        ClientMsg::ListLobbies => json!({ "type": "ListLobbies" }),
        ClientMsg::CreateLobby {
            game,
            name,
            max_players,
            private,
        } => json!({
            "type": "CreateLobby",
            "game": game,
            "name": name,
            "max_players": max_players,
            "private": private,
        }),
        ClientMsg::JoinLobby(target) => {
            let target = match target {
                JoinTarget::Id(id) => json!({ "Id": id.0 }),
                JoinTarget::Code(code) => json!({ "Code": code }),
                JoinTarget::Ticket(ticket) => json!({ "Ticket": hex(ticket) }),
            };
            json!({ "type": "JoinLobby", "target": target })
        }
        ClientMsg::QuickJoin { game } => json!({ "type": "QuickJoin", "game": game }),
        ClientMsg::LeaveLobby => json!({ "type": "LeaveLobby" }),
        ClientMsg::Input(i) => {
            let mut v = input(i);
            v["type"] = json!("Input");
            v
        }
        ClientMsg::Inputs(inputs) => json!({
            "type": "Inputs",
            "inputs": inputs.iter().map(input).collect::<Vec<_>>(),
        }),
        ClientMsg::Ping { client_time } => {
            json!({ "type": "Ping", "client_time": big(*client_time) })
        }
        ClientMsg::Resume {
            protocol_version,
            token,
        } => json!({
            "type": "Resume",
            "protocol_version": protocol_version,
            "token": hex(&token.0),
        }),
        ClientMsg::Game(p) => json!({ "type": "Game", "payload": payload(p) }),
        ClientMsg::Ack { tick } => json!({ "type": "Ack", "tick": tick }),
    }
}

/// An `Input`'s fields: `Input` adds its `type`; `Inputs` lists them.
fn input(i: &Input) -> Value {
    let Input {
        seq,
        ack_tick,
        payload: p,
    } = i;
    json!({ "seq": seq, "ack_tick": ack_tick, "payload": payload(p) })
}

/// A replicated record's fields as the game's JS schema names them, in
/// declaration order (bit `i` of a mask is entry `i`).
pub trait JsFields {
    fn js_fields(&self) -> Vec<(&'static str, Value)>;
}

impl JsFields for ArenaEntity {
    fn js_fields(&self) -> Vec<(&'static str, Value)> {
        match *self {
            ArenaEntity::Player { aim, hp, alive } => {
                vec![
                    ("aim", json!(aim)),
                    ("hp", json!(hp)),
                    ("alive", json!(alive)),
                ]
            }
            ArenaEntity::Projectile { owner } => vec![("owner", json!(owner))],
        }
    }
}

impl JsFields for ArenaRow {
    fn js_fields(&self) -> Vec<(&'static str, Value)> {
        let ArenaRow {
            generation,
            kills,
            deaths,
        } = *self;
        vec![
            ("generation", json!(generation)),
            ("kills", json!(kills)),
            ("deaths", json!(deaths)),
        ]
    }
}

/// Rust's `()`: a record with no bytes, an empty object in JS.
impl JsFields for () {
    fn js_fields(&self) -> Vec<(&'static str, Value)> {
        Vec::new()
    }
}

impl JsFields for FourRow {
    fn js_fields(&self) -> Vec<(&'static str, Value)> {
        let FourRow {
            player,
            wins,
            rematch,
        } = *self;
        vec![
            ("player", big(player.0)),
            ("wins", json!(wins)),
            ("rematch", json!(rematch)),
        ]
    }
}

pub fn four_phase(p: Phase) -> Value {
    match p {
        Phase::Waiting => json!({ "type": "Waiting" }),
        Phase::Playing => json!({ "type": "Playing" }),
        Phase::Won { seat } => json!({ "type": "Won", "seat": seat }),
        Phase::Draw => json!({ "type": "Draw" }),
        Phase::Forfeit { seat, why } => {
            json!({ "type": "Forfeit", "seat": seat, "why": format!("{why:?}") })
        }
    }
}

impl JsFields for FourState {
    fn js_fields(&self) -> Vec<(&'static str, Value)> {
        let FourState {
            board,
            turn,
            phase,
            deadline,
            moves,
            game,
        } = *self;
        // The board as its 42 wire bytes (0 empty, 1 seat 0, 2 seat 1).
        let mut cells = Vec::new();
        encode_value_into(&board, &mut cells).unwrap();
        vec![
            ("board", json!(cells)),
            ("turn", json!(turn)),
            ("phase", four_phase(phase)),
            ("deadline", json!(deadline)),
            ("moves", json!(moves)),
            ("game", json!(game)),
        ]
    }
}

/// The fields `mask` names (all for `u32::MAX`), as an object.
pub fn fields<F: JsFields>(value: &F, mask: u32) -> Value {
    let mut out = Map::new();
    for (i, (name, v)) in value.js_fields().into_iter().enumerate() {
        if i < 32 && mask & (1 << i) != 0 {
            out.insert(name.to_owned(), v);
        }
    }
    Value::Object(out)
}

/// A view: entities as a list in (kind, index) order, rows as
/// `[key, fields]` pairs in key order (`golden.mjs` makes Maps of both).
pub fn view<E: JsFields, R: JsFields, S: JsFields>(v: &View<E, R, S>) -> Value {
    let View {
        tick,
        last_input_seq,
        me,
        entities,
        rows,
        singleton,
    } = v;
    let entities = entities.iter().map(|(&(kind, index), held)| {
        let Held { track: t, fields: f } = held;
        json!({ "kind": kind, "index": index, "track": t.map(track), "fields": fields(f, u32::MAX) })
    });
    json!({
        "tick": tick,
        "last_input_seq": last_input_seq,
        "me": ivec2(*me),
        "entities": entities.collect::<Vec<_>>(),
        "rows": rows.iter().map(|(k, r)| json!([k, fields(r, u32::MAX)])).collect::<Vec<_>>(),
        "singleton": singleton.as_ref().map(|s| fields(s, u32::MAX)),
    })
}

/// An `ApplyError` as the JS `ApplyError`'s `kind` and fields.
pub fn apply_error(e: &ApplyError) -> Value {
    match e {
        ApplyError::MissingBaseline { tick, baseline } => {
            json!({ "kind": "MissingBaseline", "tick": tick, "baseline": baseline })
        }
        ApplyError::UnknownEntity { what, index } => {
            json!({ "kind": "UnknownEntity", "what": what, "index": index })
        }
        ApplyError::Malformed(_) => json!({ "kind": "Malformed" }),
    }
}

/// Either `{ "view": ... }` or `{ "error": ... }`.
pub fn apply_result<E: JsFields, R: JsFields, S: JsFields>(
    r: Result<&View<E, R, S>, &ApplyError>,
) -> Value {
    match r {
        Ok(v) => json!({ "view": view(v) }),
        Err(e) => json!({ "error": apply_error(e) }),
    }
}

pub fn stats(s: BaselineStats) -> Value {
    let BaselineStats {
        full,
        delta,
        resets,
        missing_baseline,
        stale,
    } = s;
    json!({
        "full": full,
        "delta": delta,
        "resets": resets,
        "missing_baseline": missing_baseline,
        "stale": stale,
    })
}
