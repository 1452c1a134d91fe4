//! The relay's client side, meant for another process on another core:
//! open N connections, then each tick write one input to every connection
//! (on the ticks an input is due, when `--input-hz` is below `--hz`) and
//! drain what arrived, counting frames. It stops when the server has
//! closed every connection, or at `--duration`.

use std::net::TcpStream;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;

use crate::Common;
use crate::schedule::{Ticker, due};
use crate::wire::{Counters, Link, READ_BUFFER_BYTES};

/// How long one connect may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Serialize)]
pub struct ClientsReport {
    pub clients: usize,
    /// Frames per second the server was told to send.
    pub hz: u32,
    pub input_hz: u32,
    pub frame_bytes: usize,
    pub input_bytes: usize,
    pub connect_secs: f64,
    /// Seconds from the first byte received to the last.
    pub receiving_secs: f64,
    /// Whole frames received, over all connections.
    pub frames_received: u64,
    /// `frames_received` ÷ (clients × (1 + hz × receiving_secs)): an
    /// estimate from this side alone; the capacity driver divides by the
    /// server's scheduled ticks instead.
    pub delivery_estimate: f64,
    pub ticks_run: u64,
    pub ticks_skipped: u64,
    #[serde(flatten)]
    pub io: Counters,
}

pub fn run(opts: &Common) -> anyhow::Result<ClientsReport> {
    let start = Instant::now();
    let end = start + Duration::from_secs_f64(opts.duration);
    let mut links = Vec::with_capacity(opts.clients);
    for i in 0..opts.clients {
        let stream = TcpStream::connect_timeout(&opts.addr, CONNECT_TIMEOUT)
            .with_context(|| format!("connection {i} of {} to {}", opts.clients, opts.addr))?;
        links.push(Link::new(stream)?);
    }
    let connect_secs = start.elapsed().as_secs_f64();

    let loop_hz = opts.loop_hz();
    let mut ticker = Ticker::new(Instant::now(), loop_hz);
    let mut io = Counters::default();
    let mut buf = vec![0u8; READ_BUFFER_BYTES];
    let zeros = vec![0u8; 2 * opts.input_bytes];
    let (mut first_byte, mut last_byte) = (None, None);
    let mut ticks_run = 0;
    while Instant::now() < end && links.iter().any(Link::is_open) {
        let input_due = due(ticker.next(), loop_hz, opts.input_hz());
        ticker.wait();
        let before = io.bytes_read;
        for link in &mut links {
            if input_due {
                link.send(opts.input_bytes, &zeros, &mut io);
            }
            link.drain(&mut buf, &mut io);
        }
        if io.bytes_read > before {
            let now = Instant::now();
            first_byte.get_or_insert(now);
            last_byte = Some(now);
        }
        ticks_run += 1;
        ticker.done();
    }
    let receiving_secs = match (first_byte, last_byte) {
        (Some(a), Some(b)) => (b - a).as_secs_f64(),
        _ => 0.0,
    };
    let frames_received = io.bytes_read / opts.frame_bytes as u64;
    let expected = opts.clients as f64 * (1.0 + f64::from(opts.hz) * receiving_secs);
    Ok(ClientsReport {
        clients: opts.clients,
        hz: opts.hz,
        input_hz: opts.input_hz(),
        frame_bytes: opts.frame_bytes,
        input_bytes: opts.input_bytes,
        connect_secs,
        receiving_secs,
        frames_received,
        delivery_estimate: if first_byte.is_some() {
            frames_received as f64 / expected
        } else {
            0.0
        },
        ticks_run,
        ticks_skipped: ticker.skipped,
        io,
    })
}
