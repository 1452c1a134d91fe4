//! A lobby's members: joining (with the game's admission), leaving,
//! dropping and resuming, and the roster of names every member is told.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use rallypoint_game::{EntityKey, Game, LeaveReason, PlayerId};
use rallypoint_shared::{EntityRef, RosterEntry, ServerMsg, encode_payload};
use tokio::time::Instant;
use tracing::{debug, warn};

use super::Seat;
use super::handle::Queued;
use super::task::Lobby;
use crate::outbox::{OutFrame, Outbox};
use crate::replication::Replica;

/// Most joins and leaves one `RosterUpdate` lists. Default: 64. Past it the
/// pending changes are dropped and the next tick sends the whole roster
/// instead (at most 255 names), so the pending list and one update stay
/// bounded whatever the churn.
pub const MAX_ROSTER_CHANGES: usize = 64;

/// How much longer than the resume grace a lobby holds a detached member.
/// The session table decides whether a resume is in time; this margin makes
/// sure the member is still here when an in-time resume's `Reattach`
/// arrives. Default: 2 s.
pub const DETACH_MARGIN: Duration = Duration::from_secs(2);

pub(super) struct Member<I> {
    pub player: PlayerId,
    pub name: String,
    /// The member's avatar, if the game gave it one.
    pub avatar: Option<EntityKey>,
    /// The connection to send to; `None` while detached.
    pub outbox: Option<Arc<Outbox>>,
    /// When the connection dropped, while detached.
    pub detached_at: Option<Instant>,
    /// Held until the member is gone for good.
    pub _seat: Seat,
    pub pending: VecDeque<Queued<I>>,
    /// Highest seq applied, echoed in snapshots.
    pub last_applied: u32,
    /// Highest seq accepted into `pending`; older or repeated ones are stale.
    pub last_accepted: u32,
    /// What recent snapshots gave this member, and its newest ack.
    pub replica: Replica,
    /// Snapshots produced for it (for the admin API).
    pub snapshots: u64,
}

impl<I> Member<I> {
    /// The member's avatar as the envelope names it.
    fn avatar_ref(&self) -> Option<EntityRef> {
        self.avatar.map(|k| EntityRef {
            kind: k.kind,
            index: k.id.index,
            generation: k.id.generation,
        })
    }

    fn roster_entry(&self) -> RosterEntry {
        RosterEntry {
            player: self.player,
            name: self.name.clone(),
            avatar: self.avatar_ref(),
        }
    }
}

impl<G: Game> Lobby<G> {
    /// The index of `player` if `outbox` is its current connection.
    pub(super) fn current(&self, player: PlayerId, outbox: &Arc<Outbox>) -> Option<usize> {
        self.members.iter().position(|m| {
            m.player == player && m.outbox.as_ref().is_some_and(|o| Arc::ptr_eq(o, outbox))
        })
    }

    fn joined_msg(&self, i: usize) -> ServerMsg {
        let m = &self.members[i];
        let info = encode_payload(&self.game.join_info(m.player)).unwrap_or_else(|e| {
            warn!(error = %e, "the game's join info is not encodable");
            Default::default()
        });
        ServerMsg::Joined {
            lobby: self.spec.id,
            game: G::NAME.to_owned(),
            join_code: self.spec.join_code.clone(),
            max_players: self.spec.max_players,
            avatar: m.avatar_ref(),
            tick: self.tick,
            info,
        }
    }

    /// Adds `player` if the game admits it; the reason if not (the seat is
    /// then dropped, which frees it).
    pub(super) fn join(
        &mut self,
        player: PlayerId,
        name: String,
        outbox: Arc<Outbox>,
        seat: Seat,
    ) -> Result<(), String> {
        self.game.admit(self.tick, player).map_err(|r| r.0)?;
        let avatar = self.game.join(self.tick, player, &mut self.events);
        debug!(player = player.0, ?avatar, "joined");
        self.members.push(Member {
            player,
            name,
            avatar,
            outbox: Some(outbox),
            detached_at: None,
            _seat: seat,
            pending: VecDeque::new(),
            last_applied: 0,
            last_accepted: 0,
            replica: Replica::new(),
            snapshots: 0,
        });
        let i = self.members.len() - 1;
        let joined = self.joined_msg(i);
        if let Some(bytes) = self.encode(&joined) {
            self.send_control(i, bytes);
        }
        self.send_roster(i);
        let entry = self.members[i].roster_entry();
        self.roster_added.push(entry);
        self.cap_roster_changes();
        self.deliver_events();
        Ok(())
    }

    /// The member's connection dropped: hold its seat for a resume.
    pub(super) fn detach(&mut self, i: usize) {
        let m = &mut self.members[i];
        m.outbox = None;
        m.detached_at = Some(Instant::now());
        m.pending.clear();
        let player = m.player;
        debug!(player = player.0, "detached; seat held for resume");
        self.game.disconnected(self.tick, player, &mut self.events);
        self.deliver_events();
    }

    /// Points a detached member at its new connection; false if the
    /// member is gone (its grace ran out).
    pub(super) fn reattach(&mut self, player: PlayerId, outbox: Arc<Outbox>) -> bool {
        let Some(i) = self.members.iter().position(|m| m.player == player) else {
            return false;
        };
        let m = &mut self.members[i];
        m.outbox = Some(outbox);
        m.detached_at = None;
        // The new connection's client holds no views: start with a full one.
        m.replica.reset();
        let joined = self.joined_msg(i);
        debug!(player = player.0, "resumed");
        if let Some(bytes) = self.encode(&joined) {
            self.send_control(i, bytes);
        }
        self.send_roster(i);
        self.game.reconnected(self.tick, player, &mut self.events);
        self.deliver_events();
        true
    }

    pub(super) fn remove(&mut self, i: usize, notify: bool, reason: LeaveReason) {
        let member = self.members.remove(i);
        self.game
            .leave(self.tick, member.player, reason, &mut self.events);
        debug!(player = member.player.0, ?reason, "left");
        if notify
            && let Some(outbox) = &member.outbox
            && let Some(bytes) = self.encode(&ServerMsg::Left)
        {
            let _ = outbox.push(OutFrame::Message(bytes));
        }
        self.roster_added.retain(|e| e.player != member.player);
        self.roster_removed.push(member.player);
        self.cap_roster_changes();
        self.deliver_events();
    }

    /// Frees the seats of members detached for longer than `limit`.
    pub(super) fn expire_detached(&mut self, limit: Duration) {
        let now = Instant::now();
        while let Some(i) = self.members.iter().position(|m| {
            m.detached_at
                .is_some_and(|t| now.duration_since(t) >= limit)
        }) {
            debug!(
                player = self.members[i].player.0,
                "resume grace over; seat freed"
            );
            self.remove(i, false, LeaveReason::Expired);
        }
    }

    /// Past [`MAX_ROSTER_CHANGES`] pending changes, forget them and send
    /// the whole roster at the next tick instead.
    fn cap_roster_changes(&mut self) {
        if self.roster_added.len() + self.roster_removed.len() > MAX_ROSTER_CHANGES {
            self.roster_added.clear();
            self.roster_removed.clear();
            self.roster_overflow = true;
        }
    }

    fn roster(&self) -> Vec<RosterEntry> {
        self.members.iter().map(Member::roster_entry).collect()
    }

    /// The whole roster, to one member (on join and resume).
    fn send_roster(&mut self, index: usize) {
        let players = self.roster();
        if let Some(bytes) = self.encode(&ServerMsg::Roster { players }) {
            self.send_control(index, bytes);
        }
    }

    /// Tells every member who joined and left since the last tick, in one
    /// message: membership churn costs each member at most one control
    /// message per tick, however many joined or left (a whole roster per
    /// change would be quadratic in a big lobby and overflow queues).
    pub(super) fn flush_roster_changes(&mut self) {
        let added = std::mem::take(&mut self.roster_added);
        let removed = std::mem::take(&mut self.roster_removed);
        let msg = if std::mem::take(&mut self.roster_overflow) {
            ServerMsg::Roster {
                players: self.roster(),
            }
        } else if added.is_empty() && removed.is_empty() {
            return;
        } else {
            ServerMsg::RosterUpdate { added, removed }
        };
        if let Some(bytes) = self.encode(&msg) {
            for i in 0..self.members.len() {
                self.send_control(i, bytes.clone());
            }
        }
    }
}
