//! The games a server hosts, type-erased: a [`GameHost`] knows how to
//! start a lobby of its game, monomorphised on it, and hands back a handle
//! that knows no game. This and [`super::LobbyHandle`] are the only places
//! where a game's type is erased.

use std::sync::Arc;

use rallypoint_game::Game;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::Registry;
use super::handle::LobbyHandle;
use super::task::{self, LobbySpec};

/// A game the server can start lobbies of.
pub trait GameHost: Send + Sync {
    /// The game's name (`Game::NAME`).
    fn name(&self) -> &'static str;

    /// Seats in a lobby whose creator asked for `requested` (`Game::seats`).
    fn seats(&self, requested: u8) -> u8;

    /// Creates a lobby of this game and starts its task; returns its
    /// handle and the game's label for listings.
    fn spawn(
        &self,
        spec: LobbySpec,
        registry: Arc<Registry>,
        tracker: &TaskTracker,
        shutdown: CancellationToken,
    ) -> (LobbyHandle, String);
}

/// Game `G` with its settings.
struct Hosted<G: Game> {
    config: G::Config,
}

impl<G: Game> GameHost for Hosted<G> {
    fn name(&self) -> &'static str {
        G::NAME
    }

    fn seats(&self, requested: u8) -> u8 {
        G::seats(requested)
    }

    fn spawn(
        &self,
        spec: LobbySpec,
        registry: Arc<Registry>,
        tracker: &TaskTracker,
        shutdown: CancellationToken,
    ) -> (LobbyHandle, String) {
        task::spawn::<G>(spec, &self.config, registry, tracker, shutdown)
    }
}

/// Hosts game `G` with `config`.
pub fn host<G: Game>(config: G::Config) -> Arc<dyn GameHost> {
    Arc::new(Hosted::<G> { config })
}

/// The games one server hosts, in the order `Welcome` lists them (a
/// client's menu offers the first by default).
#[derive(Clone)]
pub struct Games {
    list: Vec<Arc<dyn GameHost>>,
}

/// Why a list of games was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GamesError {
    #[error("a server must host at least one game")]
    Empty,
    #[error("the game {0:?} is listed twice")]
    Duplicate(&'static str),
}

impl Games {
    pub fn new(list: Vec<Arc<dyn GameHost>>) -> Result<Games, GamesError> {
        if list.is_empty() {
            return Err(GamesError::Empty);
        }
        for (i, g) in list.iter().enumerate() {
            if list[..i].iter().any(|h| h.name() == g.name()) {
                return Err(GamesError::Duplicate(g.name()));
            }
        }
        Ok(Games { list })
    }

    /// The game called `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn GameHost>> {
        self.list.iter().find(|g| g.name() == name)
    }

    /// The names of the games, in order.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.list.iter().map(|g| g.name())
    }
}
