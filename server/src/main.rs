//! `rallypoint-server`: parses the configuration, installs logging, loads
//! the games it hosts, binds, and runs the server until Ctrl-C or SIGTERM,
//! which starts a graceful drain (exit status 0). A second signal during
//! the drain exits at once with status 130.
//!
//! This binary is the one place where the engine meets the games of this
//! repository: the engine library imports none of them.

use anyhow::Context;
use clap::Parser;
use rallypoint_arena::{Arena, ArenaConfig, GameConfig, Map};
use rallypoint_server::lobby::{Games, host};
use rallypoint_server::{Cli, Config, serve};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    raise_fd_limit();
    let config = Cli::parse().into_config()?;
    let games = games(&config)?;
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    let first_signal = async {
        shutdown_signal().await;
        tokio::spawn(async {
            shutdown_signal().await;
            tracing::warn!("second signal: exiting at once");
            std::process::exit(130);
        });
    };
    serve(listener, config, games, first_signal).await?;
    Ok(())
}

/// The games this server hosts, with their settings from `config`.
fn games(config: &Config) -> anyhow::Result<Games> {
    let map = match &config.map {
        Some(path) => Map::load(path).context("cannot load map")?,
        None => Map::default_arena(),
    };
    let arena = ArenaConfig {
        map,
        rules: GameConfig::default(),
    };
    Ok(Games::new(vec![host::<Arena>(arena)])?)
}

/// Every connection is a file descriptor, and the usual soft limit (1024)
/// is far below `max_connections`: raise it to the hard limit.
fn raise_fd_limit() {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => tracing::debug!(limit, "open file limit"),
        Err(e) => tracing::warn!(error = %e, "cannot raise the open file limit"),
    }
}

/// Completes on the first Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
