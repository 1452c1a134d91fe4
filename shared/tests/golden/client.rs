//! Client message vectors: every message, at the same thresholds as the
//! server's (`wire.rs`), batches of inputs (the threshold inputs in one
//! `Inputs`, and batches the server refuses but the codec carries), game
//! messages and acks, and messages the encoder must refuse as too large.

use rallypoint_shared::codec::MAX_CLIENT_MSG_BYTES;
use rallypoint_shared::*;
use serde_json::{Value, json};

use super::js;
use super::wire::{TRICKY_U32, TRICKY_U64, error_kind};
use crate::common;

/// Client messages beyond `common::every_client_msg`.
fn more_client_msgs() -> Vec<(String, ClientMsg)> {
    let mut out = Vec::new();
    let mut tricky = Vec::new();
    for (i, &seq) in TRICKY_U32.iter().enumerate() {
        let input = Input {
            seq,
            ack_tick: TRICKY_U32[6 - i],
            payload: Payload(vec![0xfb; [0, 1, 18, 250, 251, 5, 2][i]]),
        };
        tricky.push(input.clone());
        out.push((format!("Input seq {seq}"), ClientMsg::Input(input)));
        out.push((
            format!("JoinLobby Id {seq}"),
            ClientMsg::JoinLobby(JoinTarget::Id(LobbyId(seq))),
        ));
        out.push((format!("Ack {seq}"), ClientMsg::Ack { tick: seq }));
    }
    tricky.truncate(3);
    out.push((
        "Inputs of threshold inputs".into(),
        ClientMsg::Inputs(tricky),
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
                protocol_version: [PROTOCOL_VERSION, 250, 251, 65_535][i],
                name: name.into(),
                token: None,
            },
        ));
    }
    out.push((
        "Hello of exactly MAX_CLIENT_MSG_BYTES".into(),
        ClientMsg::Hello {
            protocol_version: PROTOCOL_VERSION,
            name: "x".repeat(MAX_CLIENT_MSG_BYTES - 6),
            token: None,
        },
    ));
    out.push((
        "CreateLobby max_players 0".into(),
        ClientMsg::CreateLobby {
            game: "four".into(),
            name: "Zoë's".into(),
            max_players: 0,
            private: true,
        },
    ));
    out.push((
        "QuickJoin of a non-ASCII game".into(),
        ClientMsg::QuickJoin {
            game: "vier\u{1f980}".into(),
        },
    ));
    out.push((
        "JoinLobby Code of 300 bytes".into(),
        ClientMsg::JoinLobby(JoinTarget::Code("é".repeat(150))),
    ));
    for len in [1, MAX_TICKET_BYTES, 250, 251] {
        out.push((
            format!("JoinLobby Ticket of {len} bytes"),
            ClientMsg::JoinLobby(JoinTarget::Ticket(common::ticket(len))),
        ));
    }
    for len in [1, 250, 251] {
        out.push((
            format!("Game of {len} bytes"),
            ClientMsg::Game(Payload((0..len).map(|i| i as u8).collect())),
        ));
    }
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
        protocol_version: PROTOCOL_VERSION,
        name,
        token: None,
    };
    let vectors = [
        (
            "Hello one byte over",
            hello("x".repeat(MAX_CLIENT_MSG_BYTES - 5)),
        ),
        ("Hello of 2000 bytes", hello("é".repeat(1000))),
        (
            "Inputs of 60 inputs",
            ClientMsg::Inputs(common::inputs(1, 60)),
        ),
        (
            "Game of MAX_CLIENT_MSG_BYTES - 2 bytes",
            ClientMsg::Game(Payload(vec![0; MAX_CLIENT_MSG_BYTES - 2])),
        ),
        (
            "JoinLobby Ticket of MAX_CLIENT_MSG_BYTES - 4 bytes",
            ClientMsg::JoinLobby(JoinTarget::Ticket(vec![0xfb; MAX_CLIENT_MSG_BYTES - 4])),
        ),
    ]
    .into_iter()
    .map(|(name, msg)| {
        let err = encode_client(&msg).unwrap_err();
        json!({ "name": name, "msg": js::client_msg(&msg), "error": error_kind(&err) })
    });
    Value::Array(vectors.collect())
}
