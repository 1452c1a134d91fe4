//! The child processes of a run: each started under `taskset -c CPU` (which
//! execs the program, so the pid is the program's), its output in a log
//! file, waited for with a deadline, stopped with SIGTERM and, if it does
//! not go, SIGKILL. A `Proc` dropped while its process still runs kills
//! it, so an error anywhere leaves no server or bots behind.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// How often a wait checks whether the process has exited.
const WAIT_POLL: Duration = Duration::from_millis(50);

pub struct Proc {
    name: String,
    child: Child,
}

/// Where a process's standard output goes.
pub enum Stdout {
    /// Into its log file, with standard error.
    Log,
    /// Line by line to a channel (see [`Proc::lines`]).
    Lines,
}

impl Proc {
    /// Starts `program args…` pinned to `cpu`, standard error (and output,
    /// unless `stdout` is `Lines`) appended to `log`.
    pub fn spawn(
        name: &str,
        cpu: usize,
        program: &Path,
        args: &[String],
        log: &Path,
        stdout: Stdout,
    ) -> anyhow::Result<Proc> {
        let log_file = File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let out = match stdout {
            Stdout::Log => Stdio::from(log_file.try_clone()?),
            Stdout::Lines => Stdio::piped(),
        };
        let child = Command::new("taskset")
            .arg("-c")
            .arg(cpu.to_string())
            .arg(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(Stdio::from(log_file))
            .spawn()
            .with_context(|| format!("starting taskset -c {cpu} {}", program.display()))?;
        Ok(Proc {
            name: name.to_string(),
            child,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The lines of standard output, read by a thread; once only, and only
    /// for a process spawned with [`Stdout::Lines`].
    pub fn lines(&mut self) -> anyhow::Result<Receiver<String>> {
        let out = self.child.stdout.take().context("stdout not piped")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(rx)
    }

    /// Waits until the process exits or `timeout` passes.
    pub fn wait_for(&mut self, timeout: Duration) -> anyhow::Result<Option<ExitStatus>> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(Some(status));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            std::thread::sleep(WAIT_POLL);
        }
    }

    /// Waits for the process to exit by itself within `timeout`; kills it
    /// and fails if it does not.
    pub fn finish(&mut self, timeout: Duration) -> anyhow::Result<ExitStatus> {
        match self.wait_for(timeout)? {
            Some(status) => Ok(status),
            None => {
                self.kill();
                bail!("{} did not exit within {:?}; killed", self.name, timeout)
            }
        }
    }

    /// SIGTERM, then SIGKILL if it has not exited after `grace`.
    pub fn stop(&mut self, grace: Duration) -> anyhow::Result<ExitStatus> {
        if let Some(status) = self.child.try_wait()? {
            return Ok(status);
        }
        let pid = libc::pid_t::try_from(self.pid())?;
        // SAFETY: kill(2) on our own child, which has not been reaped yet.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        match self.wait_for(grace)? {
            Some(status) => Ok(status),
            None => {
                eprintln!(
                    "capacity: {} ignored SIGTERM for {grace:?}; killing",
                    self.name
                );
                self.kill();
                Ok(self.child.wait()?)
            }
        }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.kill();
        }
    }
}

/// Receives the first line starting with `prefix` within `timeout` and
/// returns the rest of it.
pub fn expect_line(
    rx: &Receiver<String>,
    prefix: &str,
    timeout: Duration,
) -> anyhow::Result<String> {
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                if let Some(rest) = line.strip_prefix(prefix) {
                    return Ok(rest.trim().to_string());
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => bail!("no {prefix:?} line within {timeout:?}"),
            Err(mpsc::RecvTimeoutError::Disconnected) => bail!("exited before printing {prefix:?}"),
        }
    }
}
