//! Live counters of a run, and their optional display on stderr. The bots
//! only bump relaxed atomics; a separate ticker task redraws a few times a
//! second, so the display costs the bots nothing. indicatif hides the
//! display by itself when stderr is not a terminal.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::task::JoinHandle;

/// How often the display is redrawn.
const REDRAW_EVERY: Duration = Duration::from_millis(250);

/// Run-wide counters, shared by every bot.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    /// Bots whose WebSocket upgrade succeeded.
    pub connected: AtomicU64,
    /// Bots in a lobby right now.
    pub in_lobby: AtomicU64,
    pub failed: AtomicU64,
    /// Bots whose run is over, failed or not.
    pub finished: AtomicU64,
    pub snapshots: AtomicU64,
    /// Successful resumes after chaos drops.
    pub resumes: AtomicU64,
    /// Redirects followed to another node of the fleet.
    pub redirects: AtomicU64,
}

impl Counters {
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn drop_one(counter: &AtomicU64) {
        counter.fetch_sub(1, Ordering::Relaxed);
    }

    fn line(&self, bots: u32) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut line = format!(
            "connected {}/{bots} · in lobby {} · failed {} · snapshots {}",
            get(&self.connected),
            get(&self.in_lobby),
            get(&self.failed),
            get(&self.snapshots),
        );
        let resumes = get(&self.resumes);
        if resumes > 0 {
            line += &format!(" · resumes {resumes}");
        }
        let redirects = get(&self.redirects);
        if redirects > 0 {
            line += &format!(" · redirects {redirects}");
        }
        line
    }
}

/// The progress display; [`Progress::finish`] clears it.
pub(crate) struct Progress {
    bar: ProgressBar,
    ticker: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts redrawing `counters` for a run of `bots` bots.
    pub(crate) fn start(bots: u32, counters: Arc<Counters>) -> Self {
        let bar =
            ProgressBar::with_draw_target(Some(u64::from(bots)), ProgressDrawTarget::stderr());
        if bar.is_hidden() {
            return Self { bar, ticker: None };
        }
        let style = ProgressStyle::with_template(
            "{spinner} {elapsed:>4} [{bar:20}] {pos}/{len} done · {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        let shown = bar.clone();
        let ticker = tokio::spawn(async move {
            let mut every = tokio::time::interval(REDRAW_EVERY);
            loop {
                every.tick().await;
                shown.set_position(counters.finished.load(Ordering::Relaxed));
                shown.set_message(counters.line(bots));
            }
        });
        Self {
            bar,
            ticker: Some(ticker),
        }
    }

    pub(crate) fn finish(self) {
        if let Some(ticker) = self.ticker {
            ticker.abort();
        }
        self.bar.finish_and_clear();
    }
}
