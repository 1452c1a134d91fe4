//! Arena's bot: the seeded [`Wander`] inputs, one per tick, and the
//! client-side prediction of its own player ([`Predictor`]) against every
//! view, whose error must stay exactly 0. Its score for the resume check
//! is its row's kills and deaths; its counters are the kills it saw
//! announced ([`ArenaEvent::Killed`]).

use rallypoint_arena::{Arena, ArenaEntity, ArenaEvent, MapInfo, PLAYER};
use rallypoint_game::view::GameView;
use rallypoint_shared::snapshot::from_fixed;
use rallypoint_shared::{EntityRef, encode_payload};
use serde::Serialize;
use tracing::warn;

use super::{BotGame, GameCounts, Prediction, Score, Tick, TickInput};
use crate::predict::{Own, Predictor};
use rallypoint_arena::bot::Wander;

/// What an arena bot saw of the fighting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ArenaCounts {
    /// `Killed` events received (each kill reaches every member of the
    /// lobby, so a lobby of 16 bots counts each kill 16 times).
    pub kill_events: u64,
    /// Kills by the bot itself.
    pub kills: u64,
    /// The bot's own deaths.
    pub deaths: u64,
}

impl ArenaCounts {
    pub(super) fn add(&mut self, other: &ArenaCounts) {
        self.kill_events += other.kill_events;
        self.kills += other.kills;
        self.deaths += other.deaths;
    }

    pub(super) fn line(&self) -> String {
        format!(
            "arena: {} kills by bots, {} deaths ({} Killed events received)",
            self.kills, self.deaths, self.kill_events
        )
    }
}

/// One arena bot's policy.
#[derive(Debug)]
pub struct ArenaBot {
    seed: u64,
    bot: u32,
    /// Made at the first `Welcome`, which gives the tick rate; kept across
    /// resumes, so the inputs do not depend on drops.
    wander: Option<Wander>,
    predictor: Predictor,
    avatar: Option<EntityRef>,
    counts: ArenaCounts,
}

impl BotGame for ArenaBot {
    type Game = Arena;

    fn new(seed: u64, bot: u32) -> Self {
        ArenaBot {
            seed,
            bot,
            wander: None,
            predictor: Predictor::new(),
            avatar: None,
            counts: ArenaCounts::default(),
        }
    }

    fn on_welcome(&mut self, tick_hz: u16) {
        self.predictor.on_welcome(tick_hz);
        if self.wander.is_none() {
            self.wander = Some(Wander::new(self.seed, self.bot, tick_hz));
        }
    }

    fn on_joined(&mut self, map: MapInfo, avatar: Option<EntityRef>) {
        self.avatar = avatar;
        match avatar {
            Some(avatar) => self.predictor.on_joined(map, avatar),
            None => warn!("an arena lobby gave the bot no avatar"),
        }
    }

    fn on_view(&mut self, view: &GameView<Arena>) -> Option<Score> {
        let avatar = self.avatar?;
        let row = view.rows.get(&avatar.index);
        if let Some(own) = own(view, avatar) {
            self.predictor.on_snapshot(own);
        }
        row.map(|r| Score([r.kills, r.deaths]))
    }

    fn on_event(&mut self, event: ArenaEvent) {
        let ArenaEvent::Killed { killer, victim } = event;
        self.counts.kill_events += 1;
        let me = self.avatar.map(|a| a.index);
        if me == Some(killer) {
            self.counts.kills += 1;
        }
        if me == Some(victim) {
            self.counts.deaths += 1;
        }
    }

    fn on_disconnect(&mut self, last_sent_seq: u32) {
        self.predictor.on_disconnect(last_sent_seq);
    }

    fn tick(&mut self, seq: u32, ack_tick: u32) -> Tick {
        let Some(wander) = &mut self.wander else {
            return Tick::default(); // before `Welcome`: never in a lobby
        };
        let input = wander.next_input(seq, ack_tick);
        self.predictor.on_input(&input);
        match encode_payload(&input) {
            Ok(payload) => Tick {
                input: Some(TickInput {
                    payload,
                    hitscan: input.hitscan,
                }),
                msg: None,
            },
            Err(err) => {
                warn!(%err, "arena input not encodable");
                Tick::default()
            }
        }
    }

    fn counts(&self) -> GameCounts {
        GameCounts::Arena(self.counts)
    }

    fn take_prediction(&mut self) -> Prediction {
        Prediction {
            error: std::mem::take(&mut self.predictor.error),
            skipped: self.predictor.skipped,
        }
    }
}

/// The bot's own player in `view`, for prediction: its exact position and,
/// if the view shows its entity (entities and rows are keyed by the
/// avatar's slot index), whether it is alive and its deaths.
pub(crate) fn own(view: &GameView<Arena>, avatar: EntityRef) -> Option<Own> {
    let held = view.entities.get(&(PLAYER, avatar.index))?;
    let ArenaEntity::Player { alive, .. } = held.fields else {
        return None;
    };
    Some(Own {
        seq: view.last_input_seq,
        // Exact: the server keeps positions on the fixed-point grid, so
        // this is its `f32` position bit for bit.
        pos: from_fixed(view.me),
        alive,
        deaths: view.rows.get(&avatar.index).map_or(0, |s| s.deaths),
    })
}
