use rallypoint_four::{Board, FourConfig, FourRow};
use rallypoint_game::{Events, LobbyParams, PlayerId, State};
use rallypoint_shared::decode_payload;

use super::*;

fn seated(seat: u8, bot: u32) -> FourBot {
    let mut b = FourBot::new(1, bot);
    b.on_joined(
        FourInfo {
            seat: Some(seat),
            turn_ticks: 900,
        },
        None,
    );
    b
}

fn view(state: FourState, rows: &[(u8, bool)]) -> GameView<Four> {
    let mut v = GameView::<Four> {
        singleton: Some(state),
        ..GameView::<Four>::default()
    };
    for &(seat, rematch) in rows {
        let row = FourRow {
            player: PlayerId(u64::from(seat) + 1),
            wins: 1,
            rematch,
        };
        v.rows.insert(u32::from(seat), row);
    }
    v
}

fn playing(turn: u8, moves: u8) -> FourState {
    FourState {
        turn: Some(turn),
        phase: Phase::Playing,
        moves,
        game: 1,
        ..FourState::default()
    }
}

fn msg(bot: &mut FourBot) -> Option<FourMsg> {
    let tick = bot.tick(0, 0);
    assert_eq!(tick.input, None, "four has no per-tick input");
    tick.msg.map(|p| decode_payload(&p.0).unwrap())
}

#[test]
fn moves_once_per_position_and_only_on_its_turn() {
    let mut bot = seated(1, 0);
    assert_eq!(msg(&mut bot), None, "no view yet");
    let score = bot.on_view(&view(playing(0, 0), &[(0, false), (1, false)]));
    assert_eq!(score, Some(Score([1, 1])));
    assert_eq!(msg(&mut bot), None, "the other seat's turn");
    bot.on_view(&view(playing(1, 1), &[]));
    assert!(matches!(msg(&mut bot), Some(FourMsg::Drop { column }) if column < 7));
    assert_eq!(msg(&mut bot), None, "not twice for one position");
    // Refused: it tries again.
    bot.on_event(FourEvent::Illegal {
        reason: "column full".into(),
    });
    assert!(matches!(msg(&mut bot), Some(FourMsg::Drop { .. })));
    bot.on_view(&view(playing(1, 3), &[]));
    assert!(matches!(msg(&mut bot), Some(FourMsg::Drop { .. })));
    let c = bot.counts;
    assert_eq!((c.moves, c.illegal), (3, 1));
}

#[test]
fn asks_for_one_rematch_after_a_game_and_counts_results() {
    let mut bot = seated(0, 3);
    let over = FourState {
        phase: Phase::Won { seat: 1 },
        game: 4,
        ..FourState::default()
    };
    bot.on_view(&view(over, &[(0, false), (1, true)]));
    assert_eq!(msg(&mut bot), Some(FourMsg::Rematch));
    assert_eq!(msg(&mut bot), None, "asked once per game");
    // A view showing its own rematch flag set asks nothing either.
    bot.rematch_after = None;
    bot.on_view(&view(over, &[(0, true)]));
    assert_eq!(msg(&mut bot), None);

    let cells = [rallypoint_four::Cell::new(0, 0); 4];
    bot.on_event(FourEvent::Won { seat: 1, cells });
    bot.on_event(FourEvent::Won { seat: 0, cells });
    bot.on_event(FourEvent::Draw);
    bot.on_event(FourEvent::Forfeit {
        seat: 1,
        why: rallypoint_four::ForfeitReason::TurnTimer,
    });
    let c = bot.counts;
    assert_eq!(
        (c.games_finished, c.wins, c.losses, c.draws, c.rematches),
        (4, 2, 1, 1, 1)
    );
}

#[test]
fn a_bot_without_a_seat_only_watches() {
    let mut bot = FourBot::new(1, 0);
    bot.on_joined(
        FourInfo {
            seat: None,
            turn_ticks: 1,
        },
        None,
    );
    bot.on_view(&view(playing(0, 0), &[]));
    assert_eq!(msg(&mut bot), None);
    bot.on_event(FourEvent::Draw);
    assert_eq!(bot.counts.games_finished, 0);
}

/// Two bots play the real game, in memory: each tick every bot sees the
/// state the game wrote and its events, and its message goes into the
/// next step. Games finish with a result, and rematches start new ones.
#[test]
fn two_bots_finish_games_against_the_real_rules() {
    let params = LobbyParams {
        tick_hz: 30,
        max_players: 2,
    };
    let mut game = <Four as rallypoint_game::Game>::create(&FourConfig::default(), &params);
    let mut events = Events::new();
    let players = [PlayerId(1), PlayerId(2)];
    let mut bots = [seated(0, 0), seated(1, 1)];
    let deliver = |bots: &mut [FourBot; 2], events: &mut Events<FourEvent>| {
        let (drained, _) = events.drain();
        for (_, event) in drained {
            for bot in bots.iter_mut() {
                bot.on_event(event.clone());
            }
        }
    };
    for (tick, &p) in players.iter().enumerate() {
        use rallypoint_game::Game;
        game.join(tick as u32, p, &mut events);
    }
    deliver(&mut bots, &mut events);
    let mut state = State::default();
    for tick in 1..2_000u32 {
        let mut msgs = Vec::new();
        for (bot, &p) in bots.iter_mut().zip(&players) {
            if let Some(m) = msg(bot) {
                msgs.push((p, m));
            }
        }
        use rallypoint_game::Game;
        game.step(tick, &[], &msgs, &mut events);
        deliver(&mut bots, &mut events);
        game.write_state(&mut state);
        let v = GameView::<Four> {
            singleton: state.singleton,
            rows: state.rows.iter().map(|r| (r.key, r.fields)).collect(),
            ..GameView::<Four>::default()
        };
        for bot in &mut bots {
            bot.on_view(&v);
        }
    }
    let [a, b] = [bots[0].counts, bots[1].counts];
    assert!(a.games_finished >= 10, "{a:?}");
    assert_eq!(a.games_finished, b.games_finished);
    assert_eq!((a.wins, a.losses, a.draws), (b.losses, b.wins, b.draws));
    assert_eq!(a.wins + a.losses + a.draws, a.games_finished);
    assert_eq!(a.illegal + b.illegal, 0);
    assert!(a.rematches >= a.games_finished - 1, "{a:?}");
    assert_ne!(game.board(), &Board::new(), "a game is on");
}
