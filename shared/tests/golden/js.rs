//! The Rust types as the browser client's JS modules shape them
//! (`tests/web/README.md`), in JSON. JSON has no `BigInt`, no bytes and no
//! non-finite numbers, so: `u64`s are decimal strings, byte arrays are hex
//! strings, and `f32`s are numbers (their exact `f64` value) or the strings
//! `"NaN"`, `"Infinity"`, `"-Infinity"`; `tests/web/golden.mjs` revives
//! them. Where bits matter (movement), `f32`s are their bit patterns
//! instead, see [`bits`].
//!
//! Every match and destructuring here is exhaustive and names every field,
//! so a new variant or field in the protocol stops this compiling until the
//! vectors (and then the JS) follow.

use std::collections::BTreeMap;

use glam::{IVec2, Vec2};
use rallypoint_shared::baselines::BaselineStats;
use rallypoint_shared::snapshot::{
    ApplyError, Change, PlayerView, ProjectileView, ScoreView, Track, WorldView,
};
use rallypoint_shared::{
    ClientMsg, EntityId, InputFrame, JoinTarget, LobbyInfo, MapInfo, Rect, RosterEntry, ServerMsg,
    Snapshot,
};
use serde_json::{Value, json};

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

pub fn entity(e: EntityId) -> Value {
    let EntityId { index, generation } = e;
    json!({ "index": index, "generation": generation })
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

fn lobby_info(l: &LobbyInfo) -> Value {
    let LobbyInfo {
        id,
        name,
        players,
        max_players,
        map,
    } = l;
    json!({
        "id": id.0,
        "name": name,
        "players": players,
        "max_players": max_players,
        "map": map,
    })
}

fn roster_entry(r: &RosterEntry) -> Value {
    let RosterEntry {
        entity: e,
        player,
        name,
    } = r;
    json!({ "entity": entity(*e), "player": big(player.0), "name": name })
}

pub fn change(c: &Change) -> Value {
    match *c {
        Change::Me { offset } => json!({ "type": "Me", "offset": ivec2(offset) }),
        Change::PlayerEnter {
            index,
            track: t,
            aim,
            hp,
            alive,
        } => json!({
            "type": "PlayerEnter",
            "index": index,
            "track": track(t),
            "aim": aim,
            "hp": hp,
            "alive": alive,
        }),
        Change::PlayerHidden { index } => json!({ "type": "PlayerHidden", "index": index }),
        Change::PlayerMotion { index, offset, vel } => json!({
            "type": "PlayerMotion",
            "index": index,
            "offset": ivec2(offset),
            "vel": ivec2(vel),
        }),
        Change::PlayerAim { index, aim } => {
            json!({ "type": "PlayerAim", "index": index, "aim": aim })
        }
        Change::PlayerHealth { index, hp, alive } => {
            json!({ "type": "PlayerHealth", "index": index, "hp": hp, "alive": alive })
        }
        Change::Score {
            index,
            kills,
            deaths,
        } => json!({ "type": "Score", "index": index, "kills": kills, "deaths": deaths }),
        Change::PlayerLeft { index } => json!({ "type": "PlayerLeft", "index": index }),
        Change::ProjectileEnter {
            index,
            owner,
            track: t,
        } => json!({
            "type": "ProjectileEnter",
            "index": index,
            "owner": owner,
            "track": track(t),
        }),
        Change::ProjectileGone { index } => json!({ "type": "ProjectileGone", "index": index }),
        Change::ProjectileMotion { index, offset, vel } => json!({
            "type": "ProjectileMotion",
            "index": index,
            "offset": ivec2(offset),
            "vel": ivec2(vel),
        }),
    }
}

/// A snapshot's fields, without the `type` a `ServerMsg::Snapshot` adds.
pub fn snapshot(s: &Snapshot) -> Value {
    let Snapshot {
        tick,
        baseline_age,
        input_seq_advance,
        changes,
    } = s;
    json!({
        "tick": tick,
        "baseline_age": baseline_age,
        "input_seq_advance": input_seq_advance,
        "changes": changes.iter().map(change).collect::<Vec<_>>(),
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
        } => json!({
            "type": "Welcome",
            "player": big(player.0),
            "protocol_version": protocol_version,
            "tick_hz": tick_hz,
            "snapshot_hz": snapshot_hz,
            "max_message_bytes": max_message_bytes,
            "resume_token": hex(&resume_token.0),
            "resume_grace_secs": resume_grace_secs,
        }),
        ServerMsg::LobbyList { lobbies } => json!({
            "type": "LobbyList",
            "lobbies": lobbies.iter().map(lobby_info).collect::<Vec<_>>(),
        }),
        ServerMsg::Joined {
            lobby,
            join_code,
            max_players,
            entity: e,
            map,
            tick,
        } => json!({
            "type": "Joined",
            "lobby": lobby.0,
            "join_code": join_code,
            "max_players": max_players,
            "entity": entity(*e),
            "map": map_info(map),
            "tick": tick,
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
            "removed": removed.iter().copied().map(entity).collect::<Vec<_>>(),
        }),
    }
}

pub fn client_msg(m: &ClientMsg) -> Value {
    match m {
        ClientMsg::Hello {
            protocol_version,
            name,
        } => json!({ "type": "Hello", "protocol_version": protocol_version, "name": name }),
        ClientMsg::ListLobbies => json!({ "type": "ListLobbies" }),
        ClientMsg::CreateLobby {
            name,
            max_players,
            private,
        } => json!({
            "type": "CreateLobby",
            "name": name,
            "max_players": max_players,
            "private": private,
        }),
        ClientMsg::JoinLobby(target) => {
            let target = match target {
                JoinTarget::Id(id) => json!({ "Id": id.0 }),
                JoinTarget::Code(code) => json!({ "Code": code }),
            };
            json!({ "type": "JoinLobby", "target": target })
        }
        ClientMsg::QuickJoin => json!({ "type": "QuickJoin" }),
        ClientMsg::LeaveLobby => json!({ "type": "LeaveLobby" }),
        ClientMsg::Input(input) => {
            let mut v = input_frame(input);
            v["type"] = json!("Input");
            v
        }
        ClientMsg::Inputs(inputs) => json!({
            "type": "Inputs",
            "inputs": inputs.iter().map(input_frame).collect::<Vec<_>>(),
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
    }
}

/// An `InputFrame`'s fields: `Input` adds its `type`; `Inputs` lists them.
fn input_frame(input: &InputFrame) -> Value {
    let InputFrame {
        seq,
        movement,
        aim,
        fire,
        hitscan,
        ack_tick,
    } = *input;
    json!({
        "seq": seq,
        "movement": vec2(movement),
        "aim": vec2(aim),
        "fire": fire,
        "hitscan": hitscan,
        "ack_tick": ack_tick,
    })
}

/// A `Map` keyed by index, as `[index, value]` pairs in index order.
fn pairs<T>(map: &BTreeMap<u32, T>, f: impl Fn(&T) -> Value) -> Value {
    Value::Array(map.iter().map(|(k, v)| json!([k, f(v)])).collect())
}

pub fn view(v: &WorldView) -> Value {
    let WorldView {
        tick,
        last_input_seq,
        me,
        players,
        projectiles,
        scores,
    } = v;
    json!({
        "tick": tick,
        "last_input_seq": last_input_seq,
        "me": ivec2(*me),
        "players": pairs(players, |p| {
            let PlayerView { track: t, aim, hp, alive } = *p;
            json!({ "track": track(t), "aim": aim, "hp": hp, "alive": alive })
        }),
        "projectiles": pairs(projectiles, |p| {
            let ProjectileView { owner, track: t } = *p;
            json!({ "owner": owner, "track": track(t) })
        }),
        "scores": pairs(scores, |s| {
            let ScoreView { kills, deaths } = *s;
            json!({ "kills": kills, "deaths": deaths })
        }),
    })
}

/// An `ApplyError` as the JS `ApplyError`'s `kind` and fields.
pub fn apply_error(e: &ApplyError) -> Value {
    match *e {
        ApplyError::MissingBaseline { tick, baseline } => {
            json!({ "kind": "MissingBaseline", "tick": tick, "baseline": baseline })
        }
        ApplyError::UnknownEntity { what, index } => {
            json!({ "kind": "UnknownEntity", "what": what, "index": index })
        }
    }
}

/// Either `{ "view": ... }` or `{ "error": ... }`.
pub fn apply_result(r: Result<&WorldView, &ApplyError>) -> Value {
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
