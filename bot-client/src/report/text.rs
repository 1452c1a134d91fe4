//! The report as text for a terminal: one line per aspect, failures,
//! redirects and anomalies only when there are any, and a last line
//! saying PASS or FAIL.
//! Idle runs show only what applies to bots that never join a lobby.

use std::fmt;

use super::{Latency, Report, RunMode};

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tick = match (self.tick_hz, self.snapshot_hz) {
            (0, _) => "an unknown tick rate".to_owned(),
            (hz, snapshots) => format!("{hz} Hz ({snapshots} snapshots/s)"),
        };
        match self.mode {
            RunMode::Play => writeln!(
                f,
                "rallypoint-bots: {} bots × {:.1} s at {tick}, run took {:.1} s",
                self.bots, self.duration_secs, self.elapsed_secs
            )?,
            RunMode::Idle => writeln!(
                f,
                "rallypoint-bots: {} idle bots × {:.1} s (in the menu: no lobby, no inputs), \
                 run took {:.1} s",
                self.bots, self.duration_secs, self.elapsed_secs
            )?,
        }
        let reached = match self.mode {
            RunMode::Play => format!("joined {}", self.bots_joined),
            RunMode::Idle => format!("idle to the end {}", self.bots_idle),
        };
        writeln!(
            f,
            "  bots          connected {}/{}, welcomed {}, {reached}, failed {}",
            self.bots_connected, self.bots, self.bots_welcomed, self.bots_failed
        )?;
        // One line per reason: its key, its count, and what to do about it.
        let mut label = "failures";
        for (reason, n) in &self.failures {
            match self.failures_explained.get(reason) {
                Some(words) => writeln!(f, "  {label:<13} {reason} {n} — {words}")?,
                None => writeln!(f, "  {label:<13} {reason} {n}")?,
            }
            label = "";
        }
        self.redirects.line(f)?;
        super::redirects::nodes_line(&self.bots_per_node, f)?;
        match self.mode {
            RunMode::Play => self.play_lines(f)?,
            RunMode::Idle => writeln!(
                f,
                "  bandwidth     down {:.0} B/s, up {:.0} B/s per bot (WebSocket payload bytes)",
                self.bytes_down_per_bot_per_sec, self.bytes_up_per_bot_per_sec
            )?,
        }
        if self.shutdown_notices > 0 {
            writeln!(
                f,
                "  shutdown      {} bots were told the server is shutting down",
                self.shutdown_notices
            )?;
        }
        if self.server_errors > 0 {
            writeln!(f, "  server errors {} (not fatal)", self.server_errors)?;
        }
        if self.undecodable_messages > 0 {
            writeln!(
                f,
                "  undecodable   {} messages skipped",
                self.undecodable_messages
            )?;
        }
        if let Some(server) = &self.server {
            server.lines(f)?;
        }
        write!(
            f,
            "  result        {}",
            if self.passed() { "PASS" } else { "FAIL" }
        )
    }
}

impl Report {
    /// What playing bots measured: snapshots to resumes.
    fn play_lines(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "  snapshots     {:.1}/s per bot (min {:.1}), delivery {:.1}% (min {:.1}%), {} total",
            self.snapshots_per_bot_per_sec.mean,
            self.snapshots_per_bot_per_sec.min,
            self.delivery_ratio.mean * 100.0,
            self.delivery_ratio.min * 100.0,
            self.snapshots_total
        )?;
        let inputs = self.inputs_per_bot_per_sec.mean > 0.0;
        if inputs || self.acks_per_bot_per_sec.mean == 0.0 {
            writeln!(
                f,
                "  inputs        {:.1}/s per bot (min {:.1}) in {:.1} messages/s ({} per message); \
                 hitscan {:.2}/s per bot, {} shots",
                self.inputs_per_bot_per_sec.mean,
                self.inputs_per_bot_per_sec.min,
                self.input_messages_per_bot_per_sec.mean,
                self.input_batch,
                self.hitscan_shots_per_bot_per_sec,
                self.hitscan_shots
            )?;
        } else {
            writeln!(
                f,
                "  acks          {:.1}/s per bot (min {:.1}), no per-tick input; \
                 {} game messages sent",
                self.acks_per_bot_per_sec.mean,
                self.acks_per_bot_per_sec.min,
                self.game_messages_sent
            )?;
        }
        if inputs
            && self.tick_hz > 0
            && self.bots_joined > 0
            && self.inputs_per_bot_per_sec.mean < 0.9 * f64::from(self.tick_hz)
        {
            writeln!(
                f,
                "  WARNING       bots sent inputs below the tick rate: the bot process \
                 (or the machine) could not keep up, so latencies include its delays"
            )?;
        }
        writeln!(
            f,
            "  bandwidth     down {:.0} B/s, up {:.0} B/s per bot (WebSocket payload bytes)",
            self.bytes_down_per_bot_per_sec, self.bytes_up_per_bot_per_sec
        )?;
        self.deltas.lines(f)?;
        latency_line(f, "rtt", &self.rtt_ms)?;
        latency_line(f, "snap interval", &self.snapshot_interval_ms)?;
        if inputs || self.input_ack_ms.samples > 0 {
            latency_line(f, "input ack", &self.input_ack_ms)?;
        }
        let p = &self.prediction_error;
        if inputs || p.samples + p.skipped > 0 {
            writeln!(
                f,
                "  prediction    error p50 {:.3}, p99 {:.3}, max {:.3} units ({} samples, {} skipped)",
                p.p50, p.p99, p.max, p.samples, p.skipped
            )?;
        }
        writeln!(f, "  game          {}", self.game.line())?;
        let link = &self.link;
        if link.latency_ms > 0.0 || link.jitter_ms > 0.0 || link.stall_ms > 0.0 {
            let stall = match link.stall_ms {
                0.0 => "no stalls".to_owned(),
                ms => format!("stall {ms} ms every {} s", link.stall_every_secs),
            };
            writeln!(
                f,
                "  link          +{} ms ± {} ms each way, {stall}",
                link.latency_ms, link.jitter_ms
            )?;
        }
        if self.chaos_per_bot_per_min > 0.0 || self.resumes_attempted > 0 {
            writeln!(
                f,
                "  chaos         {:.1} drops/bot/min: resumes {} attempted, {} succeeded, \
                 {} failed; {:.3} s offline per bot (not counted in delivery)",
                self.chaos_per_bot_per_min,
                self.resumes_attempted,
                self.resumes_succeeded,
                self.resumes_failed,
                self.offline_secs_per_bot
            )?;
            latency_line(f, "resume", &self.resume_ms)?;
        }
        if self.leaves_unacknowledged > 0 {
            writeln!(
                f,
                "  unacked leave {} bots got no Left",
                self.leaves_unacknowledged
            )?;
        }
        Ok(())
    }
}

fn latency_line(f: &mut fmt::Formatter<'_>, name: &str, l: &Latency) -> fmt::Result {
    writeln!(
        f,
        "  {name:<13} p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} samples)",
        l.p50, l.p95, l.p99, l.max, l.samples
    )
}
