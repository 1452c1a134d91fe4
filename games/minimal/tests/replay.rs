//! Twenty-one is deterministic through the `Game` trait: a scripted
//! session (admissions, joins, adds legal and not, a drop and a resume,
//! leaves of both kinds, a win, a refused join) is recorded, then replayed
//! into a fresh game, which must give the same state and events after
//! every call.

use rallypoint_game::replay::Recorder;
use rallypoint_game::{Game, LeaveReason, LobbyParams, PlayerId, State};
use rallypoint_minimal::{Msg, Phase, TwentyOne};

#[test]
fn a_recorded_session_replays_bit_for_bit() {
    let params = LobbyParams {
        tick_hz: 30,
        max_players: 4,
    };
    let mut rec = Recorder::<TwentyOne>::new((), params);
    let (a, b, c, d) = (PlayerId(1), PlayerId(2), PlayerId(3), PlayerId(4));
    for p in [a, b, c] {
        assert_eq!(rec.admit(0, p), Ok(()));
        assert_eq!(rec.join(0, p), None, "no avatars");
    }
    // Six ticks of adds: a steady 3s, b cycling through 0 to 4 (so some are
    // out of range), c 1s; and messages from d, who is not playing yet.
    for tick in 1..=6 {
        let n = (tick % 5) as u8;
        let msgs = [
            (a, Msg::Add(3)),
            (b, Msg::Add(n)),
            (c, Msg::Add(1)),
            (d, Msg::Add(2)),
        ];
        rec.step(tick, &[], &msgs);
        if tick == 3 {
            rec.disconnected(tick, c);
        }
        if tick == 5 {
            rec.reconnected(tick, c);
        }
    }
    rec.leave(6, c, LeaveReason::Expired);
    assert_eq!(rec.admit(6, d), Ok(()));
    rec.join(6, d);
    rec.step(7, &[], &[(a, Msg::Add(2)), (d, Msg::Add(3))]); // a: 18 + 2
    rec.step(8, &[], &[(a, Msg::Add(3)), (a, Msg::Add(1))]); // an overshoot, then the win
    rec.leave(8, b, LeaveReason::Left);
    assert!(rec.admit(8, c).is_err(), "no joins after the end");
    rec.step(9, &[], &[(d, Msg::Add(3))]);

    // The session went where the script says, so the replay checks
    // something real: a won, and only a and d are left.
    let mut state = State::default();
    rec.game().write_state(&mut state);
    assert_eq!(state.singleton, Some(Phase::Over { winner: a }));
    let left: Vec<_> = state
        .rows
        .iter()
        .map(|r| (r.fields.player, r.fields.total))
        .collect();
    assert_eq!(left, [(a, 21), (d, 3)]);
    // 6 admits and joins, 9 steps, a drop, a resume, 2 leaves, 2 admits, a join.
    assert_eq!(rec.calls().len(), 22);

    assert_eq!(rec.replay(), Ok(()));
}
