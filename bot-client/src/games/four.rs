//! Four in a Row's bot: it has no per-tick input (the driver acknowledges
//! views with `Ack` instead) and plays from the replicated [`FourState`]:
//! when the state says it is its seat's turn, it drops a disc where
//! [`choose`] says (win, else block, else a seeded random column), once
//! per position; when a game is over it asks for a rematch, once per game.
//! Its seat comes from `Joined`'s [`FourInfo`]. It counts the games its
//! seat finished from the game's events, and its score for the resume
//! check is its seat's wins and the game number.

use rallypoint_four::bot::{XorShift, choose};
use rallypoint_four::{Four, FourEvent, FourInfo, FourMsg, FourState, Phase};
use rallypoint_game::view::GameView;
use rallypoint_shared::{EntityRef, encode_payload};
use serde::Serialize;
use tracing::{debug, warn};

use super::{BotGame, GameCounts, Score, Tick};

/// What a four bot played. A game between two bots counts at both seats:
/// once as a win and once as a loss (or twice as a draw).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FourCounts {
    /// Games that ended with the bot seated: wins + losses + draws.
    pub games_finished: u64,
    /// Won by four in a row or by the other seat's forfeit.
    pub wins: u64,
    /// Lost by the other seat's four in a row or by the bot's forfeit.
    pub losses: u64,
    pub draws: u64,
    /// Discs the bot dropped (`Drop` messages sent).
    pub moves: u64,
    /// Moves the game refused (`Illegal`): a move in flight when the game
    /// ended without it (the other seat left at the end of its run); more
    /// than a few is a bug in the bot or the game.
    pub illegal: u64,
    /// `Rematch` messages sent.
    pub rematches: u64,
}

impl FourCounts {
    pub(super) fn add(&mut self, o: &FourCounts) {
        self.games_finished += o.games_finished;
        self.wins += o.wins;
        self.losses += o.losses;
        self.draws += o.draws;
        self.moves += o.moves;
        self.illegal += o.illegal;
        self.rematches += o.rematches;
    }

    pub(super) fn line(&self) -> String {
        format!(
            "four: {} games finished at bot seats ({} wins, {} losses, {} draws), \
             {} moves, {} illegal, {} rematches asked",
            self.games_finished,
            self.wins,
            self.losses,
            self.draws,
            self.moves,
            self.illegal,
            self.rematches
        )
    }
}

/// One four bot's policy.
#[derive(Debug)]
pub struct FourBot {
    rng: XorShift,
    /// From `Joined`; `None` while the bot has no seat.
    seat: Option<u8>,
    /// The newest view's state, and the bot's row's rematch flag.
    state: Option<FourState>,
    asked_rematch_in_row: bool,
    /// The position (game, moves) a `Drop` was sent for: not sent twice.
    moved_at: Option<(u32, u8)>,
    /// The game a `Rematch` was asked after.
    rematch_after: Option<u32>,
    counts: FourCounts,
}

impl BotGame for FourBot {
    type Game = Four;

    fn new(seed: u64, bot: u32) -> Self {
        // Each bot its own stream; xorshift replaces a zero seed itself.
        let mixed = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ u64::from(bot).wrapping_add(1);
        FourBot {
            rng: XorShift::new(mixed),
            seat: None,
            state: None,
            asked_rematch_in_row: false,
            moved_at: None,
            rematch_after: None,
            counts: FourCounts::default(),
        }
    }

    fn on_joined(&mut self, info: FourInfo, _avatar: Option<EntityRef>) {
        if info.seat.is_none() {
            warn!("joined a four lobby without a seat: the bot will only watch");
        }
        self.seat = info.seat;
    }

    fn on_view(&mut self, view: &GameView<Four>) -> Option<Score> {
        self.state = view.singleton;
        let row = self.seat.and_then(|s| view.rows.get(&u32::from(s)));
        self.asked_rematch_in_row = row.is_some_and(|r| r.rematch);
        Some(Score([row?.wins, view.singleton?.game]))
    }

    fn on_event(&mut self, event: FourEvent) {
        let Some(me) = self.seat else {
            return;
        };
        let c = &mut self.counts;
        match event {
            FourEvent::Won { seat, .. } => {
                c.games_finished += 1;
                if seat == me {
                    c.wins += 1
                } else {
                    c.losses += 1
                }
            }
            FourEvent::Forfeit { seat, .. } => {
                c.games_finished += 1;
                if seat == me {
                    c.losses += 1
                } else {
                    c.wins += 1
                }
            }
            FourEvent::Draw => {
                c.games_finished += 1;
                c.draws += 1;
            }
            FourEvent::Illegal { reason } => {
                debug!(reason, "move refused");
                c.illegal += 1;
                // Try again from the next view of this position.
                self.moved_at = None;
            }
            FourEvent::Started { .. }
            | FourEvent::Moved { .. }
            | FourEvent::RematchRequested { .. } => {}
        }
    }

    fn tick(&mut self, _seq: u32, _ack_tick: u32) -> Tick {
        let msg = self.next_msg();
        let msg = msg.and_then(|m| {
            encode_payload(&m)
                .inspect_err(|err| warn!(%err, "four message not encodable"))
                .ok()
        });
        Tick { input: None, msg }
    }

    fn counts(&self) -> GameCounts {
        GameCounts::Four(self.counts)
    }
}

impl FourBot {
    /// The message the newest view calls for, if any: a move on the bot's
    /// turn, a rematch after a game.
    fn next_msg(&mut self) -> Option<FourMsg> {
        let (seat, state) = (self.seat?, self.state?);
        let position = (state.game, state.moves);
        if state.phase == Phase::Playing
            && state.turn == Some(seat)
            && self.moved_at != Some(position)
        {
            let column = choose(&state.board, seat, &mut self.rng)?;
            self.moved_at = Some(position);
            self.counts.moves += 1;
            return Some(FourMsg::Drop { column });
        }
        if state.phase.is_over()
            && !self.asked_rematch_in_row
            && self.rematch_after != Some(state.game)
        {
            self.rematch_after = Some(state.game);
            self.counts.rematches += 1;
            return Some(FourMsg::Rematch);
        }
        None
    }
}

#[cfg(test)]
mod tests;
