//! The engine-game seam through whole sessions, in memory: a game's own
//! refusal of a join reaches the client with the game's reason, a lobby
//! has the seats its game allows, and a session run through the engine
//! (joins, inputs, a leave, a drop that expires) replays bit for bit from
//! what the engine handed the game.

mod memory;

use glam::Vec2;
use memory::Harness;
use rallypoint_arena::{Arena, ArenaConfig};
use rallypoint_game::LeaveReason;
use rallypoint_game::replay::{Call, Recorded, RecordedConfig, Tap};
use rallypoint_server::Config;
use rallypoint_server::lobby::{Games, host};
use rallypoint_server::session::Ending;
use rallypoint_shared::{ClientMsg, ErrorCode, InputFrame, PROTOCOL_VERSION, ServerMsg};

const TICK: std::time::Duration = std::time::Duration::from_micros(33_334);

/// A game that admits one player at a time: it proves a game's refusal
/// reaches the client as an `Error` with the game's reason, and frees the
/// seat. It replicates nothing.
mod solo {
    use rallypoint_game::{EntityKey, Events, Game, LeaveReason, LobbyParams, PlayerId};
    use rallypoint_game::{Refusal, State, Wire4};
    use rallypoint_shared::snapshot::Track;
    use rallypoint_shared::{CodecError, InputFrame, MapInfo, Rect};

    pub struct Solo {
        seated: Option<PlayerId>,
    }

    impl Game for Solo {
        const NAME: &'static str = "solo";
        type Config = ();
        type Input = ();
        type Msg = ();
        type Event = ();
        type JoinInfo = ();
        type Entity = ();
        type Row = ();
        type Singleton = ();

        /// At most four seats, whatever the creator asks.
        fn seats(requested: u8) -> u8 {
            requested.min(4)
        }

        fn create(_: &(), _: &LobbyParams) -> Self {
            Solo { seated: None }
        }

        fn admit(&self, _: u32, _: PlayerId) -> Result<(), Refusal> {
            match self.seated {
                Some(_) => Err(Refusal("one player at a time".into())),
                None => Ok(()),
            }
        }

        fn join(&mut self, _: u32, p: PlayerId, _: &mut Events<()>) -> Option<EntityKey> {
            self.seated = Some(p);
            None
        }

        fn leave(&mut self, _: u32, _: PlayerId, _: LeaveReason, _: &mut Events<()>) {
            self.seated = None;
        }

        fn step(&mut self, _: u32, _: &[(PlayerId, ())], _: &[(PlayerId, ())], _: &mut Events<()>) {
        }

        fn join_info(&self, _: PlayerId) {}

        fn write_state(&self, state: &mut State<(), (), ()>) {
            state.clear();
        }
    }

    impl Wire4 for Solo {
        fn input(_: InputFrame) -> Result<(), String> {
            Ok(())
        }
        fn map_info(_: &()) -> MapInfo {
            MapInfo {
                name: "solo".into(),
                bounds: Rect {
                    min: glam::Vec2::ZERO,
                    max: glam::Vec2::ONE,
                },
                walls: Vec::new(),
            }
        }
        fn enter(
            _: EntityKey,
            _: Option<Track>,
            _: &(),
            _: &mut Vec<u8>,
        ) -> Result<u32, CodecError> {
            Ok(0)
        }
        fn motion(
            _: EntityKey,
            _: glam::IVec2,
            _: glam::IVec2,
            _: &mut Vec<u8>,
        ) -> Result<u32, CodecError> {
            Ok(0)
        }
        fn fields(_: EntityKey, _: u32, _: &(), _: &mut Vec<u8>) -> Result<u32, CodecError> {
            Ok(0)
        }
        fn hidden(_: EntityKey, _: &mut Vec<u8>) -> Result<u32, CodecError> {
            Ok(0)
        }
        fn gone(_: EntityKey, _: &mut Vec<u8>) -> Result<u32, CodecError> {
            Ok(0)
        }
        fn row(_: u32, _: u32, _: &(), _: &mut Vec<u8>) -> Result<u32, CodecError> {
            Ok(0)
        }
        fn row_gone(_: u32, _: &mut Vec<u8>) -> Result<u32, CodecError> {
            Ok(0)
        }
        fn singleton(_: u32, _: &(), _: &mut Vec<u8>) -> Result<u32, CodecError> {
            Ok(0)
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_join_the_game_refuses_gets_its_reason_and_frees_the_seat() {
    let games = Games::new(vec![host::<solo::Solo>(())]).unwrap();
    let mut h = Harness::with_games(Config::default(), games);
    let mut a = h.client().await;
    let mut b = h.client().await;
    a.send(ClientMsg::QuickJoin).await;
    assert!(matches!(a.pop(), Some(ServerMsg::Joined { .. })));
    assert_eq!(h.registry.player_count(), 1);
    b.send(ClientMsg::QuickJoin).await;
    match b.pop() {
        Some(ServerMsg::Error { code, message }) => {
            assert_eq!(code, ErrorCode::LobbyClosed);
            assert_eq!(message, "one player at a time");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(h.registry.player_count(), 1, "the refused seat is free");
    // Still outside a lobby: it may try again once the seat is free.
    a.send(ClientMsg::LeaveLobby).await;
    tokio::time::sleep(TICK).await;
    b.send(ClientMsg::QuickJoin).await;
    assert!(matches!(b.pop(), Some(ServerMsg::Joined { .. })));
}

#[tokio::test(start_paused = true)]
async fn a_lobby_has_the_seats_its_game_allows() {
    let games = Games::new(vec![host::<solo::Solo>(())]).unwrap();
    let mut h = Harness::with_games(Config::default(), games);
    let mut a = h.client().await;
    a.send(ClientMsg::CreateLobby {
        name: "big".into(),
        max_players: 16,
        private: false,
    })
    .await;
    match a.pop() {
        Some(ServerMsg::Joined { max_players, .. }) => assert_eq!(max_players, 4),
        other => panic!("{other:?}"),
    }
    let listed = h.registry.list_public();
    assert_eq!(listed[0].max_players, 4);
}

/// Arena through the engine, recorded: three players join, walk, aim and
/// fire with inputs sent through their sessions, one drops and resumes on
/// a new connection, one leaves, one drops and is never back; the recording of what the lobby handed the game
/// replays into a fresh game with the same state and events after every
/// call.
#[tokio::test(start_paused = true)]
async fn a_session_through_the_engine_replays_bit_for_bit() {
    let tap: Tap<Arena> = Tap::default();
    let recorded = RecordedConfig {
        inner: ArenaConfig::default(),
        tap: tap.clone(),
    };
    let games = Games::new(vec![host::<Recorded<Arena>>(recorded)]).unwrap();
    let config = Config {
        resume_grace_secs: 1,
        ..Config::default()
    };
    let mut h = Harness::with_games(config, games);
    let mut clients = Vec::new();
    for _ in 0..3 {
        let mut c = h.client().await;
        c.send(ClientMsg::QuickJoin).await;
        clients.push(c);
    }
    for seq in 1..=90u32 {
        for (i, c) in clients.iter_mut().enumerate() {
            let turn = seq as f32 * 0.1 + i as f32;
            let input = InputFrame {
                seq,
                movement: Vec2::from_angle(turn),
                aim: Vec2::from_angle(-turn),
                fire: seq % 3 == 0,
                hitscan: seq % 7 == 0,
                ack_tick: 0,
            };
            c.send(ClientMsg::Input(input)).await;
        }
        if seq == 30 {
            clients[1].send(ClientMsg::LeaveLobby).await;
        }
        if seq == 45 {
            // A drop and a resume on a new connection: the game hears both.
            clients[0].session.finish(Ending::Dropped).await;
            let token = clients[0].token.expect("welcomed");
            let mut back = h.connection();
            back.send(ClientMsg::Resume {
                protocol_version: PROTOCOL_VERSION,
                token,
            })
            .await;
            assert!(matches!(back.pop(), Some(ServerMsg::Welcome { .. })));
            clients[0] = back;
        }
        if seq == 60 {
            clients[2].session.finish(Ending::Dropped).await;
        }
        tokio::time::sleep(TICK).await;
    }
    // Past the grace and the lobby's margin: the dropped seat expires.
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    h.shutdown().await;

    let recordings = std::mem::take(&mut *tap.lock().unwrap());
    assert_eq!(recordings.len(), 1, "one lobby");
    let rec = &recordings[0];
    let calls = rec.calls();
    let count = |f: &dyn Fn(&Call<Arena>) -> bool| calls.iter().filter(|c| f(c)).count();
    assert_eq!(count(&|c| matches!(c, Call::Join { .. })), 3);
    assert_eq!(
        count(&|c| matches!(c, Call::Admit { answer: Ok(()), .. })),
        3
    );
    let left =
        |why| move |c: &Call<Arena>| matches!(c, Call::Leave { reason, .. } if *reason == why);
    assert_eq!(count(&left(LeaveReason::Left)), 1);
    assert_eq!(count(&|c| matches!(c, Call::Disconnected { .. })), 2);
    assert_eq!(count(&|c| matches!(c, Call::Reconnected { .. })), 1);
    assert_eq!(count(&left(LeaveReason::Expired)), 1);
    let inputs: usize = calls
        .iter()
        .map(|c| match c {
            Call::Step { inputs, .. } => inputs.len(),
            _ => 0,
        })
        .sum();
    // 90 from the first (it resumed before the next tick, so its input in
    // the lobby's channel still counts), 29 from the second and 59 from the
    // third: an input still in the channel when its sender is gone at the
    // next tick is not applied.
    assert_eq!(inputs, 90 + 29 + 59);
    assert_eq!(rec.replay(), Ok(()));
}
