//! What the bots play: one bot policy per game behind [`BotGame`], the
//! game-neutral part of a bot (connections, snapshots, acknowledgements,
//! resumes, the report's engine figures) being the same for every game.
//!
//! A policy is the game-specific half of one bot's client: it reads what
//! the game tells a member on joining, every view the bot rebuilds from
//! snapshots and every game event, and says each tick what the bot sends:
//! a per-tick input (arena) or nothing but an acknowledgement, plus a
//! reliable game message now and then (four's moves). Its counters end up
//! under the report's `game` key ([`GameCounts`]).
//!
//! Both halves of a bot share its policy behind one mutex (the reader
//! feeds it views and events, the driver asks it each tick), locked for
//! one call at a time, as the arena predictor was before.
//!
//! # Layout
//! - [`arena`]: the wander policy with client-side prediction.
//! - [`four`]: `rallypoint_four::bot::choose` on its turns, rematches.

use rallypoint_game::Game;
use rallypoint_game::view::GameView;
use rallypoint_shared::{EntityRef, Payload};
use serde::Serialize;

use crate::predict::ErrorSamples;

pub mod arena;
pub mod four;

pub use arena::{ArenaBot, ArenaCounts};
pub use four::{FourBot, FourCounts};

/// The games the bots can play (`--game`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GameName {
    /// The shooter: wander, fire, predict. The default.
    #[default]
    Arena,
    /// Four in a Row: two seats, a move on each turn.
    Four,
}

impl GameName {
    /// The game's name on the wire (`CreateLobby`, `QuickJoin`, `Joined`).
    pub fn name(self) -> &'static str {
        match self {
            GameName::Arena => <rallypoint_arena::Arena as Game>::NAME,
            GameName::Four => <rallypoint_four::Four as Game>::NAME,
        }
    }

    /// Bots per lobby when `--lobby-size` is not given: arena 16 (a full
    /// default lobby), four its 2 seats.
    pub fn default_lobby_size(self) -> u8 {
        match self {
            GameName::Arena => 16,
            GameName::Four => rallypoint_four::SEATS as u8,
        }
    }

    /// The most bots a lobby of this game can seat, if the game has a
    /// fixed number of seats.
    pub fn max_seats(self) -> Option<u8> {
        match self {
            GameName::Arena => None,
            GameName::Four => Some(rallypoint_four::SEATS as u8),
        }
    }

    /// The game named `name`, if the bots can play it.
    pub fn parse(name: &str) -> Option<GameName> {
        [GameName::Arena, GameName::Four]
            .into_iter()
            .find(|g| g.name() == name)
    }
}

/// A game's score for the resume check: counters that only grow (arena:
/// the bot's kills and deaths; four: its seat's wins and the game number),
/// so the first snapshot after a resume must show each at least where the
/// last one before the drop left it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Score(pub [u32; 2]);

impl Score {
    /// Whether `self`, seen after a resume, kept everything of `before`.
    pub(crate) fn kept(self, before: Score) -> bool {
        self.0.iter().zip(before.0).all(|(&now, then)| now >= then)
    }
}

/// A per-tick input, for the driver to number, acknowledge and send.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TickInput {
    /// The game's input, encoded.
    pub payload: Payload,
    /// It fires arena's instant-hit weapon (counted when sent).
    pub hitscan: bool,
}

/// What the bot sends this tick.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Tick {
    /// The tick's input, for a game with per-tick input (it carries the
    /// acknowledgement); `None` for a game without, which then sends `Ack`
    /// when it holds a newer view.
    pub input: Option<TickInput>,
    /// A reliable game message to send now.
    pub msg: Option<Payload>,
}

/// Client-side prediction measured by a policy that predicts.
#[derive(Debug, Default)]
pub(crate) struct Prediction {
    pub error: ErrorSamples,
    pub skipped: u64,
}

/// One game's policy for one bot.
pub(crate) trait BotGame: Send + 'static {
    type Game: Game;

    /// The policy of bot `bot` in a run seeded with `seed`.
    fn new(seed: u64, bot: u32) -> Self;

    /// `Welcome`: the server's tick rate.
    fn on_welcome(&mut self, tick_hz: u16) {
        let _ = tick_hz;
    }

    /// `Joined` (or the resumed session's): what the game says on joining,
    /// and the bot's avatar, if the game gives it one.
    fn on_joined(&mut self, info: <Self::Game as Game>::JoinInfo, avatar: Option<EntityRef>);

    /// A view the bot applied; returns the bot's score in it, if it shows.
    fn on_view(&mut self, view: &GameView<Self::Game>) -> Option<Score>;

    /// A game event.
    fn on_event(&mut self, event: <Self::Game as Game>::Event);

    /// The connection dropped (for chaos) after input `last_sent_seq`.
    fn on_disconnect(&mut self, last_sent_seq: u32) {
        let _ = last_sent_seq;
    }

    /// This tick's sending: `seq` numbers the input, if one is made, and
    /// `ack_tick` is the newest view held.
    fn tick(&mut self, seq: u32, ack_tick: u32) -> Tick;

    /// The game's counters for the report.
    fn counts(&self) -> GameCounts;

    /// Takes what prediction measured (nothing for a game that does not
    /// predict).
    fn take_prediction(&mut self) -> Prediction {
        Prediction::default()
    }
}

/// A game's own counters, per bot and summed for the report's `game` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "name", rename_all = "lowercase")]
pub enum GameCounts {
    Arena(ArenaCounts),
    Four(FourCounts),
}

impl GameCounts {
    /// All zero, for `game`.
    pub fn empty(game: GameName) -> GameCounts {
        match game {
            GameName::Arena => GameCounts::Arena(ArenaCounts::default()),
            GameName::Four => GameCounts::Four(FourCounts::default()),
        }
    }

    /// `self` plus `other` (of the same game; another game's are ignored).
    pub fn add(&mut self, other: &GameCounts) {
        match (self, other) {
            (GameCounts::Arena(a), GameCounts::Arena(b)) => a.add(b),
            (GameCounts::Four(a), GameCounts::Four(b)) => a.add(b),
            _ => {}
        }
    }

    /// The text report's line.
    pub fn line(&self) -> String {
        match self {
            GameCounts::Arena(a) => a.line(),
            GameCounts::Four(f) => f.line(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn games_are_named_as_the_server_names_them() {
        assert_eq!(GameName::parse("arena"), Some(GameName::Arena));
        assert_eq!(GameName::parse("four"), Some(GameName::Four));
        assert_eq!(GameName::parse("chess"), None);
        assert_eq!(GameName::Four.default_lobby_size(), 2);
        assert_eq!(GameName::Arena.default_lobby_size(), 16);
    }

    #[test]
    fn a_score_is_kept_only_when_no_counter_went_back() {
        assert!(Score([3, 2]).kept(Score([3, 2])));
        assert!(Score([4, 2]).kept(Score([3, 2])));
        assert!(!Score([4, 1]).kept(Score([3, 2])));
    }

    #[test]
    fn counts_add_up_per_game_and_serialise_with_the_name() {
        let mut total = GameCounts::empty(GameName::Four);
        let one = GameCounts::Four(FourCounts {
            games_finished: 2,
            wins: 1,
            losses: 1,
            ..FourCounts::default()
        });
        total.add(&one);
        total.add(&one);
        total.add(&GameCounts::empty(GameName::Arena));
        let json = serde_json::to_value(total).unwrap();
        assert_eq!(json["name"], "four");
        assert_eq!(json["games_finished"], 4);
        assert_eq!(json["wins"], 2);
    }
}
