//! The fake as a node of a fleet: which joins it redirects (its
//! [`Route`]), the `Redirect` it answers them with, and the tickets it
//! seats. A ticket is `fake-ticket:<serial>:<name>`: any fake seats one
//! once, on a connection whose `Hello` gave that name.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use rallypoint_shared::{ErrorCode, MAX_TICKET_BYTES, ServerMsg};

use super::{Conn, Script};

/// How every fake's join tickets begin: then a serial number, `:`, and
/// the name the ticket is for.
const TICKET_PREFIX: &str = "fake-ticket:";

/// Which joins the fake seats itself, as a node of a fleet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Every join.
    Local,
    /// Creates and tickets; joins by code or id and quick-joins are
    /// redirected to this URL.
    To(String),
    /// Creates only: every other join, tickets included, is redirected
    /// back to this fake.
    Loop,
}

impl Conn {
    /// Answers a join with a `Redirect` and a ticket for this player.
    pub(super) fn redirect(&mut self) {
        let Some(url) = self.server.redirect_to.clone() else {
            return;
        };
        let serial = self.server.next_id.fetch_add(1, Ordering::Relaxed);
        let ticket = format!("{TICKET_PREFIX}{serial}:{}", self.name).into_bytes();
        self.redirected = true;
        (self.server.stats.redirects_sent).fetch_add(1, Ordering::Relaxed);
        self.send(ServerMsg::Redirect {
            node: "fake-node".into(),
            url,
            ticket,
        });
    }

    /// Seats a ticket issued to this connection's name, once; refuses
    /// anything else with `TicketRejected`.
    pub(super) fn ticket(&mut self, ticket: Vec<u8>) {
        let stats = Arc::clone(&self.server.stats);
        let named = std::str::from_utf8(&ticket)
            .ok()
            .and_then(|t| t.strip_prefix(TICKET_PREFIX))
            .and_then(|t| t.split_once(':'))
            .is_some_and(|(_, name)| name == self.name);
        let fresh = || {
            self.server
                .used_tickets
                .lock()
                .unwrap()
                .insert(ticket.clone())
        };
        let ok = self.server.script != Script::RejectTickets
            && ticket.len() <= MAX_TICKET_BYTES
            && named
            && fresh();
        if ok {
            stats.tickets_ok.fetch_add(1, Ordering::Relaxed);
            self.join(None);
        } else {
            stats.tickets_rejected.fetch_add(1, Ordering::Relaxed);
            self.send(ServerMsg::Error {
                code: ErrorCode::TicketRejected,
                message: "scripted: the ticket is refused".into(),
            });
        }
    }
}
