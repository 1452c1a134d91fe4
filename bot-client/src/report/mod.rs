//! The run's report: per-bot results aggregated into the numbers a load
//! test is judged by, as JSON (`Serialize`) and as text (`Display`).
//!
//! Rates are per bot, then averaged (and their minimum taken) across bots,
//! so one starved bot shows in the minimum instead of vanishing in a total.
//! Latency histograms are per bot and merged here. Byte counts are
//! WebSocket payload bytes of data messages: no TCP, IP or WebSocket frame
//! headers. With chaos, time a bot spends disconnected (from a drop to the
//! resumed `Joined`) counts neither as connected nor as in the lobby, so
//! the rates and the delivery ratio describe the time the server could
//! actually deliver; `offline_secs_per_bot` shows how much was left out.
//! What delta snapshots cost and save is its own part ([`DeltaReport`]),
//! and so are the redirects to other nodes of a fleet
//! ([`RedirectReport`], with `bots_per_node`).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::games::{GameCounts, GameName};
use crate::link::LinkOptions;
use crate::outcome::BotResult;
pub use crate::outcome::Explanation;

mod deltas;
mod histograms;
mod redirects;
mod server;
mod text;

use histograms::{latency, prediction_error};

pub use deltas::DeltaReport;
pub use redirects::RedirectReport;
pub use server::{Bound, Quantiles, ServerCounts, ServerGauges, ServerReport};

/// Shortest time in a lobby for a bot to count in the per-bot rate
/// statistics. Default: 0.25 s; below that, one snapshot more or less swings
/// a rate by over 10% at 30 Hz, which would only add noise to the minimum.
/// (A bot that got no snapshot at all fails `no_snapshots` regardless.)
pub const MIN_RATE_WINDOW_SECS: f64 = 0.25;

/// The mean across bots, and the worst (lowest) bot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct MeanMin {
    pub mean: f64,
    pub min: f64,
}

/// Latency percentiles in milliseconds, from histograms with 1% resolution.
/// All zero when `samples` is 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Latency {
    pub samples: u64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

/// Client-side prediction error, in world units: for each snapshot that
/// acknowledges a new input `k`, the distance between the position the bot
/// predicted for `k` and the authoritative one. From a histogram of
/// millionths of a unit at 3 significant digits; all zero with no samples.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct PredictionError {
    pub samples: u64,
    /// Acknowledgements not judged: the player dead in the baseline or the
    /// snapshot, died or respawned in between, no baseline yet, or inputs
    /// possibly lost in a chaos drop.
    pub skipped: u64,
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

/// The link conditioner's settings, as run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct LinkReport {
    /// Added to each direction.
    pub latency_ms: f64,
    /// Uniform ± per message.
    pub jitter_ms: f64,
    /// 0 when stalls are off.
    pub stall_every_secs: f64,
    pub stall_ms: f64,
}

impl From<&LinkOptions> for LinkReport {
    fn from(link: &LinkOptions) -> Self {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        Self {
            latency_ms: ms(link.latency),
            jitter_ms: ms(link.jitter),
            stall_every_secs: link.stall.map_or(0.0, |s| s.every.as_secs_f64()),
            stall_ms: link.stall.map_or(0.0, |s| ms(s.length)),
        }
    }
}

/// What the bots did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunMode {
    /// Joined lobbies and played (the default).
    #[default]
    Play,
    /// Stayed in the menu after `Welcome` (`--idle`): no lobby, no inputs,
    /// so the snapshot, input, delta and latency figures do not apply.
    Idle,
}

/// What a run measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// `play`, or `idle` for `--idle`.
    pub mode: RunMode,
    /// Bots started.
    pub bots: u32,
    /// Bots whose WebSocket upgrade succeeded.
    pub bots_connected: u32,
    /// Bots that received `Welcome`.
    pub bots_welcomed: u32,
    /// Idle mode: bots that stayed connected in the menu, after `Welcome`,
    /// until their duration ended (0 when playing).
    pub bots_idle: u32,
    /// Bots that received `Joined` (0 when idle).
    pub bots_joined: u32,
    /// Bots that failed, for any reason (see `failures`).
    pub bots_failed: u32,
    /// Failed bots by reason: `connect:refused` (nothing listens),
    /// `connect` (another TCP error), `handshake:http_<status>` (the server
    /// answered the upgrade with that HTTP status: 429 per-IP cap, 503
    /// connection cap), `handshake` (no HTTP answer), `timeout:<stage>`,
    /// `server_error:<ErrorCode>`, `server_shutdown`, `closed_early`,
    /// `left_early`, `no_snapshots`, `snapshots_stalled`,
    /// `protocol_mismatch`, `no_join_code`, `panic`, `wrong_game`, with
    /// chaos `resume:<reason>` and `score_lost`, and against a fleet
    /// `redirect:<reason>` (see `redirects.failures`).
    pub failures: BTreeMap<String, u32>,
    /// Each reason in `failures`, in words: its cause (with the HTTP
    /// status, the server's cap and its default) and the remedy (the flag
    /// to change).
    pub failures_explained: BTreeMap<String, Explanation>,
    /// Each bot's requested lifetime, in seconds.
    pub duration_secs: f64,
    /// Wall-clock time of the whole run, ramp and leaving included.
    pub elapsed_secs: f64,
    /// The server's tick rate from `Welcome` (0 if no bot got that far).
    pub tick_hz: u16,
    /// The snapshots a second `Welcome` promised in a lobby, `tick_hz` or
    /// fewer (0 if no bot got that far).
    pub snapshot_hz: u16,
    pub snapshots_total: u64,
    /// Snapshots received per second in the lobby.
    pub snapshots_per_bot_per_sec: MeanMin,
    /// Snapshots received ÷ (seconds in the lobby × `snapshot_hz`); 1.0
    /// is every snapshot the server promised. Time offline after a chaos
    /// drop is not in the lobby, so it does not count as missed snapshots.
    pub delivery_ratio: MeanMin,
    /// Inputs sent per second of play, however batched (below `tick_hz`
    /// means the bot process could not keep up).
    pub inputs_per_bot_per_sec: MeanMin,
    /// Messages carrying them (`Input` or `Inputs`) per second of play:
    /// the input rate ÷ `input_batch`.
    pub input_messages_per_bot_per_sec: MeanMin,
    /// Inputs per message asked for (`--input-batch`); 1 sends each in
    /// its own `Input`.
    pub input_batch: u8,
    /// `Ack` messages sent per second of play: a game without per-tick
    /// input (four) acknowledges its newest view with one; 0 for arena,
    /// whose inputs carry the acknowledgement.
    pub acks_per_bot_per_sec: MeanMin,
    /// Reliable game messages sent (four's moves and rematches), in all.
    pub game_messages_sent: u64,
    /// Inputs sent with `hitscan` set (instant-hit shots), in all.
    pub hitscan_shots: u64,
    /// Instant-hit shots per second of play, mean over bots.
    pub hitscan_shots_per_bot_per_sec: f64,
    /// WebSocket payload bytes received per second connected, mean; split
    /// up in `deltas`.
    pub bytes_down_per_bot_per_sec: f64,
    /// WebSocket payload bytes sent per second connected, mean.
    pub bytes_up_per_bot_per_sec: f64,
    /// Round trip of `Ping` → `Pong`.
    pub rtt_ms: Latency,
    /// Time between consecutive snapshots at one bot.
    pub snapshot_interval_ms: Latency,
    /// Time from sampling input `k` (sending it, at `input_batch` 1) to the
    /// first snapshot applied with `last_input_seq >= k`.
    pub input_ack_ms: Latency,
    /// Delta snapshots: bytes by kind, the full-equivalent, baselines.
    pub deltas: DeltaReport,
    /// Bots whose `LeaveLobby` got no `Left` in time (not a failure).
    pub leaves_unacknowledged: u32,
    /// `Error` messages that did not fail their bot.
    pub server_errors: u64,
    /// Messages that did not decode and were skipped.
    pub undecodable_messages: u64,
    /// Bots that received `ShuttingDown` (failing only if the shutdown
    /// then cut them off: `server_shutdown`).
    pub shutdown_notices: u32,
    /// Chaos drops per bot per minute asked for; 0 when chaos is off.
    pub chaos_per_bot_per_min: f64,
    /// Chaos drops, each followed by a resume attempt.
    pub resumes_attempted: u64,
    /// Resumes that got `Welcome` (same player), `Joined` (same lobby and
    /// entity) and a first snapshot with the bot's score kept.
    pub resumes_succeeded: u64,
    /// `resumes_attempted - resumes_succeeded`; each failed its bot, with
    /// its reason in `failures` (`resume:<reason>`, `score_lost`,
    /// `server_shutdown`, or `timeout:run` if the run was aborted).
    pub resumes_failed: u64,
    /// From a chaos drop to the first snapshot after the resume.
    pub resume_ms: Latency,
    /// `Redirect`s to other nodes of a fleet: followed, failed (by
    /// reason), and the latency of a redirected join.
    pub redirects: RedirectReport,
    /// Bots by the URL of the node they ended on (their last connection;
    /// `--url` unless redirected). Bots that never connected are left out.
    pub bots_per_node: BTreeMap<String, u32>,
    /// Mean seconds per bot spent offline between chaos drops and resumed
    /// `Joined`s (left out of the rates above).
    pub offline_secs_per_bot: f64,
    /// How far each bot's prediction of its own player was off (arena;
    /// all zero for a game without prediction).
    pub prediction_error: PredictionError,
    /// The game's own counters, summed over the bots, with its `name`:
    /// arena's kills (`kills`, `deaths` of the bots themselves, and
    /// `kill_events` received), four's results (`games_finished`, `wins`,
    /// `losses`, `draws` at bot seats, with `moves`, `illegal` and
    /// `rematches`).
    pub game: GameCounts,
    /// The link conditioner (all zero when off).
    pub link: LinkReport,
    /// What the server's own metrics said about the run; `None` when not
    /// scraped (`--no-server-metrics`, or a remote server without
    /// `--metrics-url`).
    pub server: Option<ServerReport>,
}

impl Report {
    /// Aggregates per-bot results; `url` (the bots' `--url`) goes into the
    /// failures' words.
    pub(crate) fn build(
        game: GameName,
        url: &str,
        bots: u32,
        duration: Duration,
        elapsed: Duration,
        chaos: Option<f64>,
        results: &[BotResult],
    ) -> Self {
        let count =
            |pred: &dyn Fn(&BotResult) -> bool| results.iter().filter(|r| pred(r)).count() as u32;
        let mut failures = BTreeMap::new();
        let mut failures_explained = BTreeMap::new();
        for reason in results.iter().filter_map(|r| r.failure) {
            let key = reason.to_string();
            (failures_explained.entry(key.clone())).or_insert_with(|| reason.explain(url));
            *failures.entry(key).or_insert(0) += 1;
        }
        let tick_hz = results.iter().find_map(|r| r.tick_hz).unwrap_or(0);
        let snapshot_hz = results.iter().find_map(|r| r.snapshot_hz).unwrap_or(0);

        let in_lobby: Vec<&BotResult> = results
            .iter()
            .filter(|r| r.joined && r.in_lobby_secs >= MIN_RATE_WINDOW_SECS)
            .collect();
        let snapshot_rate = |r: &BotResult| r.recv.snapshots as f64 / r.in_lobby_secs;
        let delivery = |r: &BotResult| {
            snapshot_rate(r) / f64::from(r.snapshot_hz.unwrap_or(snapshot_hz).max(1))
        };
        let playing: Vec<&BotResult> = results
            .iter()
            .filter(|r| r.play_secs >= MIN_RATE_WINDOW_SECS)
            .collect();
        let input_rate = |r: &BotResult| r.inputs_sent as f64 / r.play_secs;
        let message_rate = |r: &BotResult| r.input_messages_sent as f64 / r.play_secs;
        let hitscan_rate = |r: &BotResult| r.hitscan_shots as f64 / r.play_secs;
        let ack_rate = |r: &BotResult| r.acks_sent as f64 / r.play_secs;
        let mut counts = GameCounts::empty(game);
        for c in results.iter().filter_map(|r| r.game.as_ref()) {
            counts.add(c);
        }
        let connected: Vec<&BotResult> = results
            .iter()
            .filter(|r| r.connected && r.connected_secs > 0.0)
            .collect();
        let down = |r: &BotResult| r.recv.bytes_down as f64 / r.connected_secs;
        let up = |r: &BotResult| r.bytes_up as f64 / r.connected_secs;
        let resumes_attempted: u64 = results.iter().map(|r| u64::from(r.resumes_attempted)).sum();
        let resumes_succeeded: u64 = results.iter().map(|r| u64::from(r.resumes_succeeded)).sum();
        let all: Vec<&BotResult> = results.iter().collect();

        Self {
            // Set by `run`, like `link`: the results do not know it.
            mode: RunMode::Play,
            bots,
            bots_connected: count(&|r| r.connected),
            bots_welcomed: count(&|r| r.welcomed),
            bots_idle: count(&|r| r.idle),
            bots_joined: count(&|r| r.joined),
            bots_failed: count(&|r| r.failure.is_some()),
            failures,
            failures_explained,
            duration_secs: duration.as_secs_f64(),
            elapsed_secs: elapsed.as_secs_f64(),
            tick_hz,
            snapshot_hz,
            snapshots_total: results.iter().map(|r| r.recv.snapshots).sum(),
            snapshots_per_bot_per_sec: mean_min(&in_lobby, snapshot_rate),
            delivery_ratio: mean_min(&in_lobby, delivery),
            inputs_per_bot_per_sec: mean_min(&playing, input_rate),
            input_messages_per_bot_per_sec: mean_min(&playing, message_rate),
            // Set by `run`, like `link`: the results do not know it.
            input_batch: 1,
            acks_per_bot_per_sec: mean_min(&playing, ack_rate),
            game_messages_sent: results.iter().map(|r| r.game_msgs_sent).sum(),
            hitscan_shots: results.iter().map(|r| r.hitscan_shots).sum(),
            hitscan_shots_per_bot_per_sec: mean_min(&playing, hitscan_rate).mean,
            bytes_down_per_bot_per_sec: mean_min(&connected, down).mean,
            bytes_up_per_bot_per_sec: mean_min(&connected, up).mean,
            rtt_ms: latency(results.iter().map(|r| &r.recv.rtt_us)),
            snapshot_interval_ms: latency(results.iter().map(|r| &r.recv.snapshot_interval_us)),
            input_ack_ms: latency(results.iter().map(|r| &r.recv.input_ack_us)),
            deltas: DeltaReport::build(results, &connected),
            leaves_unacknowledged: count(&|r| {
                r.joined && r.failure.is_none() && !r.left_acknowledged
            }),
            server_errors: results.iter().map(|r| r.server_errors).sum(),
            undecodable_messages: results.iter().map(|r| r.recv.undecodable).sum(),
            shutdown_notices: count(&|r| r.saw_shutdown),
            chaos_per_bot_per_min: chaos.unwrap_or(0.0),
            resumes_attempted,
            resumes_succeeded,
            resumes_failed: resumes_attempted.saturating_sub(resumes_succeeded),
            resume_ms: latency(results.iter().map(|r| &r.resume_us)),
            redirects: RedirectReport::build(results),
            bots_per_node: redirects::bots_per_node(results),
            offline_secs_per_bot: mean_min(&all, |r| r.offline_secs).mean,
            prediction_error: prediction_error(results),
            game: counts,
            link: LinkReport::default(),
            server: None,
        }
    }

    /// Playing: true when every bot connected, joined, received
    /// snapshots, resumed every session it dropped, followed every
    /// redirect, and ended without failing. Idle: true when every bot got its `Welcome` and none
    /// failed (was dropped, refused or timed out). The binary exits
    /// non-zero otherwise. Deltas refused for a missing baseline fail
    /// nothing by themselves: the protocol heals them. The `server`
    /// section never fails a run.
    pub fn passed(&self) -> bool {
        let all = |n: u32| n == self.bots;
        let reached = match self.mode {
            RunMode::Play => all(self.bots_joined),
            RunMode::Idle => all(self.bots_welcomed),
        };
        self.bots > 0
            && self.bots_failed == 0
            && self.resumes_failed == 0
            && self.redirects.failed == 0
            && all(self.bots_connected)
            && reached
    }
}

fn mean_min(bots: &[&BotResult], value: impl Fn(&BotResult) -> f64) -> MeanMin {
    if bots.is_empty() {
        return MeanMin::default();
    }
    let values = bots.iter().map(|r| value(r));
    let (sum, min) = values.fold((0.0, f64::INFINITY), |(s, m), v| (s + v, m.min(v)));
    MeanMin {
        mean: sum / bots.len() as f64,
        min,
    }
}

#[cfg(test)]
mod tests;
