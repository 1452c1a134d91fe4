//! The relay's server side: accept N connections, then tick. Each tick
//! reads whatever input every client sent and, when a frame is due, writes
//! one frame to each, in connection order, on one thread. Ticks are timed like the server's
//! (`tick_duration`, `tick_lateness`) so the floor's schedule can be read
//! beside the server's metrics.

use std::io::{ErrorKind, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;

use crate::Common;
use crate::schedule::{Summary, Ticker, Timings, due, due_within, ticks_within};
use crate::wire::{Counters, Link, READ_BUFFER_BYTES};

/// Pause between accept attempts while the listener has none waiting.
const ACCEPT_POLL: Duration = Duration::from_millis(1);

#[derive(Debug, Serialize)]
pub struct ServerReport {
    pub clients: usize,
    /// Frames per second.
    pub hz: u32,
    /// Input messages per second the clients were told to send.
    pub input_hz: u32,
    /// Ticks per second: the higher of the two rates.
    pub loop_hz: u32,
    pub frame_bytes: usize,
    pub input_bytes: usize,
    pub duration_secs: f64,
    /// Seconds from the first connection to the last.
    pub accept_secs: f64,
    /// Deadlines within `duration_secs` of the first tick: the ticks
    /// run plus those skipped after overruns.
    pub ticks_scheduled: u64,
    /// Of those, the ticks a frame was due on: the clients' delivery is
    /// counted against N times this. Equal to `ticks_scheduled` when
    /// `input_hz` is not above `hz`.
    pub frames_scheduled: u64,
    pub ticks_run: u64,
    pub ticks_skipped: u64,
    pub tick_duration: Summary,
    pub tick_lateness: Summary,
    #[serde(flatten)]
    pub io: Counters,
}

pub fn run(opts: &Common, accept_timeout_secs: f64) -> anyhow::Result<ServerReport> {
    let listener = TcpListener::bind(opts.addr).with_context(|| format!("bind {}", opts.addr))?;
    say(&format!("listening {}", listener.local_addr()?))?;
    let (mut links, accept_secs) = accept_all(&listener, opts.clients, accept_timeout_secs)?;
    drop(listener);
    say(&format!("ticking {}", links.len()))?;

    // Every deadline before the end runs, however late it wakes, unless an
    // overrun skips it: the clients' delivery is counted against the frames
    // these deadlines carry.
    let loop_hz = opts.loop_hz();
    let ticks_scheduled = ticks_within(Duration::from_secs_f64(opts.duration), loop_hz);
    let start = Instant::now();
    let mut ticker = Ticker::new(start, loop_hz);
    let mut io = Counters::default();
    let (mut durations, mut lateness) = (Timings::default(), Timings::default());
    let mut buf = vec![0u8; READ_BUFFER_BYTES];
    let zeros = vec![0u8; 2 * opts.frame_bytes];
    let mut ticks_run = 0;
    while ticker.next() < ticks_scheduled {
        let frame_due = due(ticker.next(), loop_hz, opts.hz);
        let late = ticker.wait();
        let began = Instant::now();
        lateness.record(late);
        for link in &mut links {
            link.drain(&mut buf, &mut io);
        }
        if frame_due {
            for link in &mut links {
                link.send(opts.frame_bytes, &zeros, &mut io);
            }
        }
        durations.record(began.elapsed());
        ticks_run += 1;
        ticker.done();
    }
    drop(links);
    Ok(ServerReport {
        clients: opts.clients,
        hz: opts.hz,
        input_hz: opts.input_hz(),
        loop_hz,
        frame_bytes: opts.frame_bytes,
        input_bytes: opts.input_bytes,
        duration_secs: opts.duration,
        accept_secs,
        ticks_scheduled,
        frames_scheduled: due_within(ticks_scheduled, loop_hz, opts.hz),
        ticks_run,
        ticks_skipped: ticker.skipped,
        tick_duration: durations.summary(),
        tick_lateness: lateness.summary(),
        io,
    })
}

/// Accepts `n` connections within `timeout_secs`; returns them and the
/// seconds from the first to the last.
fn accept_all(
    listener: &TcpListener,
    n: usize,
    timeout_secs: f64,
) -> anyhow::Result<(Vec<Link>, f64)> {
    listener.set_nonblocking(true)?;
    let deadline = Instant::now() + Duration::from_secs_f64(timeout_secs);
    let mut links = Vec::with_capacity(n);
    let mut first = None;
    while links.len() < n {
        match listener.accept() {
            Ok((stream, _)) => {
                first.get_or_insert_with(Instant::now);
                links.push(Link::new(stream)?);
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                anyhow::ensure!(
                    Instant::now() < deadline,
                    "only {} of {n} clients connected within {timeout_secs} s",
                    links.len()
                );
                std::thread::sleep(ACCEPT_POLL);
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e).context("accept"),
        }
    }
    let accept_secs = first.map_or(0.0, |f| f.elapsed().as_secs_f64());
    Ok((links, accept_secs))
}

/// One progress line on stdout, flushed at once: the capacity driver waits
/// for these.
fn say(line: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()
}
