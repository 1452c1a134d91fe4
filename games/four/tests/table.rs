//! The table: seats in join order, a third player refused, every kind of
//! illegal message refused to its sender alone with nothing else changed,
//! and leaving (voluntarily or by an expired seat) forfeiting a game in
//! progress and freeing the seat for a new player.

mod common;

use common::{HORIZONTAL_WIN, Sent, Table, p};
use rallypoint_four::{ForfeitReason, FourEvent, FourInfo, FourMsg, FourRow, Phase};
use rallypoint_game::{Events, Game, LeaveReason, Refusal, To};

#[test]
fn seats_go_in_join_order_and_a_third_player_is_refused() {
    let mut t = Table::new(30.0);
    assert_eq!(t.game.admit(0, p(1)), Ok(()));
    assert_eq!(t.join(1), Vec::new(), "one player cannot start a game");
    assert_eq!(t.game.phase(), Phase::Waiting);
    assert_eq!(
        t.game.admit(0, p(1)).map_err(|r| r.0.contains("already")),
        Err(true)
    );
    assert_eq!(t.game.admit(0, p(2)), Ok(()));
    let started = FourEvent::Started { game: 1, first: 0 };
    assert_eq!(t.join(2), vec![(To::All, started)]);
    assert_eq!(
        (t.game.seat_of(p(1)), t.game.seat_of(p(2))),
        (Some(0), Some(1))
    );
    assert_eq!(
        t.game.admit(0, p(3)),
        Err(Refusal("both seats are taken".into()))
    );
    assert_eq!(t.game.phase(), Phase::Playing);
    assert_eq!(t.game.turn(), Some(0), "the first to sit moves first");
    let info = t.game.join_info(p(2));
    assert_eq!(
        info,
        FourInfo {
            seat: Some(1),
            turn_ticks: 300
        }
    );
    let rows = t.state().rows;
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0].key, rows[1].key), (0, 1));
    let row = |n| FourRow {
        player: p(n),
        wins: 0,
        rematch: false,
    };
    assert_eq!((rows[0].fields, rows[1].fields), (row(1), row(2)));
    assert_eq!(t.state().entities, Vec::new(), "Four has no entities");
}

/// Steps `msg` from `player` and checks it was refused with a reason
/// containing `why`, to that player alone, and that the state is exactly
/// that of a twin game that stepped the same tick without it.
fn refused(t: &mut Table, player: u64, msg: FourMsg, why: &str) {
    let mut twin = t.game.clone();
    let sent = t.step(&[(player, msg)]);
    let mut twin_events = Events::new();
    twin.step(t.tick, &[], &[], &mut twin_events);
    assert_eq!(twin_events.len(), 0);
    let [(to, FourEvent::Illegal { reason })] = sent.as_slice() else {
        panic!("{msg:?} from {player}: {sent:?}");
    };
    assert_eq!(*to, To::One(p(player)));
    assert!(reason.contains(why), "{reason:?} should say {why:?}");
    let mut want = rallypoint_game::State::default();
    twin.write_state(&mut want);
    assert_eq!(t.state(), want, "{msg:?} changed nothing");
}

#[test]
fn a_move_with_no_game_in_progress_is_refused() {
    let mut t = Table::new(30.0);
    t.join(1);
    refused(&mut t, 1, FourMsg::Drop { column: 3 }, "no game");
    refused(&mut t, 1, FourMsg::Rematch, "waiting for an opponent");
    // And after a game has ended.
    let mut t = Table::pair();
    t.play(&HORIZONTAL_WIN);
    refused(&mut t, 2, FourMsg::Drop { column: 3 }, "no game");
}

#[test]
fn a_member_without_a_seat_is_refused() {
    // Only a caller that skips `admit` can add a third member; the game
    // must still hold.
    let mut t = Table::pair();
    t.join(3);
    assert_eq!(t.game.seat_of(p(3)), None);
    assert_eq!(t.game.join_info(p(3)).seat, None);
    refused(&mut t, 3, FourMsg::Drop { column: 3 }, "not seated");
    refused(&mut t, 3, FourMsg::Rematch, "not seated");
    refused(&mut t, 9, FourMsg::Drop { column: 3 }, "not seated");
}

#[test]
fn a_move_out_of_turn_is_refused() {
    let mut t = Table::pair();
    refused(&mut t, 2, FourMsg::Drop { column: 3 }, "not your turn");
    t.drop(1, 3);
    refused(&mut t, 1, FourMsg::Drop { column: 3 }, "not your turn");
}

#[test]
fn a_column_off_the_board_is_refused() {
    let mut t = Table::pair();
    refused(
        &mut t,
        1,
        FourMsg::Drop { column: 7 },
        "column 7 does not exist",
    );
    refused(&mut t, 1, FourMsg::Drop { column: 255 }, "does not exist");
}

#[test]
fn a_full_column_is_refused() {
    let mut t = Table::pair();
    t.play(&[0; 6]);
    assert_eq!(t.game.board().height(0), 6);
    refused(&mut t, 1, FourMsg::Drop { column: 0 }, "column 0 is full");
}

#[test]
fn a_rematch_during_a_game_or_asked_twice_is_refused() {
    let mut t = Table::pair();
    refused(&mut t, 1, FourMsg::Rematch, "in progress");
    t.play(&HORIZONTAL_WIN);
    t.step(&[(2, FourMsg::Rematch)]);
    refused(&mut t, 2, FourMsg::Rematch, "already asked");
}

#[test]
fn an_illegal_message_leaves_the_legal_ones_of_the_same_tick_alone() {
    let mut t = Table::pair();
    let drop = |column| FourMsg::Drop { column };
    let sent = t.step(&[(2, drop(0)), (1, drop(9)), (1, drop(4)), (2, drop(4))]);
    let illegal = |p: u64| {
        sent.iter()
            .filter(|(to, e)| {
                *to == To::One(common::p(p)) && matches!(e, FourEvent::Illegal { .. })
            })
            .count()
    };
    assert_eq!((illegal(1), illegal(2)), (1, 1));
    let moved = |seat, row| {
        (
            To::All,
            FourEvent::Moved {
                seat,
                column: 4,
                row,
            },
        )
    };
    assert_eq!(sent[2], moved(0, 0));
    assert_eq!(sent[3], moved(1, 1), "seat 1's second message was in turn");
    assert_eq!(t.singleton().moves, 2);
}

fn forfeit(seat: u8, why: ForfeitReason) -> (To, FourEvent) {
    (To::All, FourEvent::Forfeit { seat, why })
}

/// A leave mid-game by player 2 (seat 1) for `reason`.
fn leave_mid_game(reason: LeaveReason, why: ForfeitReason) {
    let mut t = Table::pair();
    t.play(&[3, 3, 4]);
    assert_eq!(t.leave(2, reason), vec![forfeit(1, why)]);
    assert_eq!(t.game.wins(0), 1, "the forfeit is seat 0's win");
    assert_eq!(t.game.phase(), Phase::Waiting);
    assert_eq!(t.game.player_in(1), None, "the seat is free");
    assert_eq!(t.state().rows.len(), 1);
    assert_eq!(t.singleton().ticks_left(t.tick), 0);
    assert_eq!(t.singleton().board.discs(), 3, "the last board stays shown");
    refused(&mut t, 1, FourMsg::Drop { column: 0 }, "no game");
    // A new player takes the free seat; the seat that forfeited starts.
    assert_eq!(t.game.admit(t.tick, p(3)), Ok(()));
    let started = FourEvent::Started { game: 2, first: 1 };
    assert_eq!(t.join(3), vec![(To::All, started)]);
    assert_eq!(t.game.seat_of(p(3)), Some(1));
    assert_eq!((t.game.wins(0), t.game.wins(1)), (1, 0));
    assert_eq!(t.singleton().board.discs(), 0);
    assert_eq!(t.game.turn(), Some(1));
}

#[test]
fn an_expired_seat_forfeits_the_game_in_progress() {
    leave_mid_game(LeaveReason::Expired, ForfeitReason::Expired);
}

#[test]
fn leaving_forfeits_the_game_in_progress() {
    leave_mid_game(LeaveReason::Left, ForfeitReason::Left);
}

#[test]
fn leaving_between_games_forfeits_nothing() {
    let mut t = Table::pair();
    t.play(&HORIZONTAL_WIN);
    t.step(&[(1, FourMsg::Rematch)]);
    let sent: Sent = t.leave(2, LeaveReason::Left);
    assert_eq!(sent, Vec::new());
    assert_eq!(t.game.wins(0), 1);
    assert_eq!(t.game.phase(), Phase::Waiting);
    let row = t.state().rows[0].fields;
    assert!(
        !row.rematch,
        "a rematch request lapses with the opponent gone"
    );
    // A member without a seat leaving changes nothing.
    let before = t.state();
    assert_eq!(t.leave(7, LeaveReason::Expired), Vec::new());
    assert_eq!(t.state(), before);
}
