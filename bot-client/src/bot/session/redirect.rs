//! Following a `Redirect`: the answer to a join that another node of the
//! fleet serves. The bot checks the URL against the loopback rule (and
//! `--allow-remote`) before it leaves, closes its connection (1000, and
//! waits, bounded, for the node's close, so that node ends the session
//! instead of holding it for a resume), connects to the URL, says `Hello`
//! with the same name, and sends `JoinLobby(Ticket)`. The new node answers
//! like any join: `Joined`, an error (`TicketRejected`, `LobbyFull`, …), or
//! another `Redirect`, followed up to [`MAX_REDIRECTS`] in a row.
//!
//! Each step has the usual stage timeout, so one redirect fits well inside
//! a ticket's lifetime (10 s by default) on any healthy node. The
//! receive-side statistics carry over, like across a chaos resume; the
//! session (player id, resume token, rates) is the new node's from its
//! `Welcome` on, and so is everything the bot sends afterwards.

use rallypoint_shared::{ClientMsg, EntityRef, JoinTarget, LobbyId, MAX_TICKET_BYTES};
use tokio::time::{Instant, timeout_at};
use tracing::debug;

use super::Session;
use crate::bot::MAX_REDIRECTS;
use crate::games::BotGame;
use crate::options::RunError;
use crate::outcome::{FailReason, RedirectFail, Stage};
use crate::progress::Counters;
use crate::reader::Event;

/// What `Joined` said.
pub(super) struct Joined {
    pub lobby: LobbyId,
    /// The game the lobby plays.
    pub game: String,
    pub avatar: Option<EntityRef>,
    pub join_code: Option<String>,
}

/// Where a `Redirect` sends the bot.
struct Redirect {
    node: String,
    url: String,
    ticket: Vec<u8>,
}

/// The answer to a join request.
enum Answer {
    Joined(Joined),
    Redirect(Redirect),
}

impl<B: BotGame> Session<'_, B> {
    /// Waits for the answer to the join request sent at `asked_at`, and
    /// follows redirects until a node seats the bot. A failure after a
    /// redirect fails the redirect (`redirect:<reason>`).
    pub(super) async fn await_joined(&mut self, asked_at: Instant) -> Result<Joined, FailReason> {
        let mut redirects = 0;
        loop {
            let answer = self
                .expect(self.stage_deadline(), |ev| match ev {
                    Event::Joined {
                        lobby,
                        game,
                        avatar,
                        join_code,
                    } => Ok(Answer::Joined(Joined {
                        lobby,
                        game,
                        avatar,
                        join_code,
                    })),
                    Event::Redirect { node, url, ticket } => {
                        Ok(Answer::Redirect(Redirect { node, url, ticket }))
                    }
                    other => Err(other),
                })
                .await;
            let answer = match answer {
                Ok(answer) => answer,
                Err(reason) if redirects > 0 => return Err(self.redirect_failed(reason)),
                Err(reason) => return Err(reason),
            };
            if redirects > 0 {
                // The node the last redirect named answered the ticket.
                self.redirects_followed += 1;
                Counters::bump(&self.ctx.counters.redirects);
            }
            match answer {
                Answer::Joined(joined) => {
                    if redirects > 0 {
                        let us = asked_at.elapsed().as_micros() as u64;
                        // Cannot fail: the histogram auto-resizes.
                        let _ = self.redirect_us.record(us);
                    }
                    return Ok(joined);
                }
                Answer::Redirect(redirect) => {
                    redirects += 1;
                    if let Err(reason) = self.follow(redirect, redirects).await {
                        return Err(self.redirect_failed(reason));
                    }
                }
            }
        }
    }

    /// Counts a redirect that did not get the bot to its node, and names
    /// the failure as the redirect's.
    fn redirect_failed(&mut self, reason: FailReason) -> FailReason {
        self.redirects_failed += 1;
        let reason = reason.during_redirect();
        debug!(%reason, "redirect failed");
        reason
    }

    /// Follows the `hop`th redirect of this join: checks it, leaves this
    /// node, and asks the named one to honour the ticket.
    async fn follow(&mut self, redirect: Redirect, hop: u32) -> Result<(), FailReason> {
        let Redirect { node, url, ticket } = redirect;
        debug!(node, url, hop, "redirected");
        if hop > MAX_REDIRECTS {
            return Err(FailReason::Redirect(RedirectFail::TooMany));
        }
        if ticket.len() > MAX_TICKET_BYTES {
            return Err(FailReason::Redirect(RedirectFail::TicketTooLong));
        }
        let lookup = timeout_at(self.stage_deadline(), self.ctx.nodes.get(&url)).await;
        let target = match lookup {
            Ok(Ok(target)) => target,
            Ok(Err(err)) => {
                debug!(%err, "redirect refused");
                return Err(FailReason::Redirect(match err {
                    RunError::RemoteHost { .. } => RedirectFail::RemoteHost,
                    RunError::Resolve { .. } => RedirectFail::Resolve,
                    _ => RedirectFail::BadUrl,
                }));
            }
            Err(_) => return Err(FailReason::Timeout(Stage::Connect)),
        };

        self.close().await;
        let stats = self.finish_reader().await.ok_or(FailReason::Panicked)?;
        self.parked = Some(stats);
        self.node = target;

        self.stage = Stage::Connect;
        timeout_at(self.stage_deadline(), self.connect())
            .await
            .map_err(|_| FailReason::Timeout(Stage::Connect))??;
        self.hello().await?;
        self.stage = Stage::Join;
        let join = ClientMsg::JoinLobby(JoinTarget::Ticket(ticket));
        self.send(&join).await
    }
}
