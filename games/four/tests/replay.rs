//! Four is deterministic through the `Game` trait: a recorded session of
//! joins, bot moves with illegal ones mixed in, a turn-timer forfeit, a
//! rematch, a leave, an expired seat and new players, replayed into a
//! fresh game, gives the same state and events after every call.

use rallypoint_four::bot::{XorShift, choose};
use rallypoint_four::{ForfeitReason, Four, FourConfig, FourMsg, Phase};
use rallypoint_game::replay::Recorder;
use rallypoint_game::{Game, LeaveReason, LobbyParams, PlayerId};

const PARAMS: LobbyParams = LobbyParams {
    tick_hz: 10,
    max_players: 2,
};

/// Steps until the game in progress ends, the seat to move dropping a bot
/// move every other tick, and the other player sending an illegal move
/// now and then (out of turn, or off the board).
fn play_out(rec: &mut Recorder<Four>, tick: &mut u32, rng: &mut XorShift) {
    while let Some(seat) = rec.game().turn() {
        *tick += 1;
        let mut msgs = Vec::new();
        let mover = rec.game().player_in(seat).unwrap();
        let waiter = rec.game().player_in(1 - seat).unwrap();
        if rng.below(3) == 0 {
            msgs.push((waiter, FourMsg::Drop { column: 3 }));
        }
        if rng.below(5) == 0 {
            msgs.push((mover, FourMsg::Drop { column: 7 }));
        }
        if tick.is_multiple_of(2) {
            let column = choose(rec.game().board(), seat, rng).unwrap();
            msgs.push((mover, FourMsg::Drop { column }));
        }
        rec.step(*tick, &[], &msgs);
    }
}

fn rematch(rec: &mut Recorder<Four>, tick: &mut u32, a: PlayerId, b: PlayerId) {
    *tick += 1;
    rec.step(*tick, &[], &[(a, FourMsg::Rematch), (b, FourMsg::Rematch)]);
    assert_eq!(rec.game().phase(), Phase::Playing);
}

#[test]
fn a_recorded_four_session_replays_bit_for_bit() {
    let config = FourConfig { turn_secs: 2.0 };
    let mut rec = Recorder::<Four>::new(config, PARAMS);
    let mut rng = XorShift::new(0x5eed);
    let (p1, p2, p3, p4) = (PlayerId(1), PlayerId(2), PlayerId(3), PlayerId(4));
    let mut tick = 0;

    assert_eq!(rec.join(tick, p1), None, "no avatar");
    tick += 1;
    rec.step(tick, &[], &[(p1, FourMsg::Drop { column: 0 })]); // no game yet
    rec.join(tick, p2);
    play_out(&mut rec, &mut tick, &mut rng);
    assert!(matches!(
        rec.game().phase(),
        Phase::Won { .. } | Phase::Draw
    ));

    // A rematch, then seat to move sits out its 20-tick timer.
    rematch(&mut rec, &mut tick, p2, p1);
    for _ in 0..20 {
        tick += 1;
        rec.step(tick, &[], &[]);
    }
    assert!(matches!(
        rec.game().phase(),
        Phase::Forfeit {
            why: ForfeitReason::TurnTimer,
            ..
        }
    ));

    // Another rematch; player 1 leaves mid-game and player 3 takes the seat.
    rematch(&mut rec, &mut tick, p1, p2);
    tick += 1;
    let seat = rec.game().turn().unwrap();
    let mover = rec.game().player_in(seat).unwrap();
    rec.step(tick, &[], &[(mover, FourMsg::Drop { column: 2 })]);
    rec.leave(tick, p1, LeaveReason::Left);
    assert_eq!(rec.game().phase(), Phase::Waiting);
    assert!(rec.game().admit(tick, p3).is_ok());
    rec.join(tick, p3);
    rec.join(tick, p4); // without `admit`: a member with no seat
    tick += 1;
    rec.step(tick, &[], &[(p4, FourMsg::Drop { column: 1 })]);
    play_out(&mut rec, &mut tick, &mut rng);

    // Player 2's seat expires mid-game.
    rematch(&mut rec, &mut tick, p2, p3);
    play_out_some(&mut rec, &mut tick, &mut rng, 3);
    rec.leave(tick, p2, LeaveReason::Expired);
    assert_eq!(rec.game().phase(), Phase::Waiting);
    rec.leave(tick, p4, LeaveReason::Left);
    rec.join(tick, PlayerId(5));
    play_out(&mut rec, &mut tick, &mut rng);

    assert!(rec.game().wins(0) + rec.game().wins(1) > 0);
    assert!(rec.calls().len() > 40, "{} calls", rec.calls().len());
    assert_eq!(rec.replay(), Ok(()));
}

/// Steps `n` ticks of bot moves by the seat to move.
fn play_out_some(rec: &mut Recorder<Four>, tick: &mut u32, rng: &mut XorShift, n: u32) {
    for _ in 0..n {
        let seat = rec.game().turn().expect("a game in progress");
        let mover = rec.game().player_in(seat).unwrap();
        let column = choose(rec.game().board(), seat, rng).unwrap();
        *tick += 1;
        rec.step(*tick, &[], &[(mover, FourMsg::Drop { column })]);
    }
}
