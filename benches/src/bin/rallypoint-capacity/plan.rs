//! The settings every step of a run shares, from the command line.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::ensure;
use clap::ValueEnum;
use serde::Serialize;

/// Seconds the bots keep playing after the steady window ends, so the
/// window never overlaps their leaving.
pub const BOTS_TAIL_SECS: f64 = 2.0;

#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    /// Where `rallypoint-server`, `rallypoint-bots` and `rallypoint-relay` are.
    pub bin_dir: PathBuf,
    pub out: PathBuf,
    pub tick_hz: u32,
    /// Snapshots per second (`--snapshot-hz`): the tick rate unless set.
    pub snapshot_hz: u32,
    /// Ticks' inputs per bot message (`--input-batch`): 1 unless set.
    pub input_batch: u32,
    pub lobby_size: usize,
    pub window_secs: f64,
    pub warmup_secs: f64,
    pub relay_warmup_secs: f64,
    pub ramp_ms_per_bot: f64,
    pub server_cpu: usize,
    pub bots_cpu: usize,
    /// Fixed relay frame and input sizes; `None`: taken from each step's
    /// bot run.
    pub frame_bytes: Option<usize>,
    pub input_bytes: Option<usize>,
    pub base_port: u16,
    /// How the relay's clients wait for frames (`--relay-wait`).
    pub relay_wait: RelayWait,
}

/// How the relay's clients wait for frames: `rallypoint-relay clients
/// --wait`. It sets what the relay server pays to feed them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum RelayWait {
    /// In epoll, woken by each frame as the bots (tokio) are: the kernel
    /// charges each wakeup to the relay server's send, as it charges the
    /// server's to the server. The like-for-like floor.
    Epoll,
    /// Asleep until each tick, then reading every connection: the relay
    /// server's writes wake no one, so the floor is cheaper than the
    /// server's real work. For comparison with earlier runs.
    Tick,
}

impl RelayWait {
    /// The value of `rallypoint-relay clients --wait`.
    pub fn as_arg(self) -> &'static str {
        match self {
            RelayWait::Epoll => "epoll",
            RelayWait::Tick => "tick",
        }
    }
}

impl Plan {
    pub fn window(&self) -> Duration {
        Duration::from_secs_f64(self.window_secs)
    }

    pub fn bin(&self, name: &str) -> PathBuf {
        self.bin_dir.join(name)
    }

    pub fn step_dir(&self, clients: usize) -> PathBuf {
        self.out.join(format!("step-{clients:05}"))
    }

    /// The bots' connect ramp for `clients` bots, in whole milliseconds.
    pub fn ramp_ms(&self, clients: usize) -> u64 {
        (self.ramp_ms_per_bot * clients as f64).round().max(1.0) as u64
    }

    pub fn log(dir: &Path, name: &str) -> PathBuf {
        dir.join(format!("{name}.log"))
    }

    /// Input messages per bot per second: one per `input_batch` ticks.
    /// `plan_from` checks that the batch divides the tick rate, so the
    /// relay can send inputs at a whole rate.
    pub fn input_hz(&self) -> u32 {
        self.tick_hz / self.input_batch.max(1)
    }

    /// Whether this is the standard 30/30 shape: a snapshot every tick and
    /// one input per message.
    pub fn every_tick(&self) -> bool {
        self.snapshot_hz == self.tick_hz && self.input_batch == 1
    }
}

/// Checks the rates asked for and returns the snapshot rate (the tick
/// rate unless set). Snapshots at most one a tick; the input batch within
/// the protocol's limit and dividing the tick rate, so the relay's inputs
/// go at a whole rate.
pub fn check_rates(
    tick_hz: u32,
    snapshot_hz: Option<u32>,
    input_batch: u32,
) -> anyhow::Result<u32> {
    ensure!(tick_hz >= 1, "--tick-hz must be at least 1");
    let snapshot_hz = snapshot_hz.unwrap_or(tick_hz);
    ensure!(
        (1..=tick_hz).contains(&snapshot_hz),
        "--snapshot-hz must be 1 to --tick-hz ({tick_hz})"
    );
    let batch_max = u32::try_from(rallypoint_shared::MAX_INPUTS_PER_MESSAGE)?;
    ensure!(
        (1..=batch_max).contains(&input_batch) && tick_hz.is_multiple_of(input_batch),
        "--input-batch must be 1 to {batch_max} and divide --tick-hz ({tick_hz}), so the \
         relay's inputs go at a whole rate"
    );
    Ok(snapshot_hz)
}

/// The relay's frame and input sizes for a step: the fixed ones if given,
/// else the bots' payload bytes per snapshot (down) and per input message
/// (up) plus the WebSocket header (2 B server to client; 6 B client to
/// server, masked), so the relay writes what the server wrote on the wire,
/// less TCP/IP, in as many messages.
pub fn relay_sizes(
    plan: &Plan,
    bytes_down_per_bot_per_sec: f64,
    bytes_up_per_bot_per_sec: f64,
) -> (usize, usize) {
    let per_message = |bytes: f64, hz: u32, header: usize| {
        (bytes / f64::from(hz.max(1))).round().max(0.0) as usize + header
    };
    (
        plan.frame_bytes
            .unwrap_or_else(|| per_message(bytes_down_per_bot_per_sec, plan.snapshot_hz, 2)),
        plan.input_bytes
            .unwrap_or_else(|| per_message(bytes_up_per_bot_per_sec, plan.input_hz(), 6)),
    )
}

#[cfg(test)]
pub mod tests {
    use super::*;

    pub fn plan() -> Plan {
        Plan {
            bin_dir: "target/release".into(),
            out: "target/capacity".into(),
            tick_hz: 30,
            snapshot_hz: 30,
            input_batch: 1,
            lobby_size: 16,
            window_secs: 15.0,
            warmup_secs: 5.0,
            relay_warmup_secs: 2.0,
            ramp_ms_per_bot: 2.0,
            server_cpu: 0,
            bots_cpu: 1,
            frame_bytes: None,
            input_bytes: None,
            base_port: 7450,
            relay_wait: RelayWait::Epoll,
        }
    }

    #[test]
    fn sizes_come_from_the_bot_run_plus_websocket_headers() {
        // 904 B/s down and 707 B/s up at 30 Hz: 30 + 2 and 24 + 6.
        assert_eq!(relay_sizes(&plan(), 904.0, 707.0), (32, 30));
        let fixed = Plan {
            frame_bytes: Some(120),
            input_bytes: Some(24),
            ..plan()
        };
        assert_eq!(relay_sizes(&fixed, 904.0, 707.0), (120, 24));
    }

    #[test]
    fn sizes_follow_the_snapshot_and_input_message_rates() {
        // 15 Hz snapshots and inputs two ticks to a message: 904 B/s is
        // 60 B a snapshot; 707 B/s is 47 B a message.
        let halved = Plan {
            snapshot_hz: 15,
            input_batch: 2,
            ..plan()
        };
        assert_eq!((halved.input_hz(), halved.every_tick()), (15, false));
        assert_eq!(relay_sizes(&halved, 904.0, 707.0), (60 + 2, 47 + 6));
        let batched = Plan {
            input_batch: 3,
            ..plan()
        };
        assert_eq!(batched.input_hz(), 10);
        assert_eq!(relay_sizes(&batched, 904.0, 707.0), (32, 71 + 6));
        assert!(plan().every_tick());
    }

    #[test]
    fn rates_are_checked() {
        assert_eq!(check_rates(30, None, 1).unwrap(), 30);
        assert_eq!(check_rates(30, Some(15), 2).unwrap(), 15);
        assert_eq!(check_rates(30, Some(30), 6).unwrap(), 30);
        for (tick, snap, batch) in [
            (30, Some(31), 1),
            (30, Some(0), 1),
            (30, None, 0),
            (30, None, 4),
            (32, None, 16),
            (0, None, 1),
        ] {
            assert!(
                check_rates(tick, snap, batch).is_err(),
                "{tick} {snap:?} {batch}"
            );
        }
        assert!(check_rates(32, None, 8).is_ok());
    }

    #[test]
    fn relay_wait_is_passed_and_recorded_by_the_same_name() {
        for wait in [RelayWait::Epoll, RelayWait::Tick] {
            let name = wait.to_possible_value().unwrap();
            assert_eq!(name.get_name(), wait.as_arg());
            let json = serde_json::to_value(Plan {
                relay_wait: wait,
                ..plan()
            })
            .unwrap();
            assert_eq!(json["relay_wait"], wait.as_arg());
        }
    }

    #[test]
    fn ramp_and_dirs() {
        assert_eq!(plan().ramp_ms(1500), 3000);
        assert_eq!(plan().ramp_ms(0), 1);
        assert_eq!(
            plan().step_dir(500),
            PathBuf::from("target/capacity/step-00500")
        );
    }
}
