//! The engine-game seam through whole sessions, in memory: a game's own
//! refusal of a join reaches the client with the game's reason, a lobby
//! has the seats its game allows, and a session run through the engine
//! (joins, inputs, a leave, a drop that expires) replays bit for bit from
//! what the engine handed the game.

mod memory;

use glam::Vec2;
use memory::Harness;
use rallypoint_arena::InputFrame;
use rallypoint_arena::{Arena, ArenaConfig};
use rallypoint_game::LeaveReason;
use rallypoint_game::replay::{Call, Recorded, RecordedConfig, Tap};
use rallypoint_server::Config;
use rallypoint_server::lobby::{Games, host};
use rallypoint_server::session::Ending;
use rallypoint_shared::{ClientMsg, ErrorCode, Input, PROTOCOL_VERSION, ServerMsg, encode_payload};

fn quick_join(game: &str) -> ClientMsg {
    ClientMsg::QuickJoin { game: game.into() }
}

const TICK: std::time::Duration = std::time::Duration::from_micros(33_334);

/// A game that admits one player at a time: it proves a game's refusal
/// reaches the client as an `Error` with the game's reason, and frees the
/// seat. It replicates nothing.
mod solo {
    use rallypoint_game::{EntityKey, Events, Game, LeaveReason, LobbyParams, PlayerId};
    use rallypoint_game::{Refusal, State};

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
}

#[tokio::test(start_paused = true)]
async fn a_join_the_game_refuses_gets_its_reason_and_frees_the_seat() {
    let games = Games::new(vec![host::<solo::Solo>(())]).unwrap();
    let mut h = Harness::with_games(Config::default(), games);
    let mut a = h.client().await;
    let mut b = h.client().await;
    a.send(quick_join("solo")).await;
    assert!(matches!(a.pop(), Some(ServerMsg::Joined { .. })));
    assert_eq!(h.registry.player_count(), 1);
    b.send(quick_join("solo")).await;
    match b.pop() {
        Some(ServerMsg::Error { code, message }) => {
            assert_eq!(code, ErrorCode::JoinRefused);
            assert_eq!(message, "one player at a time");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(h.registry.player_count(), 1, "the refused seat is free");
    // Still outside a lobby: it may try again once the seat is free.
    a.send(ClientMsg::LeaveLobby).await;
    tokio::time::sleep(TICK).await;
    b.send(quick_join("solo")).await;
    assert!(matches!(b.pop(), Some(ServerMsg::Joined { .. })));
}

#[tokio::test(start_paused = true)]
async fn a_lobby_has_the_seats_its_game_allows() {
    let games = Games::new(vec![host::<solo::Solo>(())]).unwrap();
    let mut h = Harness::with_games(Config::default(), games);
    let mut a = h.client().await;
    a.send(ClientMsg::CreateLobby {
        game: "solo".into(),
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
        c.send(quick_join("arena")).await;
        clients.push(c);
    }
    for seq in 1..=90u32 {
        for (i, c) in clients.iter_mut().enumerate() {
            let turn = seq as f32 * 0.1 + i as f32;
            let frame = InputFrame {
                movement: Vec2::from_angle(turn),
                aim: Vec2::from_angle(-turn),
                fire: seq % 3 == 0,
                hitscan: seq % 7 == 0,
                ..InputFrame::default()
            };
            let input = Input {
                seq,
                ack_tick: 0,
                payload: encode_payload(&frame).unwrap(),
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

/// Four in a Row through the engine, recorded: two members join by code,
/// moves travel as `Game` messages and come back as events and replicated
/// state; a move out of turn is refused to its sender alone and changes
/// nothing; the first to move wins with four in column 0; and the session
/// replays bit for bit.
#[tokio::test(start_paused = true)]
async fn four_in_a_row_plays_to_a_win_through_the_engine_and_replays() {
    use rallypoint_four::{Four, FourConfig, FourEvent, FourInfo, FourMsg, Phase};
    use rallypoint_game::view::GameView;
    use rallypoint_shared::baselines::Baselines;
    use rallypoint_shared::decode_payload;

    let tap: Tap<Four> = Tap::default();
    let recorded = RecordedConfig {
        inner: FourConfig::default(),
        tap: tap.clone(),
    };
    let games = Games::new(vec![host::<Recorded<Four>>(recorded)]).unwrap();
    let mut h = Harness::with_games(Config::default(), games);
    let mut a = h.client().await;
    let mut b = h.client().await;
    a.send(ClientMsg::CreateLobby {
        game: "four".into(),
        name: "duel".into(),
        max_players: 8,
        private: true,
    })
    .await;
    let code = match a.pop() {
        Some(ServerMsg::Joined {
            game,
            join_code: Some(code),
            max_players,
            avatar,
            info,
            ..
        }) => {
            assert_eq!((game.as_str(), max_players, avatar), ("four", 2, None));
            let info: FourInfo = decode_payload(&info.0).unwrap();
            assert_eq!(info.seat, Some(0));
            code
        }
        other => panic!("{other:?}"),
    };
    b.send(ClientMsg::JoinLobby(rallypoint_shared::JoinTarget::Code(
        code,
    )))
    .await;
    tokio::time::sleep(TICK).await;

    let drop = |column| ClientMsg::Game(encode_payload(&FourMsg::Drop { column }).unwrap());
    // Applies every snapshot, acks it, and returns the events received.
    async fn read(
        c: &mut memory::TestClient,
        views: &mut Baselines<GameView<Four>>,
    ) -> Vec<FourEvent> {
        let mut events = Vec::new();
        for m in c.drain() {
            match m {
                ServerMsg::Snapshot(s) => {
                    let tick = views.receive(&s).unwrap().tick;
                    c.send(ClientMsg::Ack { tick }).await;
                }
                ServerMsg::Event(p) => events.push(decode_payload(&p.0).unwrap()),
                _ => {}
            }
        }
        events
    }
    let (mut va, mut vb) = (Baselines::new(), Baselines::new());
    let started = read(&mut a, &mut va).await;
    assert!(
        started.contains(&FourEvent::Started { game: 1, first: 0 }),
        "{started:?}"
    );
    read(&mut b, &mut vb).await;

    // Seat 1 (b) moves out of turn: refused to b alone, nothing changes.
    b.send(drop(3)).await;
    tokio::time::sleep(TICK).await;
    let refused = read(&mut b, &mut vb).await;
    assert!(
        matches!(refused.as_slice(), [FourEvent::Illegal { reason }] if reason.contains("turn")),
        "{refused:?}"
    );
    assert_eq!(read(&mut a, &mut va).await, []);
    let state = vb.newest().unwrap().singleton.unwrap();
    assert_eq!((state.moves, state.turn), (0, Some(0)));

    // Seat 0 plays column 0, seat 1 column 1: seat 0's fourth disc wins.
    for m in 0..7u8 {
        let (mover, column) = if m % 2 == 0 { (&mut a, 0) } else { (&mut b, 1) };
        mover.send(drop(column)).await;
        tokio::time::sleep(TICK).await;
        read(&mut a, &mut va).await;
        read(&mut b, &mut vb).await;
    }
    tokio::time::sleep(TICK).await;
    read(&mut a, &mut va).await;
    read(&mut b, &mut vb).await;
    for views in [&va, &vb] {
        let view = views.newest().unwrap();
        let state = view.singleton.unwrap();
        assert_eq!(state.phase, Phase::Won { seat: 0 });
        assert_eq!(state.moves, 7);
        assert_eq!(view.rows[&0].wins, 1, "seat 0's row counts the win");
        assert!(views.stats().delta > 0, "acks made deltas");
    }
    // A garbage message for the game is refused with the game's name.
    a.send(ClientMsg::Game(rallypoint_shared::Payload(vec![9, 9])))
        .await;
    match a.pop() {
        Some(ServerMsg::Error { code, message }) => {
            assert_eq!(code, ErrorCode::InvalidField);
            assert!(message.starts_with("not a four message"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    h.shutdown().await;

    let recordings = std::mem::take(&mut *tap.lock().unwrap());
    assert_eq!(recordings.len(), 1, "one lobby");
    assert_eq!(recordings[0].replay(), Ok(()));
}
