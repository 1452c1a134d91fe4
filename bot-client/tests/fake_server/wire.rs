//! What the fake sends: the writer task that owns a connection's write
//! half, the 30 Hz ticker that sends the snapshots and the kills (and
//! carries out a scripted shutdown; the snapshots come from
//! [`super::world`]), and the messages built for a player.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use fastwebsockets::{Frame, OpCode, Payload};
use glam::Vec2;
use rallypoint_arena::{ArenaEvent, ArenaRow, MapInfo};
use rallypoint_shared::{
    LobbyId, PlayerId, Rect, RosterEntry, ServerMsg, encode_payload, encode_server,
};
use tokio::sync::mpsc;

use super::world::{GHOST, Sent};
use super::{CODE, Player, Script, Server};

/// What the writer task sends.
pub(super) enum Out {
    Msg(ServerMsg),
    Raw(Vec<u8>),
    Text(&'static str),
    Ping(Vec<u8>),
    Close(u16),
    /// Stop writing without a close frame (the peer is gone).
    Hangup,
}

pub(super) type OutTx = mpsc::UnboundedSender<Out>;

/// The fake's only map: an empty 1000 × 1000 square.
pub(super) fn fake_map() -> MapInfo {
    MapInfo {
        name: "fake".into(),
        bounds: Rect {
            min: Vec2::ZERO,
            max: Vec2::splat(1000.0),
        },
        walls: vec![],
    }
}

pub(super) fn joined_msg(player: &Player, created: Option<u8>) -> ServerMsg {
    ServerMsg::Joined {
        lobby: LobbyId(1),
        game: "arena".into(),
        join_code: created.map(|_| CODE.to_owned()),
        max_players: created.unwrap_or(16),
        avatar: Some(player.entity),
        tick: player.tick.load(Ordering::Relaxed),
        info: encode_payload(&fake_map()).unwrap(),
    }
}

fn roster_entry(player: &Player) -> RosterEntry {
    RosterEntry {
        player: player.id,
        name: "bot".into(),
        avatar: Some(player.entity),
    }
}

/// The whole roster, as after every `Joined`: the fake's lobbies show each
/// player alone.
pub(super) fn roster(player: &Player) -> ServerMsg {
    ServerMsg::Roster {
        players: vec![roster_entry(player)],
    }
}

/// A roster update as a real server may send right after a join: the
/// joiner again (updates repeat what the `Roster` said), and someone who
/// left who was never in it.
pub(super) fn roster_update(player: &Player) -> ServerMsg {
    ServerMsg::RosterUpdate {
        added: vec![roster_entry(player)],
        removed: vec![PlayerId(u64::MAX)],
    }
}

/// Ticks every 1/30 s and sends a snapshot after each tick (each other
/// one with [`Script::HalfRate`]) while the session is in a lobby, with a
/// `Killed` event for each of the player's kills (of the ghost), and
/// carries out a shutdown; ends with the connection's writer, or when the
/// session moves to another connection (`conn` is no longer its own).
pub(super) async fn ticker(server: Arc<Server>, player: Arc<Player>, out: OutTx, conn: u64) {
    let mut every = tokio::time::interval(Duration::from_nanos(1_000_000_000 / 30));
    let mut told = false;
    while !out.is_closed() && player.conn.load(Ordering::Relaxed) == conn {
        every.tick().await;
        if server.closing.load(Ordering::Relaxed) {
            let _ = out.send(Out::Close(1001));
            return;
        }
        if !told && server.draining.load(Ordering::Relaxed) {
            told = true;
            let _ = out.send(Out::Msg(ServerMsg::ShuttingDown {
                reason: "maintenance".into(),
                drain_secs: 0,
            }));
        }
        let tick = player.tick.fetch_add(1, Ordering::Relaxed) + 1;
        if !player.joined.load(Ordering::Relaxed) {
            continue;
        }
        if tick.is_multiple_of(15) {
            player.kills.fetch_add(1, Ordering::Relaxed);
            let killed = ArenaEvent::Killed {
                killer: player.entity.index,
                victim: GHOST,
            };
            let event = ServerMsg::Event(encode_payload(&killed).unwrap());
            if out.send(Out::Msg(event)).is_ok() {
                server.stats.kill_events.fetch_add(1, Ordering::Relaxed);
            }
        }
        let score = ArenaRow {
            generation: 0,
            kills: player.kills.load(Ordering::Relaxed),
            deaths: player.deaths.load(Ordering::Relaxed),
        };
        if server.script == Script::HalfRate && tick % 2 == 1 {
            continue;
        }
        let ack = player.ack_tick.load(Ordering::Relaxed);
        let unheld = server.script == Script::UnheldBaseline;
        let sent = player
            .world
            .lock()
            .unwrap()
            .snapshot(tick, ack, player.entity, score, unheld);
        let stats = &server.stats;
        let (snapshot, counter) = match sent {
            Sent::Full(s) => (s, &stats.fulls_sent),
            Sent::Delta(s) => (s, &stats.deltas_sent),
            Sent::Unheld(s) => (s, &stats.unheld_sent),
            Sent::Skipped => continue,
        };
        if out.send(Out::Msg(ServerMsg::Snapshot(snapshot))).is_ok() {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }
}

pub(super) async fn writer<S>(
    mut tx: fastwebsockets::WebSocketWrite<S>,
    mut out: mpsc::UnboundedReceiver<Out>,
) where
    S: tokio::io::AsyncWrite + Unpin,
{
    while let Some(item) = out.recv().await {
        let frame = match item {
            Out::Msg(msg) => Frame::binary(Payload::Owned(encode_server(&msg).unwrap())),
            Out::Raw(bytes) => Frame::binary(Payload::Owned(bytes)),
            Out::Text(text) => Frame::text(Payload::Owned(text.as_bytes().to_vec())),
            Out::Ping(payload) => Frame::new(true, OpCode::Ping, None, Payload::Owned(payload)),
            Out::Close(code) => {
                let _ = tx.write_frame(Frame::close(code, b"")).await;
                return;
            }
            Out::Hangup => return,
        };
        if tx.write_frame(frame).await.is_err() {
            return;
        }
    }
}
