//! Twenty-one's rules, checked through the `Game` trait the way a lobby
//! calls it, and judged by what clients would see: the replicated state
//! (`write_state`) and the events each call raised.

use rallypoint_game::{Events, Game, LeaveReason, LobbyParams, PlayerId, Refusal, Row, State, To};
use rallypoint_minimal::{Event, Msg, Phase, Total, TwentyOne};

type Seen = State<(), Total, Phase>;
type Sent = Vec<(To, Event)>;

const A: PlayerId = PlayerId(1);
const B: PlayerId = PlayerId(2);
const C: PlayerId = PlayerId(3);

/// A lobby's game and its tick counter.
struct Table {
    game: TwentyOne,
    tick: u32,
}

impl Table {
    /// A game with `players` joined, in order, before the first tick.
    fn with(players: &[PlayerId]) -> Table {
        let params = LobbyParams {
            tick_hz: 30,
            max_players: 8,
        };
        let mut t = Table {
            game: TwentyOne::create(&(), &params),
            tick: 0,
        };
        for &p in players {
            assert_eq!(t.game.admit(t.tick, p), Ok(()));
            assert!(t.join(p).is_empty(), "a join raises no event");
        }
        t
    }

    fn join(&mut self, player: PlayerId) -> Sent {
        let mut events = Events::new();
        assert_eq!(self.game.join(self.tick, player, &mut events), None);
        events.drain().0.collect()
    }

    fn leave(&mut self, player: PlayerId, reason: LeaveReason) -> Sent {
        let mut events = Events::new();
        self.game.leave(self.tick, player, reason, &mut events);
        events.drain().0.collect()
    }

    /// One tick with these messages, in arrival order.
    fn step(&mut self, msgs: &[(PlayerId, Msg)]) -> Sent {
        self.tick += 1;
        let mut events = Events::new();
        self.game.step(self.tick, &[], msgs, &mut events);
        events.drain().0.collect()
    }

    fn seen(&self) -> Seen {
        let mut state = State::default();
        self.game.write_state(&mut state);
        state
    }

    /// `player`'s total, as its row replicates it.
    fn total(&self, player: PlayerId) -> Option<u8> {
        let seen = self.seen();
        let row = seen.rows.iter().find(|r| r.fields.player == player)?;
        Some(row.fields.total)
    }

    /// Adds 3s, one a tick, while they stay within `total`; no events.
    fn reach(&mut self, player: PlayerId, total: u8) {
        while self.total(player).unwrap() + 3 <= total {
            assert!(self.step(&[(player, Msg::Add(3))]).is_empty());
        }
    }
}

fn row(key: u32, player: PlayerId, total: u8) -> Row<Total> {
    let fields = Total { player, total };
    Row { key, fields }
}

fn refused(player: PlayerId, reason: &str) -> (To, Event) {
    let reason = reason.to_string();
    (To::One(player), Event::Refused { reason })
}

#[test]
fn every_member_has_a_row_from_zero_and_the_game_starts_playing() {
    let t = Table::with(&[A, B]);
    let seen = t.seen();
    assert_eq!(seen.rows, [row(0, A, 0), row(1, B, 0)]);
    assert_eq!(seen.singleton, Some(Phase::Playing));
    assert!(seen.entities.is_empty(), "no entities");
}

#[test]
fn reaching_21_exactly_wins_and_everyone_hears() {
    let mut t = Table::with(&[A, B]);
    t.reach(A, 18);
    assert_eq!(t.step(&[(A, Msg::Add(2)), (B, Msg::Add(1))]), []);
    assert_eq!((t.total(A), t.total(B)), (Some(20), Some(1)));
    assert_eq!(t.seen().singleton, Some(Phase::Playing));

    let sent = t.step(&[(A, Msg::Add(1))]);
    assert_eq!(sent, [(To::All, Event::Won { winner: A })]);
    assert_eq!(t.total(A), Some(21));
    assert_eq!(t.seen().singleton, Some(Phase::Over { winner: A }));

    // Over means over: a later add is refused and changes nothing.
    let before = t.seen();
    let sent = t.step(&[(B, Msg::Add(3))]);
    assert_eq!(sent, [refused(B, "the game is over")]);
    assert_eq!(t.seen(), before);
}

#[test]
fn an_overshoot_is_refused_to_its_sender_alone_and_changes_nothing() {
    let mut t = Table::with(&[A, B]);
    t.reach(A, 18);
    assert_eq!(t.step(&[(A, Msg::Add(2))]), []);
    let before = t.seen();
    let sent = t.step(&[(A, Msg::Add(2))]);
    assert_eq!(sent, [refused(A, "20 + 2 would pass 21")]);
    assert_eq!(t.seen(), before, "state unchanged");
    // Still in the game: the right number wins.
    let sent = t.step(&[(A, Msg::Add(1))]);
    assert_eq!(sent, [(To::All, Event::Won { winner: A })]);
}

#[test]
fn an_out_of_range_add_is_refused() {
    let mut t = Table::with(&[A]);
    let before = t.seen();
    let sent = t.step(&[(A, Msg::Add(0)), (A, Msg::Add(4)), (A, Msg::Add(255))]);
    assert_eq!(
        sent,
        [
            refused(A, "add 1, 2 or 3, not 0"),
            refused(A, "add 1, 2 or 3, not 4"),
            refused(A, "add 1, 2 or 3, not 255"),
        ]
    );
    assert_eq!(t.seen(), before);
}

#[test]
fn a_message_from_someone_not_playing_is_refused() {
    let mut t = Table::with(&[A]);
    let before = t.seen();
    assert_eq!(
        t.step(&[(C, Msg::Add(1))]),
        [refused(C, "you are not playing")]
    );
    assert_eq!(t.seen(), before);
}

#[test]
fn when_two_reach_21_in_one_tick_the_first_to_arrive_wins() {
    let mut t = Table::with(&[A, B]);
    t.reach(A, 18);
    t.reach(B, 18);
    let sent = t.step(&[(B, Msg::Add(3)), (A, Msg::Add(3))]);
    assert_eq!(
        sent,
        [
            (To::All, Event::Won { winner: B }),
            refused(A, "the game is over"),
        ]
    );
    assert_eq!(t.total(A), Some(18), "the refused add changed nothing");
}

#[test]
fn joins_are_admitted_while_playing_and_refused_after_the_end() {
    let mut t = Table::with(&[A]);
    t.reach(A, 18);
    assert_eq!(t.game.admit(t.tick, B), Ok(()), "mid-game joins are fine");
    t.join(B);
    assert_eq!(t.step(&[(A, Msg::Add(3))]).len(), 1);
    assert_eq!(
        t.game.admit(t.tick, C),
        Err(Refusal("this game is over".into()))
    );
}

#[test]
fn a_leave_removes_the_row_whatever_the_reason_and_keys_are_not_reused() {
    let mut t = Table::with(&[A, B, C]);
    t.step(&[(A, Msg::Add(3)), (B, Msg::Add(2))]);
    assert!(t.leave(A, LeaveReason::Left).is_empty());
    assert!(t.leave(C, LeaveReason::Expired).is_empty());
    assert_eq!(t.seen().rows, [row(1, B, 2)], "only B's row is left");

    // A comes back: a new row, under a new key, from 0.
    t.join(A);
    assert_eq!(t.seen().rows, [row(1, B, 2), row(3, A, 0)]);
    // A message from the departed C is refused.
    assert_eq!(
        t.step(&[(C, Msg::Add(1))]),
        [refused(C, "you are not playing")]
    );
}

#[test]
fn a_win_stays_won_when_the_winner_leaves() {
    let mut t = Table::with(&[A, B]);
    t.reach(A, 18);
    assert_eq!(t.step(&[(A, Msg::Add(3))]).len(), 1);
    assert_eq!(t.seen().singleton, Some(Phase::Over { winner: A }));
    t.leave(A, LeaveReason::Left);
    assert_eq!(t.seen().singleton, Some(Phase::Over { winner: A }));
    assert_eq!(t.seen().rows.len(), 1);
}
