//! CPU time and memory of a process, from `/proc`: `utime + stime` of
//! `/proc/PID/stat` (all its threads, in clock ticks) and `VmRSS` of
//! `/proc/PID/status`; and how busy a whole core was, from `/proc/stat`,
//! including the time the hypervisor stole from it, which tells whether
//! the machine was quiet enough to measure on.

use std::time::Instant;

use anyhow::Context;

/// A process's CPU time at a moment.
#[derive(Clone, Copy, Debug)]
pub struct CpuSample {
    pub at: Instant,
    /// utime + stime, in clock ticks.
    pub ticks: u64,
}

impl CpuSample {
    pub fn read(pid: u32) -> anyhow::Result<CpuSample> {
        let text = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .with_context(|| format!("reading /proc/{pid}/stat"))?;
        let ticks = parse_stat_cpu_ticks(&text)
            .with_context(|| format!("parsing /proc/{pid}/stat: {text:?}"))?;
        Ok(CpuSample {
            at: Instant::now(),
            ticks,
        })
    }
}

/// CPU used between two samples, as seconds of CPU and as a percentage of
/// one core over the wall time between them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CpuUse {
    pub cpu_secs: f64,
    pub wall_secs: f64,
}

impl CpuUse {
    pub fn between(a: CpuSample, b: CpuSample) -> CpuUse {
        CpuUse {
            cpu_secs: b.ticks.saturating_sub(a.ticks) as f64 / clock_ticks_per_sec(),
            wall_secs: (b.at - a.at).as_secs_f64(),
        }
    }

    pub fn pct_of_core(self) -> f64 {
        if self.wall_secs > 0.0 {
            100.0 * self.cpu_secs / self.wall_secs
        } else {
            0.0
        }
    }
}

/// `utime + stime` (fields 14 and 15) of a `/proc/PID/stat` line. The
/// command name (field 2) is in parentheses and may hold spaces or `)`, so
/// fields are counted from the last `)`.
pub fn parse_stat_cpu_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    // Field 3 (state) is the first after the name, so field k is at k - 3.
    let mut fields = after_name.split_whitespace().skip(14 - 3);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// `VmRSS` of a `/proc/PID/status`, in KiB.
pub fn parse_status_rss_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line["VmRSS:".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

pub fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    parse_status_rss_kib(&text).with_context(|| format!("no VmRSS in /proc/{pid}/status"))
}

/// One core's counters from a `cpuN` line of `/proc/stat`, in clock ticks.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CoreTimes {
    /// user + nice + system + irq + softirq: running anything.
    pub busy: u64,
    /// Of `busy`, softirq: on loopback, much of TCP's receive path. With
    /// IRQ time accounting it is not in any process's stime.
    pub softirq: u64,
    /// Time the hypervisor ran something else while this CPU wanted to run.
    pub steal: u64,
    /// All of it, idle and iowait included.
    pub total: u64,
}

impl CoreTimes {
    pub fn read(cpu: usize) -> anyhow::Result<CoreTimes> {
        let text = std::fs::read_to_string("/proc/stat").context("reading /proc/stat")?;
        parse_proc_stat_core(&text, cpu).with_context(|| format!("no cpu{cpu} in /proc/stat"))
    }
}

/// Busy and steal shares of a core between two readings, in %.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct CoreUse {
    pub busy_pct: f64,
    pub softirq_pct: f64,
    pub steal_pct: f64,
}

impl CoreUse {
    pub fn between(a: CoreTimes, b: CoreTimes) -> CoreUse {
        let total = b.total.saturating_sub(a.total);
        if total == 0 {
            return CoreUse::default();
        }
        let pct = |x: u64, y: u64| 100.0 * y.saturating_sub(x) as f64 / total as f64;
        CoreUse {
            busy_pct: pct(a.busy, b.busy),
            softirq_pct: pct(a.softirq, b.softirq),
            steal_pct: pct(a.steal, b.steal),
        }
    }
}

/// The `cpuN` line of `/proc/stat`: user nice system idle iowait irq
/// softirq steal (guest time is already inside user and nice).
pub fn parse_proc_stat_core(stat: &str, cpu: usize) -> Option<CoreTimes> {
    let name = format!("cpu{cpu}");
    let line = stat
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name.as_str()))?;
    let f: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .take(8)
        .map(|v| v.parse().ok())
        .collect::<Option<_>>()?;
    let [user, nice, system, idle, iowait, irq, softirq, steal] = f[..] else {
        return None;
    };
    let busy = user + nice + system + irq + softirq;
    Some(CoreTimes {
        busy,
        softirq,
        steal,
        total: busy + idle + iowait + steal,
    })
}

/// Clock ticks per second (`sysconf(_SC_CLK_TCK)`, 100 on Linux).
pub fn clock_ticks_per_sec() -> f64 {
    // SAFETY: sysconf only reads a configuration value.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if hz > 0 { hz as f64 } else { 100.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_counted_after_the_name() {
        let stat = "4242 (rallypoint-serv) S 1 4242 4242 0 -1 4194560 2163 0 0 0 \
                    1234 567 0 0 20 0 3 0 123456 1000000 900 18446744073709551615";
        assert_eq!(parse_stat_cpu_ticks(stat), Some(1234 + 567));
        let odd_name = "7 (a) b (c) R 1 7 7 0 -1 0 0 0 0 0 10 5 0 0 20 0 1 0 1 1 1";
        assert_eq!(parse_stat_cpu_ticks(odd_name), Some(15));
        assert_eq!(parse_stat_cpu_ticks("7 (x) R 1 2"), None);
        assert_eq!(parse_stat_cpu_ticks("garbage"), None);
    }

    #[test]
    fn rss_from_status() {
        let status = "Name:\trallypoint\nVmPeak:\t  9000 kB\nVmRSS:\t   51234 kB\nThreads:\t3\n";
        assert_eq!(parse_status_rss_kib(status), Some(51_234));
        assert_eq!(parse_status_rss_kib("Name:\tx\n"), None);
    }

    #[test]
    fn core_times_from_proc_stat() {
        let stat = "cpu  30 0 0 0 0 0 0 0 0 0\n\
                    cpu0 10 1 2 80 3 0 1 3 0 0\n\
                    cpu1 20 0 5 70 0 0 0 5 0 0\n\
                    intr 1 2 3\n";
        let c0 = parse_proc_stat_core(stat, 0).unwrap();
        let expected = CoreTimes {
            busy: 14,
            softirq: 1,
            steal: 3,
            total: 100,
        };
        assert_eq!(c0, expected);
        assert_eq!(parse_proc_stat_core(stat, 1).unwrap().busy, 25);
        assert_eq!(parse_proc_stat_core(stat, 2), None);
        assert_eq!(parse_proc_stat_core("cpu0 1 2 3\n", 0), None);
        let later = CoreTimes {
            busy: 64,
            softirq: 6,
            steal: 13,
            total: 200,
        };
        let u = CoreUse::between(c0, later);
        assert_eq!((u.busy_pct, u.softirq_pct, u.steal_pct), (50.0, 5.0, 10.0));
        assert_eq!(CoreUse::between(c0, c0), CoreUse::default());
    }

    #[test]
    fn own_process_can_be_read() {
        let a = CpuSample::read(std::process::id()).unwrap();
        let b = CpuSample::read(std::process::id()).unwrap();
        assert!(b.ticks >= a.ticks);
        assert!(rss_kib(std::process::id()).unwrap() > 0);
        assert!(CoreTimes::read(0).unwrap().total > 0);
        let half = CpuUse {
            cpu_secs: 1.0,
            wall_secs: 2.0,
        };
        assert_eq!(half.pct_of_core(), 50.0);
    }
}
