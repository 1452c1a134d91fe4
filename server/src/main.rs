//! `rallypoint-server`: parses the configuration, installs logging, loads
//! the games it hosts, binds, and runs the server until Ctrl-C or SIGTERM,
//! which starts a graceful drain (exit status 0). A second signal during
//! the drain exits at once with status 130.
//!
//! This binary is the one place where the engine meets the games of this
//! repository: the engine library imports none of them.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Parser;
use rallypoint_arena::{Arena, ArenaSettings};
use rallypoint_four::{Four, FourConfig};
use rallypoint_server::lobby::{GameHost, Games, host};
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
    let args = Args::parse();
    let config = args.server.into_config()?;
    let games = games(&config, args.map)?;
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

/// The server's flags, and the shortcuts to games' settings.
#[derive(Debug, Parser)]
#[command(
    name = "rallypoint-server",
    version,
    about = "Rallypoint authoritative game server"
)]
struct Args {
    #[command(flatten)]
    server: Cli,
    /// Arena's map file; the same as `[games.arena] map` [default: the built-in arena].
    #[arg(long, value_name = "PATH")]
    map: Option<PathBuf>,
}

/// The games this binary knows, in the order they are listed (the first
/// enabled one is the default).
const KNOWN_GAMES: &[&str] = &["arena", "four"];

/// The games this server hosts, with their settings from the config
/// file's `[games.NAME]` tables (and `--map` for arena's map).
fn games(config: &Config, map: Option<PathBuf>) -> anyhow::Result<Games> {
    if let Some(name) = config
        .games
        .keys()
        .find(|n| !KNOWN_GAMES.contains(&n.as_str()))
    {
        bail!(
            "[games.{name}]: no such game; this server hosts {}",
            KNOWN_GAMES.join(", ")
        );
    }
    let mut hosted: Vec<std::sync::Arc<dyn GameHost>> = Vec::new();
    if let Some(table) = enabled(config, "arena")? {
        let mut settings: ArenaSettings = table.try_into().context("[games.arena]")?;
        if map.is_some() {
            settings.map = map;
        }
        let arena = settings.load().context("cannot load map")?;
        hosted.push(host::<Arena>(arena));
    }
    if let Some(table) = enabled(config, "four")? {
        let settings: FourConfig = table.try_into().context("[games.four]")?;
        hosted.push(host::<Four>(settings));
    }
    Games::new(hosted).context("[games]")
}

/// A game's settings table, without its `enabled` key; `None` if the
/// table says `enabled = false`.
fn enabled(config: &Config, name: &str) -> anyhow::Result<Option<toml::Table>> {
    let mut table = match config.games.get(name) {
        Some(toml::Value::Table(t)) => t.clone(),
        Some(_) => bail!("[games.{name}] must be a table"),
        None => toml::Table::new(),
    };
    match table.remove("enabled") {
        None | Some(toml::Value::Boolean(true)) => Ok(Some(table)),
        Some(toml::Value::Boolean(false)) => Ok(None),
        Some(other) => bail!("[games.{name}] enabled must be true or false, got {other}"),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn config(toml: &str) -> Config {
        Config::from_toml_str(toml, std::path::Path::new("test.toml")).unwrap()
    }

    fn error(config: &Config, map: Option<PathBuf>) -> String {
        format!("{:#}", games(config, map).err().expect("refused"))
    }

    #[test]
    fn every_known_game_runs_by_default() {
        let games = games(&Config::default(), None).unwrap();
        assert_eq!(games.names().collect::<Vec<_>>(), KNOWN_GAMES);
    }

    #[test]
    fn game_tables_are_checked() {
        let unknown = config("[games.chess]\nx = 1\n");
        assert_eq!(
            error(&unknown, None),
            "[games.chess]: no such game; this server hosts arena, four"
        );
        let none = config("[games.arena]\nenabled = false\n[games.four]\nenabled = false\n");
        assert!(error(&none, None).contains("at least one game"));
        let typo = config("[games.arena]\nmapp = \"x\"\n");
        assert!(error(&typo, None).contains("unknown field `mapp`"));
        let missing = config("[games.arena]\nmap = \"/nonexistent/map.toml\"\n");
        assert!(error(&missing, None).contains("cannot load map"));
    }

    #[test]
    fn the_map_flag_overrides_the_table() {
        let bad = config("[games.arena]\nmap = \"/nonexistent/map.toml\"\n");
        let large = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../games/arena/maps/large.toml"
        );
        assert!(games(&bad, Some(PathBuf::from(large))).is_ok());
    }
}
