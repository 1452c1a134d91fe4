//! Join tickets: what a node hands a client it redirects to another node
//! of the fleet, and what that node checks before it seats the client.
//!
//! A ticket names one player (the name it said `Hello` with), one lobby
//! (or, for a quick-join, a game), the node that honours it and when it
//! expires. It is signed with HMAC-SHA256 under the key the fleet shares
//! (`fleet_secret`), so no client can forge or alter one; the node it names
//! keeps the ids of the tickets it took until they expire, so each works
//! once. The bytes are opaque to clients:
//!
//! | bytes | field |
//! |---|---|
//! | 1 | format, [`FORMAT`] |
//! | 16 | ticket id, random |
//! | 4 | lobby id, little-endian; 0 for a quick-join |
//! | 8 | expiry, milliseconds since the Unix epoch, little-endian |
//! | 1 + n | node id (length, then UTF-8) |
//! | 1 + n | game (length, then UTF-8) |
//! | 1 + n | player name (length, then UTF-8) |
//! | 32 | HMAC-SHA256 of everything before it |

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use rallypoint_shared::MAX_TICKET_BYTES;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The ticket layout this code writes and reads.
pub const FORMAT: u8 = 1;

const MAC_BYTES: usize = 32;

/// Tickets a node remembers having taken, until each expires. Default:
/// 65,536 (about 1.5 MiB): far more than a node seats in a ticket's
/// lifetime; when full, a new ticket is refused rather than a used one
/// forgotten.
pub const MAX_USED_TICKETS: usize = 65_536;

/// What a ticket says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub id: [u8; 16],
    /// The lobby whose seat it holds; `None` for a quick-join of `game`.
    pub lobby: Option<u32>,
    pub expires_ms: u64,
    pub node: String,
    pub game: String,
    pub name: String,
}

/// Why a ticket is refused; the text reaches the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    #[error("the ticket is malformed")]
    Malformed,
    #[error("the ticket's signature is wrong")]
    Forged,
    #[error("the ticket expired")]
    Expired,
    #[error("the ticket is for node {0}, not this one")]
    OtherNode(String),
    #[error("the ticket names another player")]
    OtherPlayer,
    #[error("the ticket was already used")]
    Used,
    #[error("this node holds too many tickets in flight; try again")]
    Busy,
    #[error("this node is not part of a fleet")]
    NoFleet,
}

impl TicketError {
    /// The reason as `/metrics` counts it.
    pub fn label(&self) -> &'static str {
        match self {
            TicketError::Malformed => "malformed",
            TicketError::Forged => "forged",
            TicketError::Expired => "expired",
            TicketError::OtherNode(_) => "other node",
            TicketError::OtherPlayer => "other player",
            TicketError::Used => "used",
            TicketError::Busy => "busy",
            TicketError::NoFleet => "no fleet",
        }
    }
}

/// Milliseconds since the Unix epoch, by this machine's clock.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn mac(key: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length.
    HmacSha256::new_from_slice(key).expect("HMAC accepts any key length")
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    let bytes = &s.as_bytes()[..s.len().min(u8::MAX as usize)];
    out.push(bytes.len() as u8);
    out.extend_from_slice(bytes);
}

impl Ticket {
    /// The signed bytes, or `None` if they would exceed
    /// [`MAX_TICKET_BYTES`] (over-long node or game names).
    pub fn sign(&self, key: &[u8]) -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(96);
        out.push(FORMAT);
        out.extend_from_slice(&self.id);
        out.extend_from_slice(&self.lobby.unwrap_or(0).to_le_bytes());
        out.extend_from_slice(&self.expires_ms.to_le_bytes());
        for s in [&self.node, &self.game, &self.name] {
            if s.len() > u8::MAX as usize {
                return None;
            }
            put_str(&mut out, s);
        }
        let mut m = mac(key);
        m.update(&out);
        out.extend_from_slice(&m.finalize().into_bytes());
        (out.len() <= MAX_TICKET_BYTES).then_some(out)
    }

    /// Checks the signature and reads the fields; the caller checks the
    /// rest (expiry, node, player) with [`Ticket::check`].
    pub fn open(bytes: &[u8], key: &[u8]) -> Result<Ticket, TicketError> {
        if bytes.len() > MAX_TICKET_BYTES || bytes.len() < 1 + 16 + 4 + 8 + 3 + MAC_BYTES {
            return Err(TicketError::Malformed);
        }
        let (body, tag) = bytes.split_at(bytes.len() - MAC_BYTES);
        let mut m = mac(key);
        m.update(body);
        // Constant-time comparison.
        m.verify_slice(tag).map_err(|_| TicketError::Forged)?;
        let mut r = body;
        let mut take = |n: usize| -> Result<&[u8], TicketError> {
            if r.len() < n {
                return Err(TicketError::Malformed);
            }
            let (head, rest) = r.split_at(n);
            r = rest;
            Ok(head)
        };
        if take(1)? != [FORMAT] {
            return Err(TicketError::Malformed);
        }
        let id: [u8; 16] = take(16)?.try_into().map_err(|_| TicketError::Malformed)?;
        let lobby = u32::from_le_bytes(take(4)?.try_into().map_err(|_| TicketError::Malformed)?);
        let expires_ms =
            u64::from_le_bytes(take(8)?.try_into().map_err(|_| TicketError::Malformed)?);
        let mut text = || -> Result<String, TicketError> {
            let n = take(1)?[0] as usize;
            String::from_utf8(take(n)?.to_vec()).map_err(|_| TicketError::Malformed)
        };
        let node = text()?;
        let game = text()?;
        let name = text()?;
        if !r.is_empty() {
            return Err(TicketError::Malformed);
        }
        Ok(Ticket {
            id,
            lobby: (lobby != 0).then_some(lobby),
            expires_ms,
            node,
            game,
            name,
        })
    }

    /// Whether this node may honour the ticket now, for this player.
    pub fn check(&self, node: &str, name: &str, now_ms: u64) -> Result<(), TicketError> {
        if self.node != node {
            return Err(TicketError::OtherNode(self.node.clone()));
        }
        if now_ms >= self.expires_ms {
            return Err(TicketError::Expired);
        }
        if self.name != name {
            return Err(TicketError::OtherPlayer);
        }
        Ok(())
    }

    /// The ticket id as the directory's reservation sets name it.
    pub fn key(&self) -> String {
        self.id.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The tickets this node has taken, each kept until it expires.
#[derive(Default)]
pub struct Used {
    ids: Mutex<HashMap<[u8; 16], u64>>,
}

impl Used {
    /// Marks `ticket` used; refuses one already used, or any while
    /// [`MAX_USED_TICKETS`] unexpired tickets are held.
    pub fn take(&self, ticket: &Ticket, now_ms: u64) -> Result<(), TicketError> {
        let mut ids = self.ids.lock().unwrap_or_else(|e| e.into_inner());
        if ids.contains_key(&ticket.id) {
            return Err(TicketError::Used);
        }
        if ids.len() >= MAX_USED_TICKETS {
            ids.retain(|_, expires| *expires > now_ms);
            if ids.len() >= MAX_USED_TICKETS {
                return Err(TicketError::Busy);
            }
        }
        ids.insert(ticket.id, ticket.expires_ms);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"a key the whole fleet shares";

    fn ticket() -> Ticket {
        Ticket {
            id: [7; 16],
            lobby: Some(0x0020_0001),
            expires_ms: 1_000_000,
            node: "b".into(),
            game: "arena".into(),
            name: "Ünïcode name".into(),
        }
    }

    #[test]
    fn a_signed_ticket_opens_to_the_same_fields() {
        let bytes = ticket().sign(KEY).unwrap();
        assert_eq!(Ticket::open(&bytes, KEY), Ok(ticket()));
        let quick = Ticket {
            lobby: None,
            ..ticket()
        };
        assert_eq!(Ticket::open(&quick.sign(KEY).unwrap(), KEY), Ok(quick));
    }

    #[test]
    fn any_changed_byte_or_another_key_is_refused() {
        let bytes = ticket().sign(KEY).unwrap();
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x01;
            assert!(Ticket::open(&bad, KEY).is_err(), "byte {i}");
        }
        assert_eq!(
            Ticket::open(&bytes, b"another key"),
            Err(TicketError::Forged)
        );
        assert_eq!(
            Ticket::open(&bytes[..bytes.len() - 1], KEY),
            Err(TicketError::Forged)
        );
        assert_eq!(Ticket::open(&[], KEY), Err(TicketError::Malformed));
        assert_eq!(
            Ticket::open(&[0; MAX_TICKET_BYTES + 1], KEY),
            Err(TicketError::Malformed)
        );
    }

    #[test]
    fn check_names_the_node_the_player_and_the_expiry() {
        let t = ticket();
        assert_eq!(t.check("b", "Ünïcode name", 999_999), Ok(()));
        assert_eq!(
            t.check("c", "Ünïcode name", 0),
            Err(TicketError::OtherNode("b".into()))
        );
        assert_eq!(
            t.check("b", "Ünïcode name", 1_000_000),
            Err(TicketError::Expired)
        );
        assert_eq!(t.check("b", "someone", 0), Err(TicketError::OtherPlayer));
    }

    #[test]
    fn a_ticket_works_once() {
        let used = Used::default();
        let t = ticket();
        assert_eq!(used.take(&t, 0), Ok(()));
        assert_eq!(used.take(&t, 0), Err(TicketError::Used));
        let other = Ticket {
            id: [8; 16],
            ..ticket()
        };
        assert_eq!(used.take(&other, 0), Ok(()));
    }

    #[test]
    fn overlong_names_are_not_signed() {
        let t = Ticket {
            game: "g".repeat(200),
            ..ticket()
        };
        assert_eq!(t.sign(KEY), None);
    }
}
