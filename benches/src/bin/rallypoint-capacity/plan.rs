//! The settings every step of a run shares, from the command line.

use std::path::{Path, PathBuf};
use std::time::Duration;

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
}

/// The relay's frame and input sizes for a step: the fixed ones if given,
/// else the bots' payload bytes per tick plus the WebSocket header (2 B
/// server to client; 6 B client to server, masked), so the relay writes
/// what the server wrote on the wire, less TCP/IP.
pub fn relay_sizes(
    plan: &Plan,
    bytes_down_per_bot_per_sec: f64,
    bytes_up_per_bot_per_sec: f64,
) -> (usize, usize) {
    let per_tick = |bytes: f64, header: usize| {
        (bytes / f64::from(plan.tick_hz)).round().max(0.0) as usize + header
    };
    (
        plan.frame_bytes
            .unwrap_or_else(|| per_tick(bytes_down_per_bot_per_sec, 2)),
        plan.input_bytes
            .unwrap_or_else(|| per_tick(bytes_up_per_bot_per_sec, 6)),
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
    fn ramp_and_dirs() {
        assert_eq!(plan().ramp_ms(1500), 3000);
        assert_eq!(plan().ramp_ms(0), 1);
        assert_eq!(
            plan().step_dir(500),
            PathBuf::from("target/capacity/step-00500")
        );
    }
}
