//! The relay's client side, meant for another process on another core:
//! open N connections, then write one input to every connection on each
//! tick an input is due (every tick, unless `--input-hz` is below `--hz`)
//! and count the frames that arrive. It stops when the server has closed
//! every connection, or at `--duration`.
//!
//! How the clients wait for frames is `--wait`, and it changes what the
//! *server* pays. With `epoll` (the default), every connection is in one
//! epoll instance and the thread sleeps in `epoll_wait` between input
//! deadlines, as real clients do (browsers; the bots, on tokio): each frame
//! the server writes then runs the epoll callback and, when the clients'
//! thread sleeps, wakes it, and Linux charges that work to the writer, in
//! the server's `send`. With `tick` the thread sleeps until each tick and
//! then reads every connection: no one waits on a socket, so the server's
//! writes wake no one and the floor is cheaper to feed than the server's
//! real clients are. `tick` is kept to compare with earlier runs.

use std::net::TcpStream;
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::ValueEnum;
use serde::Serialize;

use crate::Common;
use crate::epoll::{Epoll, Events, until};
use crate::schedule::{Ticker, due};
use crate::wire::{Counters, Link, READ_BUFFER_BYTES};

/// How long one connect may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Ready sockets taken from one `epoll_wait`. Default: 1024, as mio's
/// default event capacity; more ready sockets wait for the next call.
const EVENTS_PER_WAIT: usize = 1024;

/// How the clients wait for the server's frames.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Wait {
    /// Sleep in epoll_wait until a frame arrives or an input is due, and read
    /// the connections that are ready, as event-driven clients (browsers,
    /// tokio) do: each frame the server writes wakes the clients, and the
    /// kernel charges the wakeup to the server.
    #[default]
    Epoll,
    /// Sleep until each tick, then read every connection: the server's
    /// writes wake no one, so it pays less than with real clients.
    Tick,
}

#[derive(Debug, Serialize)]
pub struct ClientsReport {
    pub wait: Wait,
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
    /// Input deadlines the loop ran (on `tick`, also the reads of every
    /// connection).
    pub ticks_run: u64,
    pub ticks_skipped: u64,
    /// Times the thread woke: deadlines on `tick`, returns from
    /// `epoll_wait` on `epoll`.
    pub wakeups: u64,
    /// Sockets `epoll_wait` reported ready, summed (0 on `tick`).
    pub ready_events: u64,
    #[serde(flatten)]
    pub io: Counters,
}

/// What either loop measured.
struct Progress {
    ticker: Ticker,
    io: Counters,
    first_byte: Option<Instant>,
    last_byte: Option<Instant>,
    ticks_run: u64,
    wakeups: u64,
    ready_events: u64,
}

impl Progress {
    /// Notes when bytes arrived, if any did since `bytes_read` was `before`.
    fn note_reads(&mut self, before: u64) {
        if self.io.bytes_read > before {
            let now = Instant::now();
            self.first_byte.get_or_insert(now);
            self.last_byte = Some(now);
        }
    }
}

pub fn run(opts: &Common, wait: Wait) -> anyhow::Result<ClientsReport> {
    let start = Instant::now();
    let end = start + Duration::from_secs_f64(opts.duration);
    let mut links = Vec::with_capacity(opts.clients);
    for i in 0..opts.clients {
        let stream = TcpStream::connect_timeout(&opts.addr, CONNECT_TIMEOUT)
            .with_context(|| format!("connection {i} of {} to {}", opts.clients, opts.addr))?;
        links.push(Link::new(stream)?);
    }
    let connect_secs = start.elapsed().as_secs_f64();

    let mut p = Progress {
        ticker: Ticker::new(Instant::now(), opts.loop_hz()),
        io: Counters::default(),
        first_byte: None,
        last_byte: None,
        ticks_run: 0,
        wakeups: 0,
        ready_events: 0,
    };
    match wait {
        Wait::Epoll => run_epoll(opts, &mut links, end, &mut p)?,
        Wait::Tick => run_ticks(opts, &mut links, end, &mut p),
    }
    let receiving_secs = match (p.first_byte, p.last_byte) {
        (Some(a), Some(b)) => (b - a).as_secs_f64(),
        _ => 0.0,
    };
    let frames_received = p.io.bytes_read / opts.frame_bytes as u64;
    let expected = opts.clients as f64 * (1.0 + f64::from(opts.hz) * receiving_secs);
    Ok(ClientsReport {
        wait,
        clients: opts.clients,
        hz: opts.hz,
        input_hz: opts.input_hz(),
        frame_bytes: opts.frame_bytes,
        input_bytes: opts.input_bytes,
        connect_secs,
        receiving_secs,
        frames_received,
        delivery_estimate: if p.first_byte.is_some() {
            frames_received as f64 / expected
        } else {
            0.0
        },
        ticks_run: p.ticks_run,
        ticks_skipped: p.ticker.skipped,
        wakeups: p.wakeups,
        ready_events: p.ready_events,
        io: p.io,
    })
}

/// `--wait tick`: sleep until each deadline, then write the inputs due and
/// read every connection.
fn run_ticks(opts: &Common, links: &mut [Link], end: Instant, p: &mut Progress) {
    let loop_hz = opts.loop_hz();
    let mut buf = vec![0u8; READ_BUFFER_BYTES];
    let zeros = vec![0u8; 2 * opts.input_bytes];
    while Instant::now() < end && links.iter().any(Link::is_open) {
        let input_due = due(p.ticker.next(), loop_hz, opts.input_hz());
        p.ticker.wait();
        p.wakeups += 1;
        let before = p.io.bytes_read;
        for link in links.iter_mut() {
            if input_due {
                link.send(opts.input_bytes, &zeros, &mut p.io);
            }
            link.drain(&mut buf, &mut p.io);
        }
        p.note_reads(before);
        p.ticks_run += 1;
        p.ticker.done();
    }
}

/// `--wait epoll`: write the inputs at each deadline, and in between sleep
/// in `epoll_wait` until the deadline, reading the connections it reports.
/// Connections are registered edge-triggered: the kernel reports one
/// again whenever new bytes or its end of stream arrive, so one read that
/// comes back short has taken all there was ([`Link::drain`]), except
/// when the end arrived too, which the event says ([`Link::drain_to_end`]).
fn run_epoll(
    opts: &Common,
    links: &mut [Link],
    end: Instant,
    p: &mut Progress,
) -> anyhow::Result<()> {
    let loop_hz = opts.loop_hz();
    let mut buf = vec![0u8; READ_BUFFER_BYTES];
    let zeros = vec![0u8; 2 * opts.input_bytes];
    let epoll = Epoll::new().context("epoll_create1")?;
    for (token, link) in (0u64..).zip(links.iter()) {
        epoll.add(link.as_fd(), token).context("epoll_ctl add")?;
    }
    let mut events = Events::with_capacity(EVENTS_PER_WAIT);
    // Every link closes at most once (a read or a write error, or the
    // server's end of stream), and `closed` counts it.
    while p.io.closed < links.len() as u64 {
        let now = Instant::now();
        if now >= end {
            break;
        }
        if now >= p.ticker.deadline() {
            if due(p.ticker.next(), loop_hz, opts.input_hz()) {
                for link in links.iter_mut() {
                    link.send(opts.input_bytes, &zeros, &mut p.io);
                }
            }
            p.ticks_run += 1;
            p.ticker.done();
            continue;
        }
        epoll
            .wait(&mut events, until(now, p.ticker.deadline(), end))
            .context("epoll_wait")?;
        p.wakeups += 1;
        let before = p.io.bytes_read;
        for (token, hung_up) in events.iter() {
            p.ready_events += 1;
            let link = &mut links[usize::try_from(token)?];
            let was_open = link.is_open();
            if hung_up {
                link.drain_to_end(&mut buf, &mut p.io);
            } else {
                link.drain(&mut buf, &mut p.io);
            }
            // A link a failed write closed stays registered; its events,
            // if any, read nothing.
            if was_open && !link.is_open() {
                epoll.delete(link.as_fd()).context("epoll_ctl del")?;
            }
        }
        p.note_reads(before);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::{Shutdown, TcpListener};
    use std::sync::mpsc;

    const CLIENTS: usize = 3;
    /// Longest a test waits for the clients to finish.
    const TEST_TIMEOUT: Duration = Duration::from_secs(20);

    fn opts(listener: &TcpListener, duration: f64) -> Common {
        Common {
            addr: listener.local_addr().unwrap(),
            clients: CLIENTS,
            hz: 30,
            input_hz: None,
            frame_bytes: 32,
            input_bytes: 24,
            duration,
            json: None,
        }
    }

    /// Runs the clients on a thread against `listener`; returns the
    /// server's ends and a receiver for the report.
    fn start(
        listener: &TcpListener,
        duration: f64,
        wait: Wait,
    ) -> (Vec<TcpStream>, mpsc::Receiver<ClientsReport>) {
        let opts = opts(listener, duration);
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(run(&opts, wait).unwrap());
        });
        let conns = (0..CLIENTS).map(|_| listener.accept().unwrap().0).collect();
        (conns, rx)
    }

    #[test]
    fn every_frame_is_counted_and_the_clients_stop_when_the_server_closes() {
        for wait in [Wait::Epoll, Wait::Tick] {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let (mut conns, rx) = start(&listener, 60.0, wait);
            for round in 0..5 {
                for c in &mut conns {
                    c.write_all(&[0u8; 32]).unwrap();
                }
                if round % 2 == 0 {
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
            // A half close: the frames, then end of stream, then the
            // clients close their side and report.
            for c in &conns {
                c.shutdown(Shutdown::Write).unwrap();
            }
            let report = rx.recv_timeout(TEST_TIMEOUT).expect("clients stopped");
            assert_eq!(report.wait, wait);
            assert_eq!(report.frames_received, 5 * CLIENTS as u64, "{wait:?}");
            assert_eq!(report.io.closed, CLIENTS as u64, "{wait:?}");
            assert!(report.wakeups >= 1, "{wait:?}");
        }
    }

    #[test]
    fn inputs_go_at_their_deadlines_while_no_frame_arrives() {
        for wait in [Wait::Epoll, Wait::Tick] {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let (conns, rx) = start(&listener, 0.3, wait);
            let report = rx.recv_timeout(TEST_TIMEOUT).expect("clients stopped");
            // Deadlines every 33.3 ms over 0.3 s: about 10, however many
            // the loop ran late and skipped.
            let deadlines = report.ticks_run + report.ticks_skipped;
            assert!((8..=11).contains(&deadlines), "{wait:?}: {deadlines}");
            let sent = report.ticks_run * CLIENTS as u64 * 24;
            assert_eq!(report.io.bytes_written, sent, "{wait:?}");
            let mut received = 0;
            for mut c in conns {
                let mut bytes = Vec::new();
                c.read_to_end(&mut bytes).unwrap();
                received += bytes.len() as u64;
            }
            assert_eq!(received, sent, "{wait:?}");
            assert_eq!(report.frames_received, 0);
        }
    }
}
