//! Client message vectors: every message, at the same thresholds as the
//! server's (`wire.rs`), batches of inputs (the threshold frames in one
//! `Inputs`, and batches the server refuses but the codec carries), and
//! messages the encoder must refuse as too large.

use glam::Vec2;
use rallypoint_shared::codec::MAX_CLIENT_MSG_BYTES;
use rallypoint_shared::*;
use serde_json::{Value, json};

use super::js;
use super::wire::{TRICKY_F32, TRICKY_U32, TRICKY_U64, error_kind};
use crate::common;

fn frame(seq: u32, movement: Vec2, aim: Vec2, ack_tick: u32) -> InputFrame {
    InputFrame {
        seq,
        movement,
        aim,
        fire: seq.is_multiple_of(2),
        hitscan: seq.is_multiple_of(3),
        ack_tick,
    }
}

fn input(seq: u32, movement: Vec2, aim: Vec2, ack_tick: u32) -> ClientMsg {
    ClientMsg::Input(frame(seq, movement, aim, ack_tick))
}

/// An `Inputs` of `count` frames from seq 1, each `ack_tick` 0: 20 bytes
/// a frame after the tag and a one-byte count.
fn plain_batch(count: usize) -> ClientMsg {
    ClientMsg::Inputs(
        (1..=count as u32)
            .map(|seq| frame(seq, Vec2::ZERO, Vec2::ZERO, 0))
            .collect(),
    )
}

/// Client messages beyond `common::every_client_msg`. No NaN: which NaN a
/// JS engine writes is its choice, and the server refuses it anyway.
fn more_client_msgs() -> Vec<(String, ClientMsg)> {
    let mut out = Vec::new();
    let finite = &TRICKY_F32[..7];
    let mut tricky_frames = Vec::new();
    for (i, &seq) in TRICKY_U32.iter().enumerate() {
        let tricky = frame(
            seq,
            Vec2::new(finite[i], finite[(i + 1) % 7]),
            Vec2::new(finite[(i + 2) % 7], finite[(i + 3) % 7]),
            TRICKY_U32[6 - i],
        );
        tricky_frames.push(tricky);
        out.push((format!("Input seq {seq}"), ClientMsg::Input(tricky)));
        out.push((
            format!("JoinLobby Id {seq}"),
            ClientMsg::JoinLobby(JoinTarget::Id(LobbyId(seq))),
        ));
    }
    out.push((
        "Input with infinite vectors".into(),
        input(
            7,
            Vec2::new(f32::INFINITY, f32::NEG_INFINITY),
            Vec2::new(f32::NEG_INFINITY, 1.0),
            7,
        ),
    ));
    out.push((
        "Inputs of every threshold frame".into(),
        ClientMsg::Inputs(tricky_frames),
    ));
    out.push((
        "Inputs of MAX_INPUTS_PER_MESSAGE frames".into(),
        plain_batch(MAX_INPUTS_PER_MESSAGE),
    ));
    for &t in &TRICKY_U64 {
        out.push((format!("Ping {t}"), ClientMsg::Ping { client_time: t }));
    }
    for (i, name) in ["\u{feff}ada", "日本語", "a\u{0}b", "\u{1f980}\u{1f980}"]
        .into_iter()
        .enumerate()
    {
        out.push((
            format!("Hello {name:?}"),
            ClientMsg::Hello {
                protocol_version: [4, 250, 251, 65_535][i],
                name: name.into(),
            },
        ));
    }
    out.push((
        "Hello of exactly MAX_CLIENT_MSG_BYTES".into(),
        ClientMsg::Hello {
            protocol_version: 4,
            name: "x".repeat(MAX_CLIENT_MSG_BYTES - 5),
        },
    ));
    out.push((
        "CreateLobby max_players 0".into(),
        ClientMsg::CreateLobby {
            name: "Zoë's".into(),
            max_players: 0,
            private: true,
        },
    ));
    out.push((
        "JoinLobby Code of 300 bytes".into(),
        ClientMsg::JoinLobby(JoinTarget::Code("é".repeat(150))),
    ));
    out
}

pub fn client_vectors() -> Value {
    let common = common::every_client_msg()
        .into_iter()
        .enumerate()
        .map(|(i, msg)| {
            let debug = format!("{msg:?}");
            (format!("common {i}: {}", common::variant_name(&debug)), msg)
        });
    let vectors = common.chain(more_client_msgs()).map(|(name, msg)| {
        let bytes = encode_client(&msg).expect("sample client message encodes");
        assert_eq!(decode_client(&bytes).unwrap(), msg, "{name} round-trips");
        json!({ "name": name, "hex": js::hex(&bytes), "msg": js::client_msg(&msg) })
    });
    Value::Array(vectors.collect())
}

/// Client messages too large to send: the encoder refuses them.
pub fn client_refused() -> Value {
    let hello = |name| ClientMsg::Hello {
        protocol_version: 4,
        name,
    };
    let vectors = [
        (
            "Hello one byte over",
            hello("x".repeat(MAX_CLIENT_MSG_BYTES - 4)),
        ),
        ("Hello of 1000 bytes", hello("é".repeat(500))),
        // 2 + 26 × 20 = 522 bytes.
        ("Inputs of 26 frames", plain_batch(26)),
    ]
    .into_iter()
    .map(|(name, msg)| {
        let err = encode_client(&msg).unwrap_err();
        json!({ "name": name, "msg": js::client_msg(&msg), "error": error_kind(&err) })
    });
    Value::Array(vectors.collect())
}
