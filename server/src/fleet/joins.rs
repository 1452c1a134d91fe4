//! Joins across the fleet: finding another node's lobby, holding a seat
//! there and redirecting the player with a join ticket; quick-join over
//! every live node; and, on the node the ticket names, taking it and
//! confirming the seat against the reservations of the others.

use rallypoint_shared::{ErrorCode, JoinTarget, ServerMsg};

use super::seats::{self, Place, Reserved};
use super::ticket::{self, Ticket, TicketError};
use super::{Fleet, Node, QUICK_JOIN_CANDIDATES, QuickPick, directory};

/// What a quick-join needs to know of this node.
pub struct Here {
    /// Players on this node.
    pub players: usize,
    /// The players of its fullest open public lobby of the game, if any.
    pub open: Option<u8>,
}

impl Fleet {
    /// The lobby `target` names on another node of the fleet, if the
    /// directory knows one (`None` alone, without Redis, or if nobody
    /// has it).
    pub async fn locate(&self, target: &JoinTarget) -> Option<Place> {
        let node = self.node.as_ref()?;
        let found = node.ask(|c| directory::locate(c, target)).await??;
        // This node's own lobby that has just closed is not "elsewhere".
        (found.node != node.id).then_some(found)
    }

    /// Publishes this node soon (a lobby was made), instead of at the next
    /// heartbeat.
    pub fn poke(&self) {
        if let Some(node) = &self.node {
            node.poke.notify_one();
        }
    }

    /// Holds a seat for `name` in `place` (another node's lobby) and
    /// makes the `Redirect` that sends the player there; or the error to
    /// answer instead.
    pub async fn redirect(
        &self,
        place: &Place,
        name: &str,
    ) -> Result<ServerMsg, (ErrorCode, String)> {
        let Some(node) = &self.node else {
            return Err((ErrorCode::LobbyNotFound, "no such lobby".into()));
        };
        let now = ticket::now_ms();
        let t = node.ticket(&place.node, Some(place.lobby), &place.game, name, now);
        let key = t.key();
        let held = node
            .ask(|c| {
                seats::reserve(
                    c,
                    place.lobby,
                    &place.game,
                    &place.node,
                    &key,
                    now,
                    t.expires_ms,
                )
            })
            .await;
        match held {
            Some(Reserved::Held) => node.redirect_msg(&t, &place.url),
            Some(Reserved::Full) => Err((ErrorCode::LobbyFull, "lobby is full".into())),
            Some(Reserved::Draining) => Err((
                ErrorCode::ShuttingDown,
                format!(
                    "that lobby's node {} is draining: it takes no new players",
                    place.node
                ),
            )),
            Some(Reserved::Gone) => Err((ErrorCode::LobbyNotFound, "no such lobby".into())),
            None => Err((
                ErrorCode::LobbyNotFound,
                format!(
                    "that lobby is on node {} of this fleet, whose directory is unreachable now: connect to {} to join it",
                    place.node, place.url
                ),
            )),
        }
    }

    /// Where a quick-join of `game` goes: the fullest open public lobby of
    /// that game on any live node (this node's own first on a tie: it
    /// knows its own exactly, `here.open`), or else a new lobby on the
    /// least-loaded live node that hosts the game (`here.players` is this
    /// node's own load). Alone or without Redis: here.
    pub async fn quick_join(&self, game: &str, name: &str, here: Here) -> QuickPick {
        let Some(node) = &self.node else {
            return QuickPick::Here;
        };
        let Some(mut places) = node
            .ask(|c| seats::candidates(c, game, QUICK_JOIN_CANDIDATES))
            .await
        else {
            return QuickPick::Here;
        };
        places.retain(|p| p.node != node.id);
        places.sort_by_key(|p| std::cmp::Reverse(p.players));
        for place in &places {
            if here
                .open
                .is_some_and(|players| u32::from(players) >= place.players)
            {
                return QuickPick::Here;
            }
            if let Ok(redirect) = self.redirect(place, name).await {
                return QuickPick::There(redirect);
            }
        }
        if here.open.is_some() {
            return QuickPick::Here;
        }
        // No open lobby anywhere: a new one on the least-loaded node.
        let Some(nodes) = node.ask(directory::nodes).await else {
            return QuickPick::Here;
        };
        let least = nodes
            .iter()
            .filter(|n| !n.draining && n.games.iter().any(|g| g == game))
            .map(|n| {
                let load = if n.id == node.id {
                    here.players as u64
                } else {
                    n.players
                };
                (load, n.id != node.id, n)
            })
            .min_by_key(|(load, elsewhere, _)| (*load, *elsewhere));
        match least {
            Some((_, true, there)) => {
                let now = ticket::now_ms();
                let t = node.ticket(&there.id, None, game, name, now);
                let _ = node.ask(|c| seats::add_pending(c, &there.id)).await;
                match node.redirect_msg(&t, &there.url) {
                    Ok(msg) => QuickPick::There(msg),
                    Err(_) => QuickPick::Here,
                }
            }
            _ => QuickPick::Here,
        }
    }

    /// Checks a ticket presented to this node by the player `name`, and
    /// marks it used.
    pub fn claim(&self, bytes: &[u8], name: &str) -> Result<Ticket, TicketError> {
        let node = self.node.as_ref().ok_or(TicketError::NoFleet)?;
        let t = Ticket::open(bytes, &node.secret)?;
        let now = ticket::now_ms();
        t.check(&node.id, name, now)?;
        node.used.take(&t, now)?;
        Ok(t)
    }

    /// Whether this node's lobby `lobby` of `game`, now with `seats`
    /// players counting the new one, has room for it beside the seats
    /// other nodes reserved (`ticket`: the claimed ticket's own). Alone or
    /// without Redis: yes (this node's own count already said so).
    pub async fn confirm_seat(
        &self,
        lobby: u32,
        game: &str,
        seats: u8,
        ticket: Option<&Ticket>,
    ) -> bool {
        let Some(node) = &self.node else {
            return true;
        };
        let key = ticket.map(Ticket::key);
        let now = ticket::now_ms();
        node.ask(|c| seats::seat(c, lobby, game, seats, key.as_deref(), now))
            .await
            .unwrap_or(true)
    }
}

impl Node {
    fn ticket(&self, to: &str, lobby: Option<u32>, game: &str, name: &str, now: u64) -> Ticket {
        Ticket {
            id: rand::random(),
            lobby,
            expires_ms: now + self.ticket_ttl.as_millis() as u64,
            node: to.to_owned(),
            game: game.to_owned(),
            name: name.to_owned(),
        }
    }

    fn redirect_msg(&self, t: &Ticket, url: &str) -> Result<ServerMsg, (ErrorCode, String)> {
        match t.sign(&self.secret) {
            Some(ticket) => Ok(ServerMsg::Redirect {
                node: t.node.clone(),
                url: url.to_owned(),
                ticket,
            }),
            None => Err((
                ErrorCode::LobbyNotFound,
                "cannot make a ticket for that node".into(),
            )),
        }
    }
}
