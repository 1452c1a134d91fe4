//! A real `redis-server` of the test's own, on a free loopback port, for
//! the tests of a fleet. It needs `redis-server` on the PATH (`scripts/test`
//! installs it with `scripts/install-redis`) and fails without it.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The running server, stopped when dropped.
pub struct Redis(Child);

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A free loopback address (bound and released: a port nobody holds).
pub fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// Starts a Redis without persistence on a free port.
pub async fn redis() -> (Redis, SocketAddr) {
    let addr = free_addr();
    let child = Command::new("redis-server")
        .args([
            "--port",
            &addr.port().to_string(),
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server on the PATH (scripts/install-redis installs it)");
    tokio::time::sleep(Duration::from_millis(300)).await;
    (Redis(child), addr)
}
