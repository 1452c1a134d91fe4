//! Time and the sequence of games: the turn timer forfeits the seat to
//! move at exactly the tick it runs out (and a move resets it), and
//! rematches start when both players ask, with the documented starter and
//! the win counts kept.

mod common;

use common::{DRAW, HORIZONTAL_WIN, Table};
use rallypoint_four::{ForfeitReason, FourEvent, FourMsg, Phase};
use rallypoint_game::To;

fn timed_out(seat: u8) -> Vec<(To, FourEvent)> {
    let why = ForfeitReason::TurnTimer;
    vec![(To::All, FourEvent::Forfeit { seat, why })]
}

#[test]
fn the_turn_timer_forfeits_at_exactly_its_last_tick() {
    // One second at 10 Hz: ten ticks. The game starts on the join, after
    // tick 4, so seat 0 has ticks 5 to 14 to move.
    let mut t = Table::new(1.0);
    t.join(1);
    for _ in 0..4 {
        assert_eq!(t.step(&[]), Vec::new());
    }
    t.join(2);
    assert_eq!(t.game.turn_ticks(), 10);
    assert_eq!(t.singleton().ticks_left(t.tick), 10, "a turn starts full");
    let start = t.singleton();
    for left in (1..10).rev() {
        assert_eq!(t.step(&[]), Vec::new(), "tick {}", t.tick);
        assert_eq!(t.singleton().ticks_left(t.tick), left);
        assert_eq!(t.game.phase(), Phase::Playing);
        // The replicated state holds a deadline, so a waiting turn costs
        // no bytes: the singleton is the same every tick.
        assert_eq!(t.singleton(), start);
    }
    assert_eq!(t.tick, 13);
    assert_eq!(t.step(&[]), timed_out(0), "tick 14 is the last");
    assert_eq!(
        t.game.phase(),
        Phase::Forfeit {
            seat: 0,
            why: ForfeitReason::TurnTimer
        }
    );
    assert_eq!(t.singleton().ticks_left(t.tick), 0);
    assert_eq!(t.singleton().turn, None);
    assert_eq!((t.game.wins(0), t.game.wins(1)), (0, 1));
    assert_eq!(t.state().rows.len(), 2, "both players stay seated");
    for _ in 0..30 {
        assert_eq!(t.step(&[]), Vec::new(), "no timer between games");
    }
}

#[test]
fn a_move_resets_the_timer_for_the_other_seat() {
    let mut t = Table::new(1.0);
    t.join(1);
    t.join(2);
    for _ in 0..6 {
        t.step(&[]);
    }
    t.drop(1, 3); // tick 7: seat 1's turn runs to tick 17
    assert_eq!(t.singleton().ticks_left(t.tick), 10);
    for _ in 8..17 {
        assert_eq!(t.step(&[]), Vec::new(), "tick {}", t.tick);
    }
    assert_eq!(t.step(&[]), timed_out(1));
    assert_eq!(t.tick, 17);
}

#[test]
fn a_move_on_the_last_tick_counts() {
    let mut t = Table::new(1.0);
    t.join(1);
    t.join(2);
    for _ in 0..9 {
        t.step(&[]);
    }
    assert_eq!(t.singleton().ticks_left(t.tick), 1);
    let sent = t.drop(1, 3);
    assert_eq!(
        sent,
        vec![(
            To::All,
            FourEvent::Moved {
                seat: 0,
                column: 3,
                row: 0
            }
        )]
    );
    assert_eq!(t.game.turn(), Some(1));
    assert_eq!(t.singleton().ticks_left(t.tick), 10);
}

fn started(game: u32, first: u8) -> (To, FourEvent) {
    (To::All, FourEvent::Started { game, first })
}

fn ask(seat: u8) -> (To, FourEvent) {
    (To::All, FourEvent::RematchRequested { seat })
}

#[test]
fn a_rematch_after_a_win_lets_the_loser_start_and_keeps_the_wins() {
    let mut t = Table::pair();
    t.play(&HORIZONTAL_WIN);
    assert_eq!(t.game.phase(), Phase::Won { seat: 0 });
    assert_eq!(t.step(&[(1, FourMsg::Rematch)]), vec![ask(0)]);
    assert!(
        t.state().rows[0].fields.rematch,
        "the request is replicated"
    );
    assert_eq!(
        t.game.phase(),
        Phase::Won { seat: 0 },
        "one ask is not enough"
    );
    assert_eq!(
        t.step(&[(2, FourMsg::Rematch)]),
        vec![ask(1), started(2, 1)]
    );
    let s = t.singleton();
    assert_eq!(
        (s.phase, s.turn, s.game, s.moves),
        (Phase::Playing, Some(1), 2, 0)
    );
    assert_eq!(s.board.discs(), 0);
    assert!(t.state().rows.iter().all(|r| !r.fields.rematch));
    assert_eq!((t.game.wins(0), t.game.wins(1)), (1, 0), "wins kept");
    // Seat 1 wins game 2 the same way, so seat 0 starts game 3.
    t.play(&HORIZONTAL_WIN);
    assert_eq!(t.game.phase(), Phase::Won { seat: 1 });
    assert_eq!((t.game.wins(0), t.game.wins(1)), (1, 1));
    let sent = t.step(&[(2, FourMsg::Rematch), (1, FourMsg::Rematch)]);
    assert_eq!(sent, vec![ask(1), ask(0), started(3, 0)]);
    let rows = t.state().rows;
    assert_eq!((rows[0].fields.wins, rows[1].fields.wins), (1, 1));
}

#[test]
fn after_a_draw_the_player_who_moved_second_starts() {
    let mut t = Table::pair();
    t.play(&DRAW);
    assert_eq!(t.game.phase(), Phase::Draw);
    let sent = t.step(&[(1, FourMsg::Rematch), (2, FourMsg::Rematch)]);
    assert_eq!(sent.last(), Some(&started(2, 1)));
    // Seat 1 moved first in game 2, so after another draw seat 0 starts.
    t.play(&DRAW);
    assert_eq!(t.game.phase(), Phase::Draw);
    let sent = t.step(&[(1, FourMsg::Rematch), (2, FourMsg::Rematch)]);
    assert_eq!(sent.last(), Some(&started(3, 0)));
    assert_eq!((t.game.wins(0), t.game.wins(1)), (0, 0));
}

#[test]
fn after_a_timer_forfeit_the_seat_that_ran_out_starts() {
    let mut t = Table::new(1.0);
    t.join(1);
    t.join(2);
    t.drop(1, 3);
    while t.game.phase() == Phase::Playing {
        t.step(&[]);
    }
    assert_eq!(
        t.game.phase(),
        Phase::Forfeit {
            seat: 1,
            why: ForfeitReason::TurnTimer
        }
    );
    let sent = t.step(&[(2, FourMsg::Rematch), (1, FourMsg::Rematch)]);
    assert_eq!(sent.last(), Some(&started(2, 1)));
    assert_eq!(t.singleton().ticks_left(t.tick), 10);
    assert_eq!((t.game.wins(0), t.game.wins(1)), (1, 0));
}
