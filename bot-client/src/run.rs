//! A whole run: validates the options, resolves the target once, wires up
//! the lobby groups, starts every bot on its ramp slot, and collects the
//! results under an overall deadline (ramp + duration + [`RUN_GRACE`]), so
//! a run ends by itself even when the server hangs. Around the bots it
//! scrapes the server's metrics (before, mid-run and at the end; see
//! `server_metrics`) for the report's `server` section: `--url`'s node's,
//! even when bots are redirected to other nodes of a fleet.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::{Instant, timeout_at};
use tracing::{info, warn};

use crate::bot::{
    self, BotSpec, CLOSE_TIMEOUT, DEADLINE_SLACK, LEAVE_TIMEOUT, LobbyAction, RunCtx,
};
use crate::games::{ArenaBot, FourBot, GameName};
use crate::options::{LobbyMode, RunError, RunOptions};
use crate::outcome::{BotResult, FailReason, Stage};
use crate::plan::{LobbyRole, connect_offset, lobby_role};
use crate::progress::{Counters, Progress};
use crate::report::{Report, RunMode};
use crate::server_metrics::{self, Scraper};
use crate::target::Nodes;

/// Time after the last bot's play end before the run aborts whatever is
/// still going: every bot's own deadline (leave + close + slack) plus one
/// more second.
pub const RUN_GRACE: Duration = LEAVE_TIMEOUT
    .saturating_add(CLOSE_TIMEOUT)
    .saturating_add(DEADLINE_SLACK)
    .saturating_add(Duration::from_secs(1));

/// Runs the bots described by `opts` and reports what they saw. Errors only
/// for options that cannot start a run; everything after that is in the
/// [`Report`].
pub async fn run(opts: RunOptions) -> Result<Report, RunError> {
    let target = opts.validate()?;
    let tls = crate::tls::connector(opts.ca.as_deref())?;
    let addr = crate::target::resolve(&target, opts.allow_remote).await?;
    let metrics =
        server_metrics::target(&opts.server_metrics, &target, addr, opts.allow_remote).await?;
    let ramp = opts.ramp_window();
    // Before the epoch: the bots' schedule starts after the first scrape.
    let mut scraper = match metrics {
        Some(metrics) => Some(Scraper::before(metrics).await),
        None => None,
    };
    let counters = Arc::new(Counters::default());
    let progress = opts
        .progress
        .then(|| Progress::start(opts.bots, Arc::clone(&counters)));
    let game = opts.game.name();
    info!(%addr, game, bots = opts.bots, ?ramp, duration = ?opts.duration, "starting run");

    // The metrics stay with `--url`'s node: a redirect moves bots, not
    // the scrapes.
    let nodes = Nodes::new(opts.allow_remote);
    let home = nodes.insert(&opts.url, target, addr);
    let epoch = Instant::now();
    let ctx = Arc::new(RunCtx {
        home,
        nodes,
        epoch,
        seed: opts.seed,
        chaos: opts.chaos,
        link: opts.link,
        input_batch: usize::from(opts.input_batch),
        idle: opts.idle,
        auth: opts.auth.clone(),
        tls,
        counters,
    });
    if let Some(scraper) = &mut scraper {
        // Half-way between the last connect and the first leave (or the
        // busiest moment, if the ramp outlasts the duration).
        scraper.schedule_mid(epoch + (ramp + opts.duration) / 2);
    }
    let mut tasks = JoinSet::new();
    let mut task_bot = HashMap::new();
    for spec in bot_specs(&opts, epoch, ramp) {
        let index = spec.index;
        let ctx = Arc::clone(&ctx);
        let handle = match opts.game {
            GameName::Arena => tasks.spawn(bot::run_bot::<ArenaBot>(spec, ctx)),
            GameName::Four => tasks.spawn(bot::run_bot::<FourBot>(spec, ctx)),
        };
        task_bot.insert(handle.id(), index);
    }

    // Every bot's own deadline grows by three conditioner holds.
    let deadline = epoch + ramp + opts.duration + RUN_GRACE + ctx.slack() * 3;
    let mut results: Vec<Option<BotResult>> = (0..opts.bots).map(|_| None).collect();
    let collect = async {
        while let Some(joined) = tasks.join_next_with_id().await {
            store(&mut results, &task_bot, joined);
        }
    };
    if timeout_at(deadline, collect).await.is_err() {
        warn!("run deadline passed; aborting the bots still running");
        tasks.abort_all();
        while let Some(joined) = tasks.join_next_with_id().await {
            store(&mut results, &task_bot, joined);
        }
    }
    let elapsed = epoch.elapsed();
    if let Some(progress) = progress {
        progress.finish();
    }
    let results: Vec<BotResult> = results
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            r.unwrap_or_else(|| BotResult::failed(i as u32, FailReason::Timeout(Stage::Run)))
        })
        .collect();
    let mut report = Report::build(
        opts.game,
        &opts.url,
        opts.bots,
        opts.duration,
        elapsed,
        opts.chaos,
        &results,
    );
    report.link = (&opts.link).into();
    report.input_batch = opts.input_batch;
    if opts.idle {
        report.mode = RunMode::Idle;
    }
    if let Some(scraper) = scraper {
        report.server = Some(scraper.finish().await);
    }
    info!(passed = report.passed(), "run finished");
    Ok(report)
}

/// Every bot's plan: its ramp slot, its play end, and its lobby action
/// (with the in-process channel that carries its group's join code).
fn bot_specs(opts: &RunOptions, epoch: Instant, ramp: Duration) -> Vec<BotSpec> {
    let code: Option<Arc<str>> = match &opts.lobby {
        LobbyMode::Code(code) => Some(Arc::from(code.trim())),
        _ => None,
    };
    let mut group_codes: Vec<watch::Receiver<Option<String>>> = Vec::new();
    (0..opts.bots)
        .map(|index| {
            let role = match opts.idle {
                // Never used: idle bots join nothing.
                true => LobbyRole::Quick,
                false => lobby_role(index, &opts.lobby),
            };
            let lobby = match role {
                LobbyRole::Create { max_players, .. } => {
                    let (publish, subscribe) = watch::channel(None);
                    group_codes.push(subscribe);
                    LobbyAction::Create {
                        max_players,
                        publish,
                    }
                }
                LobbyRole::Follow { group } => {
                    LobbyAction::Follow(group_codes[group as usize].clone())
                }
                LobbyRole::Code => {
                    LobbyAction::Code(Arc::clone(code.as_ref().expect("code mode has a code")))
                }
                LobbyRole::Quick => LobbyAction::Quick,
            };
            let start_at = epoch + connect_offset(index, opts.bots, ramp);
            BotSpec {
                index,
                lobby,
                start_at,
                play_end: start_at + opts.duration,
            }
        })
        .collect()
}

fn store(
    results: &mut [Option<BotResult>],
    task_bot: &HashMap<tokio::task::Id, u32>,
    joined: Result<(tokio::task::Id, BotResult), tokio::task::JoinError>,
) {
    match joined {
        Ok((_, result)) => {
            let index = result.index as usize;
            results[index] = Some(result);
        }
        Err(err) => {
            let Some(&index) = task_bot.get(&err.id()) else {
                return;
            };
            let reason = if err.is_panic() {
                warn!(bot = index, "bot task panicked");
                FailReason::Panicked
            } else {
                FailReason::Timeout(Stage::Run)
            };
            results[index as usize] = Some(BotResult::failed(index, reason));
        }
    }
}
