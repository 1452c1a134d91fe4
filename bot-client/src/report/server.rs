//! The report's `server` section: what the server's own metrics said about
//! the run (see `server_metrics` for when the three scrapes are taken).
//!
//! Tick quantiles come from the server's histogram buckets, so they are
//! **bucket upper bounds**, not interpolations: over the run's window (the
//! end scrape's counts minus the first's), the quantile is the upper bound
//! of the first bucket whose cumulative count reaches that share of all
//! ticks. "p99 ≤ 1 ms" is what the counts prove; a value between bounds
//! would be a guess. Past the last finite bound it is "> that bound".

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::server_metrics::Scraped;
use crate::server_metrics::text::{Buckets, Scrape};

const CONNECTIONS: &str = "rallypoint_connections";
const LOBBIES: &str = "rallypoint_lobbies";
const PLAYERS: &str = "rallypoint_players";
const TICK_DURATION: &str = "rallypoint_tick_duration_seconds";
const TICK_LATENESS: &str = "rallypoint_tick_lateness_seconds";
const DISCONNECTS: &str = "rallypoint_disconnects";
const INPUTS_REJECTED: &str = "rallypoint_inputs_rejected";

/// The server's metrics around the run. `None` parts failed to scrape;
/// `warnings` says why.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ServerReport {
    /// What was scraped.
    pub url: String,
    /// The gauges half-way through the run, when every bot should be
    /// connected.
    pub mid_run: Option<ServerGauges>,
    /// The gauges after the last bot finished.
    pub at_end: Option<ServerGauges>,
    /// Counters and tick histograms over the run.
    pub run: Option<ServerCounts>,
    /// Scrapes that failed and metrics that were missing; none fails the
    /// run.
    pub warnings: Vec<String>,
}

/// The server's gauges at one scrape.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ServerGauges {
    /// Open WebSocket connections (the scrape's own HTTP one is not one).
    pub connections: u64,
    pub lobbies: u64,
    /// Players seated in lobbies, detached ones included.
    pub players: u64,
}

/// What the server counted during the run: the end scrape minus the one
/// before the first bot connected.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ServerCounts {
    /// The scrape before the run failed, so these count everything since
    /// the server started.
    pub since_server_start: bool,
    /// Lobby ticks run (the histograms' count).
    pub ticks: u64,
    /// Time a lobby tick took, in ms (bucket upper bounds).
    pub tick_duration_ms: Quantiles,
    /// How late a lobby tick started after its deadline, in ms (bucket
    /// upper bounds).
    pub tick_lateness_ms: Quantiles,
    /// WebSocket messages and payload bytes written to clients.
    pub frames_out: u64,
    pub bytes_out: u64,
    /// WebSocket messages and payload bytes read from clients.
    pub frames_in: u64,
    pub bytes_in: u64,
    /// Snapshots replaced by a newer one before they were sent.
    pub snapshots_replaced: u64,
    /// Connections ended, by the server's reason.
    pub disconnects: BTreeMap<String, u64>,
    /// Inputs not applied, by the server's reason.
    pub inputs_rejected: BTreeMap<String, u64>,
}

/// Two quantiles of a histogram; `None` with no observations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Quantiles {
    pub p50: Option<Bound>,
    pub p99: Option<Bound>,
}

/// Where a quantile fell, in ms: at most a bucket's upper bound, or above
/// the largest finite one. As JSON `{"le": 1.0}` or `{"gt": 533.0}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    Le(f64),
    Gt(f64),
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bound::Le(ms) => write!(f, "≤{ms} ms"),
            Bound::Gt(ms) => write!(f, ">{ms} ms"),
        }
    }
}

impl ServerReport {
    /// The section from the three scrapes.
    pub(crate) fn build(url: String, before: Scraped, mid: Scraped, end: Scraped) -> Self {
        let mut warnings = Vec::new();
        if let Err(err) = &before {
            warnings.push(match end {
                Ok(_) => format!("{err}; counts are since the server started"),
                Err(_) => err.clone(),
            });
        }
        let mut read = |scraped: &Scraped, when: &str| match scraped {
            Ok(s) => gauges(s, when, &mut warnings),
            Err(err) => {
                warnings.push(err.clone());
                None
            }
        };
        let mid_run = read(&mid, "mid-run");
        let at_end = read(&end, "at the end");
        let run = end
            .as_ref()
            .ok()
            .map(|end| counts(before.as_ref().ok(), end, &mut warnings));
        Self {
            url,
            mid_run,
            at_end,
            run,
            warnings,
        }
    }

    /// The text report's lines.
    pub(super) fn lines(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let g = |g: &Option<ServerGauges>| match g {
            Some(g) => format!(
                "{} connections, {} lobbies, {} players",
                g.connections, g.lobbies, g.players
            ),
            None => "-".to_owned(),
        };
        writeln!(
            f,
            "  server        mid-run {}; at end {} ({})",
            g(&self.mid_run),
            g(&self.at_end),
            self.url
        )?;
        if let Some(run) = &self.run {
            run.lines(f)?;
        }
        for warning in &self.warnings {
            writeln!(f, "  server warn   {warning} (not a failure)")?;
        }
        Ok(())
    }
}

impl ServerCounts {
    fn lines(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let q = |b: Option<Bound>| b.map_or("-".to_owned(), |b| b.to_string());
        let (d, l) = (&self.tick_duration_ms, &self.tick_lateness_ms);
        match self.ticks {
            0 => writeln!(f, "  server ticks  no lobby ticks")?,
            ticks => writeln!(
                f,
                "  server ticks  {ticks} ticks: duration p50 {}, p99 {}; lateness p99 {} \
                 (bucket upper bounds)",
                q(d.p50),
                q(d.p99),
                q(l.p99)
            )?,
        }
        writeln!(
            f,
            "  server io     out {} frames, {}; in {} frames, {}; {} snapshots replaced{}",
            self.frames_out,
            bytes(self.bytes_out),
            self.frames_in,
            bytes(self.bytes_in),
            self.snapshots_replaced,
            if self.since_server_start {
                " (since the server started)"
            } else {
                ""
            }
        )?;
        writeln!(
            f,
            "  server ends   disconnects {}; inputs rejected {}",
            by_reason(&self.disconnects),
            by_reason(&self.inputs_rejected)
        )
    }
}

/// Bytes for a person: B, kB or MB (powers of 10).
fn bytes(n: u64) -> String {
    match n {
        0..10_000 => format!("{n} B"),
        10_000..10_000_000 => format!("{:.1} kB", n as f64 / 1e3),
        _ => format!("{:.1} MB", n as f64 / 1e6),
    }
}

fn by_reason(counts: &BTreeMap<String, u64>) -> String {
    if counts.values().all(|&n| n == 0) {
        return "none".to_owned();
    }
    let list: Vec<String> = counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(reason, n)| format!("{reason} {n}"))
        .collect();
    list.join(", ")
}

/// The three gauges, if the scrape has them all.
fn gauges(s: &Scrape, when: &str, warnings: &mut Vec<String>) -> Option<ServerGauges> {
    let get = |name| s.value(name).map(|v| v.max(0.0) as u64);
    match (get(CONNECTIONS), get(LOBBIES), get(PLAYERS)) {
        (Some(connections), Some(lobbies), Some(players)) => Some(ServerGauges {
            connections,
            lobbies,
            players,
        }),
        _ => {
            warnings.push(format!(
                "scrape {when}: no {CONNECTIONS}, {LOBBIES} or {PLAYERS}"
            ));
            None
        }
    }
}

/// End minus before (or the end alone, without a first scrape).
fn counts(before: Option<&Scrape>, end: &Scrape, warnings: &mut Vec<String>) -> ServerCounts {
    let mut counter = |name: &str| match end.counter(name) {
        Some(v) => {
            let start = before.and_then(|b| b.counter(name)).unwrap_or(0.0);
            (v - start).max(0.0) as u64
        }
        None => {
            warnings.push(format!("no {name} counter at the end (counted as 0)"));
            0
        }
    };
    let frames_out = counter("rallypoint_frames_out");
    let bytes_out = counter("rallypoint_bytes_out");
    let frames_in = counter("rallypoint_frames_in");
    let bytes_in = counter("rallypoint_bytes_in");
    let snapshots_replaced = counter("rallypoint_snapshots_replaced");
    let family = |name| {
        let start = before
            .map(|b| b.by_label(name, "reason"))
            .unwrap_or_default();
        end.by_label(name, "reason")
            .into_iter()
            .map(|(reason, v)| {
                let grew = (v - start.get(&reason).copied().unwrap_or(0.0)).max(0.0);
                (reason, grew as u64)
            })
            .collect()
    };
    let mut histogram = |name: &str| {
        let window = end
            .buckets(name)
            .map(|e| window(before.and_then(|b| b.buckets(name)).as_ref(), &e));
        match window {
            Some(Ok(w)) => Some(w),
            Some(Err(reason)) => {
                warnings.push(format!("{name}: {reason}"));
                None
            }
            None => {
                warnings.push(format!("no {name} histogram at the end"));
                None
            }
        }
    };
    let duration = histogram(TICK_DURATION);
    let lateness = histogram(TICK_LATENESS);
    let quantiles = |w: &Option<Buckets>| Quantiles {
        p50: w.as_ref().and_then(|w| quantile(w, 0.50)),
        p99: w.as_ref().and_then(|w| quantile(w, 0.99)),
    };
    ServerCounts {
        since_server_start: before.is_none(),
        ticks: duration
            .as_ref()
            .and_then(|w| w.last())
            .map_or(0, |b| b.1 as u64),
        tick_duration_ms: quantiles(&duration),
        tick_lateness_ms: quantiles(&lateness),
        frames_out,
        bytes_out,
        frames_in,
        bytes_in,
        snapshots_replaced,
        disconnects: family(DISCONNECTS),
        inputs_rejected: family(INPUTS_REJECTED),
    }
}

/// The histogram's counts between two scrapes (`end` alone without a
/// first one); an error if the buckets differ or a count went down (the
/// server restarted in between).
fn window(before: Option<&Buckets>, end: &Buckets) -> Result<Buckets, &'static str> {
    let Some(before) = before else {
        return Ok(end.clone());
    };
    if before.len() != end.len() || before.iter().zip(end).any(|(a, b)| a.0 != b.0) {
        return Err("the buckets changed during the run");
    }
    before
        .iter()
        .zip(end)
        .map(|(a, b)| {
            (b.1 >= a.1)
                .then_some((b.0, b.1 - a.1))
                .ok_or("a count went down: the server restarted?")
        })
        .collect()
}

/// Quantile `q` of cumulative `buckets` (bounds in seconds) in ms: the
/// upper bound of the first bucket whose count reaches `q` of the total.
/// `None` with no observations.
fn quantile(buckets: &Buckets, q: f64) -> Option<Bound> {
    let total = buckets.last()?.1;
    if total <= 0.0 {
        return None;
    }
    let need = q * total;
    let (bound, _) = buckets.iter().find(|(_, count)| *count >= need)?;
    let ms = |s: f64| (s * 1e6).round() / 1e3;
    if bound.is_finite() {
        return Some(Bound::Le(ms(*bound)));
    }
    let last_finite = buckets
        .iter()
        .rev()
        .map(|b| b.0)
        .find(|b| b.is_finite())
        .unwrap_or(0.0);
    Some(Bound::Gt(ms(last_finite)))
}

#[cfg(test)]
mod tests;
