//! Each game's own payloads, checked against its Rust types: arena's input
//! (`InputFrame`'s 18 bytes), join info (`MapInfo`), events and aim bytes;
//! four's messages (`FourMsg`), events, join info (`FourInfo`); and
//! payloads neither may accept.

use glam::Vec2;
use rallypoint_arena::{ArenaEvent, InputFrame, MapInfo, byte_to_aim};
use rallypoint_four::{Cell, ForfeitReason, FourEvent, FourInfo, FourMsg};
use rallypoint_shared::Rect;
use rallypoint_shared::codec::{decode_payload, encode_payload};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::js;
use super::wire::{TRICKY_F32, TRICKY_U32, error_kind};

fn bytes<T: Serialize>(value: &T) -> String {
    js::hex(&encode_payload(value).unwrap().0)
}

/// Decodes `value`'s bytes back, to be sure the vector is one Rust reads.
fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T) -> String {
    let payload = encode_payload(value).unwrap();
    let back: T = decode_payload(&payload.0).unwrap();
    assert_eq!(&back, value);
    js::hex(&payload.0)
}

fn arena_event(e: &ArenaEvent) -> Value {
    let ArenaEvent::Killed { killer, victim } = *e;
    json!({ "type": "Killed", "killer": killer, "victim": victim })
}

fn arena() -> Value {
    let finite = &TRICKY_F32[..7];
    let inputs = (0..8).map(|i| {
        let input = InputFrame {
            seq: 0,
            movement: Vec2::new(finite[i % 7], finite[(i + 3) % 7]),
            aim: Vec2::new(finite[(i + 5) % 7], if i == 7 { f32::INFINITY } else { finite[(i + 1) % 7] }),
            fire: i % 2 == 0,
            hitscan: i % 3 == 0,
            ack_tick: 0,
        };
        let InputFrame { movement, aim, fire, hitscan, .. } = input;
        json!({
            "input": { "movement": js::vec2(movement), "aim": js::vec2(aim), "fire": fire, "hitscan": hitscan },
            "hex": bytes(&input),
        })
    });
    let f = TRICKY_F32;
    let maps = [
        MapInfo {
            name: "courtyard".into(),
            bounds: Rect {
                min: Vec2::ZERO,
                max: Vec2::new(1600.0, 1000.0),
            },
            walls: vec![],
        },
        MapInfo {
            name: "\u{feff}日本語".into(),
            bounds: Rect {
                min: Vec2::new(f[0], f[1]),
                max: Vec2::new(f[2], f[3]),
            },
            walls: f
                .windows(4)
                .map(|w| Rect {
                    min: Vec2::new(w[0], w[1]),
                    max: Vec2::new(w[2], w[3]),
                })
                .collect(),
        },
    ];
    let infos = maps
        .iter()
        .map(|m| json!({ "info": js::map_info(m), "hex": bytes(m) }));
    let events = TRICKY_U32.iter().enumerate().map(|(i, &killer)| {
        let e = ArenaEvent::Killed {
            killer,
            victim: TRICKY_U32[6 - i],
        };
        json!({ "event": arena_event(&e), "hex": round_trip(&e) })
    });
    let aims = (0..=255u8).map(|b| json!({ "byte": b, "bits": js::bits(byte_to_aim(b)) }));
    json!({
        "input": inputs.collect::<Vec<_>>(),
        "info": infos.collect::<Vec<_>>(),
        "events": events.collect::<Vec<_>>(),
        "aim": aims.collect::<Vec<_>>(),
    })
}

fn four_msg(m: &FourMsg) -> Value {
    match *m {
        FourMsg::Drop { column } => json!({ "type": "Drop", "column": column }),
        FourMsg::Rematch => json!({ "type": "Rematch" }),
    }
}

fn cell(c: Cell) -> Value {
    let Cell { column, row } = c;
    json!({ "column": column, "row": row })
}

fn four_event(e: &FourEvent) -> Value {
    match e {
        FourEvent::Started { game, first } => {
            json!({ "type": "Started", "game": game, "first": first })
        }
        FourEvent::Moved { seat, column, row } => {
            json!({ "type": "Moved", "seat": seat, "column": column, "row": row })
        }
        FourEvent::Won { seat, cells } => json!({
            "type": "Won",
            "seat": seat,
            "cells": cells.iter().copied().map(cell).collect::<Vec<_>>(),
        }),
        FourEvent::Draw => json!({ "type": "Draw" }),
        FourEvent::Forfeit { seat, why } => {
            json!({ "type": "Forfeit", "seat": seat, "why": format!("{why:?}") })
        }
        FourEvent::RematchRequested { seat } => json!({ "type": "RematchRequested", "seat": seat }),
        FourEvent::Illegal { reason } => json!({ "type": "Illegal", "reason": reason }),
    }
}

fn four() -> Value {
    let msgs = [0, 6, 7, 250, 251, 255]
        .map(|column| FourMsg::Drop { column })
        .into_iter()
        .chain([FourMsg::Rematch])
        .map(|m| json!({ "msg": four_msg(&m), "hex": round_trip(&m) }));
    let cells = |c: u8| {
        [0, 1, 2, 3].map(|i| Cell {
            column: c + i,
            row: i,
        })
    };
    let events = [
        FourEvent::Started { game: 1, first: 0 },
        FourEvent::Started {
            game: u32::MAX,
            first: 1,
        },
        FourEvent::Moved {
            seat: 1,
            column: 6,
            row: 5,
        },
        FourEvent::Won {
            seat: 0,
            cells: cells(0),
        },
        FourEvent::Won {
            seat: 1,
            cells: cells(3),
        },
        FourEvent::Draw,
        FourEvent::Forfeit {
            seat: 0,
            why: ForfeitReason::TurnTimer,
        },
        FourEvent::Forfeit {
            seat: 1,
            why: ForfeitReason::Left,
        },
        FourEvent::Forfeit {
            seat: 1,
            why: ForfeitReason::Expired,
        },
        FourEvent::RematchRequested { seat: 1 },
        FourEvent::Illegal {
            reason: "column 7 is full".into(),
        },
        FourEvent::Illegal {
            reason: "\u{feff}not your turn 🦀".into(),
        },
    ]
    .map(|e| json!({ "event": four_event(&e), "hex": round_trip(&e) }));
    let infos = [
        FourInfo {
            seat: Some(0),
            turn_ticks: 900,
        },
        FourInfo {
            seat: Some(1),
            turn_ticks: 250,
        },
        FourInfo {
            seat: None,
            turn_ticks: u32::MAX,
        },
    ]
    .map(|i| {
        let FourInfo { seat, turn_ticks } = i;
        json!({ "info": { "seat": seat, "turn_ticks": turn_ticks }, "hex": round_trip(&i) })
    });
    json!({ "msgs": msgs.collect::<Vec<_>>(), "events": events.to_vec(), "info": infos.to_vec() })
}

/// Payloads a game's decoder must refuse, each for one reason: `what` is
/// `event` or `info`.
fn malformed() -> Value {
    fn refuse<T: DeserializeOwned + std::fmt::Debug>(
        game: &str,
        what: &str,
        name: &str,
        hex: &str,
    ) -> Value {
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        let err = match decode_payload::<T>(&bytes) {
            Err(e) => e,
            Ok(v) => panic!("{name}: decoded as {v:?}"),
        };
        json!({ "game": game, "what": what, "name": name, "hex": hex, "error": error_kind(&err) })
    }
    Value::Array(vec![
        refuse::<ArenaEvent>("arena", "event", "unknown event tag 1", "010000"),
        refuse::<ArenaEvent>("arena", "event", "a byte after the event", "00010200"),
        refuse::<ArenaEvent>("arena", "event", "truncated", "0001"),
        refuse::<MapInfo>(
            "arena",
            "info",
            "truncated wall list",
            "000000000000000000000000000000000001",
        ),
        refuse::<FourEvent>("four", "event", "unknown event tag 7", "07"),
        refuse::<FourEvent>("four", "event", "forfeit reason 3", "040003"),
        refuse::<FourEvent>(
            "four",
            "event",
            "a win with three cells",
            "0200000001010202",
        ),
        refuse::<FourEvent>("four", "event", "Draw with a trailing byte", "0300"),
        refuse::<FourInfo>("four", "info", "seat Option byte 2", "020000"),
        refuse::<FourInfo>("four", "info", "no turn_ticks", "0100"),
    ])
}

pub fn all() -> Value {
    json!({ "arena": arena(), "four": four(), "malformed": malformed() })
}
