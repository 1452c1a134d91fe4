//! The engine-game seam through a whole session, in memory: a game's own
//! refusal of a join reaches the client with the game's reason.

mod memory;

use memory::Harness;
use rallypoint_server::Config;
use rallypoint_server::lobby::{Games, host};
use rallypoint_shared::{ClientMsg, ErrorCode, ServerMsg};

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
        fn fields(_: EntityKey, _: &(), _: &(), _: &mut Vec<u8>) -> Result<u32, CodecError> {
            Ok(0)
        }
        fn hidden(_: EntityKey, _: &mut Vec<u8>) -> Result<u32, CodecError> {
            Ok(0)
        }
        fn gone(_: EntityKey, _: &mut Vec<u8>) -> Result<u32, CodecError> {
            Ok(0)
        }
        fn row(_: u32, _: &(), _: &mut Vec<u8>) -> Result<u32, CodecError> {
            Ok(0)
        }
        fn row_gone(_: u32, _: &mut Vec<u8>) -> Result<u32, CodecError> {
            Ok(0)
        }
        fn singleton(_: &(), _: &mut Vec<u8>) -> Result<u32, CodecError> {
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
