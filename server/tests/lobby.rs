//! Session and lobby logic in memory: no sockets, a paused clock, replies
//! read straight from each client's outbox.

mod memory;

use std::sync::Arc;
use std::time::Duration;

use glam::Vec2;
use memory::Harness;
use rallypoint_arena::InputFrame;
use rallypoint_server::Config;
use rallypoint_server::lobby::{GameHost, JoinError};
use rallypoint_server::session::{Ending, Flow, Phase, allowed};
use rallypoint_shared::{
    ClientMsg, ErrorCode, Input, JoinTarget, PROTOCOL_VERSION, ServerMsg, encode_payload,
};

fn input(seq: u32) -> ClientMsg {
    let frame = InputFrame {
        movement: Vec2::X,
        aim: Vec2::X,
        ..InputFrame::default()
    };
    ClientMsg::Input(Input {
        seq,
        ack_tick: 0,
        payload: encode_payload(&frame).unwrap(),
    })
}

fn quick_join() -> ClientMsg {
    ClientMsg::QuickJoin {
        game: "arena".into(),
    }
}

/// Lets the lobby task run: the clock is paused, so this also advances it
/// by exactly `d`.
async fn wait(d: Duration) {
    tokio::time::sleep(d).await;
}

const TICK: Duration = Duration::from_micros(33_334);

#[test]
fn phase_rules() {
    let hello = ClientMsg::Hello {
        protocol_version: 1,
        name: "a".into(),
        token: None,
    };
    assert!(allowed(Phase::AwaitingHello, &hello));
    assert!(!allowed(Phase::AwaitingHello, &ClientMsg::ListLobbies));
    assert!(!allowed(Phase::AwaitingHello, &input(1)));
    assert!(!allowed(Phase::Lobbyless, &hello));
    assert!(!allowed(Phase::Lobbyless, &input(1)));
    assert!(!allowed(Phase::Lobbyless, &ClientMsg::LeaveLobby));
    assert!(allowed(Phase::Lobbyless, &quick_join()));
    assert!(allowed(Phase::InLobby, &input(1)));
    assert!(!allowed(Phase::InLobby, &quick_join()));
}

#[tokio::test(start_paused = true)]
async fn inputs_between_ticks_apply_in_order_and_are_acknowledged() {
    let mut h = Harness::new(Config::default());
    let mut c = h.client().await;
    c.send(ClientMsg::CreateLobby {
        game: "arena".into(),
        name: "l".into(),
        max_players: 2,
        private: false,
    })
    .await;
    wait(TICK / 2).await;
    c.drain();
    for seq in 1..=5 {
        c.send(input(seq)).await;
    }
    c.send(input(3)).await; // a repeat is never applied twice
    wait(TICK).await;
    // Two per tick at most, in seq order.
    assert_eq!(c.last_snapshot_seq(), Some(2));
    wait(TICK).await;
    assert_eq!(c.last_snapshot_seq(), Some(4));
    wait(TICK).await;
    assert_eq!(c.last_snapshot_seq(), Some(5));
    wait(TICK).await;
    assert_eq!(c.last_snapshot_seq(), Some(5));
}

#[tokio::test(start_paused = true)]
async fn non_finite_input_is_refused_and_not_applied() {
    let mut h = Harness::new(Config::default());
    let mut c = h.client().await;
    c.send(quick_join()).await;
    wait(TICK).await;
    c.drain();
    let flow = c
        .send(ClientMsg::Input(Input {
            seq: 1,
            ack_tick: 0,
            payload: encode_payload(&InputFrame {
                movement: Vec2::new(f32::NAN, 0.0),
                aim: Vec2::X,
                fire: true,
                ..InputFrame::default()
            })
            .unwrap(),
        }))
        .await;
    assert_eq!(flow, Flow::Continue);
    wait(TICK).await;
    let msgs = c.drain();
    assert!(msgs.iter().any(|m| matches!(
        m,
        ServerMsg::Error {
            code: ErrorCode::InvalidField,
            ..
        }
    )));
    assert!(
        msgs.iter()
            .all(|m| !matches!(m, ServerMsg::Snapshot(s) if s.input_seq_advance != 0))
    );
}

#[tokio::test(start_paused = true)]
async fn an_empty_lobby_is_removed_after_the_idle_time() {
    let config = Config {
        lobby_idle_secs: 5,
        ..Config::default()
    };
    let mut h = Harness::new(config);
    let mut c = h.client().await;
    c.send(ClientMsg::CreateLobby {
        game: "arena".into(),
        name: "l".into(),
        max_players: 2,
        private: false,
    })
    .await;
    wait(TICK).await;
    c.send(ClientMsg::LeaveLobby).await;
    c.session.finish(Ending::Final).await;
    wait(Duration::from_secs(4)).await;
    assert_eq!(h.registry.lobby_count(), 1, "removed too early");
    wait(Duration::from_secs(2)).await;
    assert_eq!(h.registry.lobby_count(), 0, "not removed");
    assert!(h.registry.list_public().is_empty());
}

#[tokio::test(start_paused = true)]
async fn the_number_of_lobbies_is_capped() {
    let config = Config {
        max_lobbies: 1,
        ..Config::default()
    };
    let mut h = Harness::new(config);
    let mut a = h.client().await;
    let mut b = h.client().await;
    let create = || ClientMsg::CreateLobby {
        game: "arena".into(),
        name: "l".into(),
        max_players: 2,
        private: true,
    };
    a.send(create()).await;
    b.send(create()).await;
    wait(TICK).await;
    assert!(b.drain().iter().any(|m| matches!(
        m,
        ServerMsg::Error {
            code: ErrorCode::TooManyLobbies,
            ..
        }
    )));
    // A join by id cannot reach a private lobby either.
    b.send(ClientMsg::JoinLobby(JoinTarget::Id(
        rallypoint_shared::LobbyId(1),
    )))
    .await;
    assert!(matches!(
        b.pop(),
        Some(ServerMsg::Error {
            code: ErrorCode::LobbyNotFound,
            ..
        })
    ));
}

#[tokio::test(start_paused = true)]
async fn a_client_that_never_reads_holds_one_snapshot_not_a_backlog() {
    let mut h = Harness::new(Config::default());
    let mut reader = h.client().await;
    let mut stalled = h.client().await;
    reader.send(quick_join()).await;
    stalled.send(quick_join()).await;
    // Wake half a tick away from the lobby's deadlines (timers have 1 ms
    // granularity), so each wait spans exactly one tick.
    wait(TICK / 2).await;
    for _ in 0..300 {
        wait(TICK).await;
        // The reader reads every tick and gets every tick's snapshot.
        let snaps = reader
            .drain()
            .into_iter()
            .filter(|m| matches!(m, ServerMsg::Snapshot(_)))
            .count();
        assert_eq!(snaps, 1);
    }
    // Joined + 2 rosters + at most one snapshot, however long it stalls.
    assert!(stalled.outbox.queued() <= 4, "{}", stalled.outbox.queued());
    assert!(stalled.outbox.replaced_snapshots() >= 298);
}

#[tokio::test(start_paused = true)]
async fn joins_in_one_tick_reach_members_as_one_roster_update() {
    let mut h = Harness::new(Config::default());
    let mut host = h.client().await;
    host.send(ClientMsg::CreateLobby {
        game: "arena".into(),
        name: "big".into(),
        max_players: 40,
        private: false,
    })
    .await;
    // Two ticks: the first flushes the update announcing the host itself.
    wait(TICK * 2).await;
    host.drain();
    // 30 players join between two ticks: 30 whole rosters to everyone
    // would be quadratic (and overflow the 64-message control queue).
    let mut guests = Vec::new();
    for _ in 0..30 {
        let mut g = h.client().await;
        g.send(ClientMsg::JoinLobby(JoinTarget::Id(
            rallypoint_shared::LobbyId(1),
        )))
        .await;
        guests.push(g);
    }
    wait(TICK).await;
    let msgs = host.drain();
    let updates: Vec<_> = msgs
        .iter()
        .filter_map(|m| match m {
            ServerMsg::RosterUpdate { added, removed } => Some((added.len(), removed.len())),
            ServerMsg::Roster { .. } => panic!("a whole roster to an old member"),
            _ => None,
        })
        .collect();
    assert_eq!(updates, [(30, 0)]);
    // Each guest got the whole roster as it joined (itself and those before).
    for (i, g) in guests.iter().enumerate() {
        let rosters: Vec<usize> = g
            .drain()
            .iter()
            .filter_map(|m| match m {
                ServerMsg::Roster { players } => Some(players.len()),
                _ => None,
            })
            .collect();
        assert_eq!(rosters, [i + 2]);
    }
    // Leaves coalesce the same way.
    for g in guests.iter_mut().take(10) {
        g.send(ClientMsg::LeaveLobby).await;
    }
    wait(TICK).await;
    let removed: Vec<usize> = host
        .drain()
        .iter()
        .filter_map(|m| match m {
            ServerMsg::RosterUpdate { removed, .. } => Some(removed.len()),
            _ => None,
        })
        .collect();
    assert_eq!(removed, [10]);
}

#[tokio::test(start_paused = true)]
async fn hello_or_resume_after_welcome_says_it_must_come_first() {
    let mut h = Harness::new(Config::default());
    let mut c = h.client().await;
    c.send(ClientMsg::Resume {
        protocol_version: PROTOCOL_VERSION,
        token: rallypoint_shared::ResumeToken([7; 16]),
    })
    .await;
    match c.pop() {
        Some(ServerMsg::Error { code, message }) => {
            assert_eq!(code, ErrorCode::UnexpectedMessage);
            assert_eq!(
                message,
                "Resume is only allowed as the first message of a connection"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_fleet_nodes_lobby_ids_carry_its_number() {
    let mut h = Harness::new(Config::default());
    h.registry.set_id_base(3);
    let mut c = h.client().await;
    c.send(quick_join()).await;
    match c.pop() {
        Some(ServerMsg::Joined { lobby, .. }) => {
            assert_eq!(lobby.0 >> rallypoint_server::lobby::LOCAL_ID_BITS, 3);
            assert_eq!(
                lobby.0 & ((1 << rallypoint_server::lobby::LOCAL_ID_BITS) - 1),
                1
            );
        }
        other => panic!("{other:?}"),
    }
}

/// A registry whose quick-join lobbies have `players` seats, and its arena.
fn quick_lobbies_of(players: u8) -> (Harness, Arc<dyn GameHost>) {
    let h = Harness::new(Config {
        quick_join_players: players,
        ..Config::default()
    });
    let arena = h.registry.games().get("arena").unwrap().clone();
    (h, arena)
}

#[tokio::test(start_paused = true)]
async fn a_quick_join_into_an_open_lobby_never_creates_one() {
    let (h, arena) = quick_lobbies_of(2);
    // No open lobby: refused, and none created.
    assert_eq!(
        h.registry.quick_join_open("arena", &[]).err(),
        Some(JoinError::Full)
    );
    assert_eq!(h.registry.lobby_count(), 0);
    let first = h.registry.quick_join(&arena, &[]).unwrap();
    let second = h.registry.quick_join_open("arena", &[]).unwrap();
    assert_eq!(second.lobby().id, first.lobby().id);
    // Now full: refused again, still one lobby; a plain quick-join creates.
    assert_eq!(
        h.registry.quick_join_open("arena", &[]).err(),
        Some(JoinError::Full)
    );
    assert_eq!(h.registry.lobby_count(), 1);
    let third = h.registry.quick_join(&arena, &[]).unwrap();
    assert_ne!(third.lobby().id, first.lobby().id);
    assert_eq!(h.registry.lobby_count(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_quick_join_passes_over_the_lobbies_it_is_told_to_skip() {
    let (h, arena) = quick_lobbies_of(4);
    let first = h.registry.quick_join(&arena, &[]).unwrap();
    let held = first.lobby().id;
    assert_eq!(h.registry.fullest_open("arena", &[]), Some(1));
    // Its free seats are held elsewhere: this node's count does not show
    // it, the caller does.
    assert_eq!(h.registry.fullest_open("arena", &[held]), None);
    assert_eq!(
        h.registry.quick_join_open("arena", &[held]).err(),
        Some(JoinError::Full)
    );
    let other = h.registry.quick_join(&arena, &[held]).unwrap();
    assert_ne!(other.lobby().id, held, "a new lobby, not the skipped one");
    assert_eq!(h.registry.lobby_count(), 2);
    // Skipping only that one: the other open lobby is taken, not a third.
    let again = h.registry.quick_join(&arena, &[held]).unwrap();
    assert_eq!(again.lobby().id, other.lobby().id);
    assert_eq!(h.registry.lobby_count(), 2);
    // Without a skip the fullest is taken: 2 players there, 1 in `held`.
    let fullest = h.registry.quick_join(&arena, &[]).unwrap();
    assert_eq!(fullest.lobby().id, other.lobby().id);
    assert_eq!(h.registry.fullest_open("arena", &[]), Some(3));
}
