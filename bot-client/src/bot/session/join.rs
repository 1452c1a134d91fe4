//! Getting into a lobby of the bot's game: creating a private one (and
//! handing its join code to the group), following the group's creator by
//! code, joining a given code, or quick-joining; then `Joined` (on this
//! node, or on the one a `Redirect` sent the bot to: see `redirect`),
//! which must name the bot's game.

use rallypoint_game::Game;
use rallypoint_shared::{ClientMsg, JoinTarget};
use tokio::sync::watch;
use tokio::time::{Instant, sleep_until};
use tracing::debug;

use super::Session;
use super::redirect::Joined;
use crate::bot::LobbyAction;
use crate::games::BotGame;
use crate::outcome::{FailReason, Stage};

impl<B: BotGame> Session<'_, B> {
    pub(super) async fn join(&mut self, lobby: LobbyAction) -> Result<(), FailReason> {
        let game = <B::Game as Game>::NAME;
        let (request, publish) = match lobby {
            LobbyAction::Create {
                max_players,
                publish,
            } => {
                let name = format!("bots-{}", self.index);
                let create = ClientMsg::CreateLobby {
                    game: game.to_owned(),
                    name,
                    max_players,
                    private: true,
                };
                (create, Some(publish))
            }
            LobbyAction::Follow(mut code) => {
                let code = self.await_code(&mut code).await?;
                (ClientMsg::JoinLobby(JoinTarget::Code(code)), None)
            }
            LobbyAction::Code(code) => (
                ClientMsg::JoinLobby(JoinTarget::Code(code.to_string())),
                None,
            ),
            LobbyAction::Quick => (
                ClientMsg::QuickJoin {
                    game: game.to_owned(),
                },
                None,
            ),
        };
        let asked_at = Instant::now();
        self.send(&request).await?;
        let Joined {
            lobby,
            game: joined_game,
            avatar,
            join_code,
        } = self.await_joined(asked_at).await?;
        if joined_game != game {
            debug!(joined_game, "the lobby plays another game");
            return Err(FailReason::WrongGame);
        }
        self.joined_at = Some(Instant::now());
        self.lobby = Some((lobby, avatar));
        self.set_in_lobby(true);
        if let Some(publish) = publish {
            match join_code {
                Some(code) => {
                    publish.send_replace(Some(code));
                }
                // Dropping `publish` tells the followers there is no code.
                None => debug!("created lobby came without a join code"),
            }
        }
        Ok(())
    }

    /// Waits for the group creator's join code, answering pings (and
    /// noticing a close) meanwhile.
    async fn await_code(
        &mut self,
        code: &mut watch::Receiver<Option<String>>,
    ) -> Result<String, FailReason> {
        let give_up = sleep_until(self.play_end);
        tokio::pin!(give_up);
        loop {
            tokio::select! {
                // The borrowed value must not outlive the branch: it holds
                // the watch's lock.
                published = async {
                    code.wait_for(Option::is_some)
                        .await
                        .map(|code| code.clone().unwrap_or_default())
                } => return published.map_err(|_| FailReason::NoJoinCode),
                event = self.events.recv() => match event {
                    Some(event) => self.on_event(event).await?,
                    None => return Err(self.closed_reason()),
                },
                () = &mut give_up => return Err(FailReason::Timeout(Stage::Join)),
            }
        }
    }
}
