//! One lobby's task: the members, their pending inputs and the tick loop
//! around the world it owns (see the parent module for the policies).

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use bytes::Bytes;
use rallypoint_shared::{
    EntityId, InputFrame, LobbyId, PlayerId, PlayerState, ProjectileState, RosterEntry, ServerMsg,
    encode_server_into,
};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, instrument, warn};

use super::timer::TickTimer;
use super::{Outbox, Registry, Seat, World};
use crate::outbox::OutFrame;
use crate::replication::{Encoder, Frames, Grid, Replica};

/// Inputs of one member applied in a single tick. Default: 2. A client sends
/// one input per tick; allowing two lets a burst that arrives late after
/// network jitter drain within a few ticks, while capping how much faster
/// than the tick rate a cheating client can move (2x for one tick at most
/// per queued input).
pub const MAX_INPUTS_PER_TICK: usize = 2;

/// Pending inputs at or below which a tick applies just one: a client
/// sends one input per tick, so a queue this short is jitter (two inputs
/// landing between the same pair of ticks), not lag. Applying one keeps the
/// player moving one step every tick instead of two steps then none, which
/// is smoother to watch and cheaper to replicate (a steady track costs no
/// bytes). Default: 2. A longer queue is lag, and drains at
/// [`MAX_INPUTS_PER_TICK`].
pub const STEADY_PENDING_INPUTS: usize = 2;

/// Whether tick `tick` sends snapshots, at `snapshot_hz` of `tick_hz`: when
/// `tick * snapshot_hz / tick_hz` moves on to the next whole number, so
/// snapshots are spread as evenly as the ticks allow (every tick at equal
/// rates, every other tick at half).
fn snapshot_due(tick: u32, tick_hz: u16, snapshot_hz: u16) -> bool {
    let (t, s, hz) = (
        u64::from(tick),
        u64::from(snapshot_hz),
        u64::from(tick_hz.max(1)),
    );
    t == 0 || (t * s) / hz != ((t - 1) * s) / hz
}

/// How many of `pending` queued inputs a tick applies, when `elapsed` tick
/// periods have passed since the last tick (1 on time; more when the
/// machine was too busy and deadlines were skipped). Per period: one while
/// the queue is short, up to [`MAX_INPUTS_PER_TICK`] to drain a backlog.
/// Scaling by the periods that really passed keeps a starved lobby applying
/// inputs as fast as clients send them, instead of letting queues fill and
/// drop inputs (which breaks every client's reconciliation), and gives a
/// client no more than it gets on time: at most two inputs a period.
fn inputs_this_tick(pending: usize, elapsed: usize) -> usize {
    let elapsed = elapsed.clamp(1, MAX_PENDING_INPUTS);
    if pending <= STEADY_PENDING_INPUTS * elapsed {
        pending.min(elapsed)
    } else {
        pending.min(MAX_INPUTS_PER_TICK * elapsed)
    }
}

/// Whole tick periods in `since_last`, at least 1: how many ticks should
/// have run since the previous one.
fn ticks_elapsed(since_last: Duration, period: Duration) -> usize {
    let periods = since_last.as_secs_f64() / period.as_secs_f64().max(1e-9);
    (periods.round() as usize).max(1)
}

/// Inputs one member may have waiting. Default: 32, about a second at 30 Hz.
/// When full, the oldest pending input is dropped: the newest intent wins.
pub const MAX_PENDING_INPUTS: usize = 32;

/// Most joins and leaves one `RosterUpdate` lists. Default: 64. Past it the
/// pending changes are dropped and the next tick sends the whole roster
/// instead (at most 255 names), so the pending list and one update stay
/// bounded whatever the churn.
pub const MAX_ROSTER_CHANGES: usize = 64;

/// What a lobby is, fixed at creation.
#[derive(Debug, Clone)]
pub struct LobbySpec {
    pub id: LobbyId,
    pub name: String,
    pub join_code: Option<String>,
    pub max_players: u8,
}

/// A request to a lobby. Commands about a player carry the outbox of the
/// connection that sent them; a lobby ignores a `Leave` or `Detach` from a
/// connection the player has since replaced by resuming.
pub enum LobbyCmd {
    /// Add a player who holds a seat. The lobby keeps the seat until the
    /// player is gone for good, and answers with `Joined` and a `Roster`;
    /// the others hear of it in the next tick's `RosterUpdate`.
    Join {
        player: PlayerId,
        name: String,
        outbox: Arc<Outbox>,
        seat: Seat,
    },
    /// Remove a player; `notify` sends `Left` (a voluntary leave).
    Leave {
        player: PlayerId,
        outbox: Arc<Outbox>,
        notify: bool,
    },
    /// The player's connection dropped: keep its entity and seat for the
    /// resume grace period, send it nothing.
    Detach {
        player: PlayerId,
        outbox: Arc<Outbox>,
    },
    /// The player resumed on a new connection: send there from now on,
    /// starting with `Joined` (same entity) and a `Roster`. `found` says
    /// whether the lobby still held the player's seat.
    Reattach {
        player: PlayerId,
        outbox: Arc<Outbox>,
        found: oneshot::Sender<bool>,
    },
}

/// A cheap, cloneable way to reach a lobby's task.
#[derive(Clone)]
pub struct LobbyHandle {
    pub id: LobbyId,
    tx: mpsc::Sender<LobbyCmd>,
    inputs: mpsc::Sender<(PlayerId, InputFrame)>,
    tick: Arc<AtomicU32>,
}

/// The lobby's task has ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("lobby closed")]
pub struct LobbyClosed;

impl LobbyHandle {
    /// Sends a join or leave; waits for room in the channel (the connection
    /// waits, never the tick).
    pub async fn send(&self, cmd: LobbyCmd) -> Result<(), LobbyClosed> {
        self.tx.send(cmd).await.map_err(|_| LobbyClosed)
    }

    /// Offers an input for the next tick, without waiting and without
    /// waking the lobby. Returns false if it was dropped because the input
    /// channel is full or the lobby closed.
    pub fn offer_input(&self, player: PlayerId, input: InputFrame) -> bool {
        self.inputs.try_send((player, input)).is_ok()
    }

    /// The last tick the lobby simulated.
    pub fn tick(&self) -> u32 {
        self.tick.load(Ordering::Relaxed)
    }
}

/// How much longer than the resume grace a lobby holds a detached member.
/// The session table decides whether a resume is in time; this margin makes
/// sure the member is still here when an in-time resume's `Reattach`
/// arrives. Default: 2 s.
pub const DETACH_MARGIN: Duration = Duration::from_secs(2);

struct Member {
    player: PlayerId,
    name: String,
    entity: EntityId,
    /// The connection to send to; `None` while detached.
    outbox: Option<Arc<Outbox>>,
    /// When the connection dropped, while detached.
    detached_at: Option<Instant>,
    /// Held until the member is gone for good.
    _seat: Seat,
    pending: VecDeque<InputFrame>,
    /// Highest seq applied, echoed in snapshots.
    last_applied: u32,
    /// Highest seq accepted into `pending`; older or repeated ones are stale.
    last_accepted: u32,
    /// What recent snapshots gave this member, and its newest ack.
    replica: Replica,
}

pub(super) struct Lobby {
    spec: LobbySpec,
    world: World,
    members: Vec<Member>,
    registry: Arc<Registry>,
    tick: Arc<AtomicU32>,
    // Buffers reused every tick so a tick allocates only the frames it sends.
    inputs: Vec<(EntityId, InputFrame)>,
    players: Vec<PlayerState>,
    projectiles: Vec<ProjectileState>,
    encode_buf: Vec<u8>,
    frames: Frames,
    grid: Grid,
    encoder: Encoder,
    /// Membership changes not yet sent as a `RosterUpdate`.
    roster_added: Vec<RosterEntry>,
    roster_removed: Vec<EntityId>,
    /// Too many changes piled up: send the whole roster at the next tick.
    roster_overflow: bool,
}

/// Starts a lobby's task and returns its handle.
pub(super) fn spawn(
    spec: LobbySpec,
    world: World,
    registry: Arc<Registry>,
    tracker: &tokio_util::task::TaskTracker,
    shutdown: CancellationToken,
) -> LobbyHandle {
    let (tx, rx) = mpsc::channel(super::LOBBY_INBOX_CAPACITY);
    let (inputs, inputs_rx) = mpsc::channel(super::LOBBY_INPUT_CAPACITY);
    let tick = Arc::new(AtomicU32::new(world.tick()));
    let handle = LobbyHandle {
        id: spec.id,
        tx,
        inputs,
        tick: tick.clone(),
    };
    let grid = Grid::new(&world.map().info.bounds, world.map().view_distance);
    let lobby = Lobby {
        spec,
        world,
        members: Vec::new(),
        registry,
        tick,
        inputs: Vec::new(),
        players: Vec::new(),
        projectiles: Vec::new(),
        encode_buf: Vec::with_capacity(1024),
        frames: Frames::new(),
        grid,
        encoder: Encoder::new(),
        roster_added: Vec::new(),
        roster_removed: Vec::new(),
        roster_overflow: false,
    };
    tracker.spawn(lobby.run(rx, inputs_rx, shutdown));
    handle
}

impl Lobby {
    #[instrument(skip_all, fields(lobby = self.spec.id.0))]
    async fn run(
        mut self,
        mut rx: mpsc::Receiver<LobbyCmd>,
        mut inputs: mpsc::Receiver<(PlayerId, InputFrame)>,
        shutdown: CancellationToken,
    ) {
        let period = Duration::from_secs(1) / u32::from(self.world.config().tick_hz);
        let idle_limit = self.registry.config().lobby_idle();
        let detach_limit = self.registry.config().resume_grace() + DETACH_MARGIN;
        let precise = self.registry.config().precise_timer;
        let (mut ticker, timer_error) = TickTimer::new(period, precise);
        if let Some(e) = timer_error {
            warn!(error = %e, "no precise tick timer; using tokio's");
        }
        let mut empty_since = Some(Instant::now());
        let mut last_tick = Instant::now();
        info!(name = %self.spec.name, max_players = self.spec.max_players, "lobby open");
        loop {
            tokio::select! {
                biased;
                _ = shutdown.cancelled() => break,
                deadline = ticker.tick() => {
                    let late = Instant::now().saturating_duration_since(deadline);
                    if late > period {
                        warn!(late_ms = late.as_millis() as u64, "tick overran; skipping missed deadlines");
                    }
                    let started = Instant::now();
                    // Deadlines skipped since the last tick (a starved
                    // machine): inputs keep pace with the clock, not the
                    // ticks, or queues would overflow and drop them.
                    let elapsed = ticks_elapsed(started.saturating_duration_since(last_tick), period);
                    last_tick = started;
                    // Never polled between ticks, so a sender wakes nobody.
                    for _ in 0..super::LOBBY_INPUT_CAPACITY {
                        let Ok((player, input)) = inputs.try_recv() else { break };
                        self.queue_input(player, input);
                    }
                    self.tick(elapsed);
                    crate::metrics::metrics().tick(started.elapsed(), late);
                    self.expire_detached(detach_limit);
                    match (self.members.is_empty(), empty_since) {
                        (false, _) => empty_since = None,
                        (true, None) => empty_since = Some(Instant::now()),
                        (true, Some(since)) if since.elapsed() >= idle_limit
                            && self.registry.remove_if_unused(self.spec.id) => break,
                        (true, Some(_)) => {}
                    }
                }
                cmd = rx.recv() => match cmd {
                    Some(cmd) => self.handle(cmd),
                    None => break,
                },
            }
        }
        info!("lobby closed");
    }

    fn handle(&mut self, cmd: LobbyCmd) {
        match cmd {
            LobbyCmd::Join {
                player,
                name,
                outbox,
                seat,
            } => self.join(player, name, outbox, seat),
            LobbyCmd::Leave {
                player,
                outbox,
                notify,
            } => {
                if let Some(i) = self.current(player, &outbox) {
                    self.remove(i, notify);
                }
            }
            LobbyCmd::Detach { player, outbox } => {
                if let Some(i) = self.current(player, &outbox) {
                    let m = &mut self.members[i];
                    m.outbox = None;
                    m.detached_at = Some(Instant::now());
                    m.pending.clear();
                    debug!(player = player.0, "detached; seat held for resume");
                }
            }
            LobbyCmd::Reattach {
                player,
                outbox,
                found,
            } => {
                let _ = found.send(self.reattach(player, outbox));
            }
        }
    }

    /// The index of `player` if `outbox` is its current connection.
    fn current(&self, player: PlayerId, outbox: &Arc<Outbox>) -> Option<usize> {
        self.members.iter().position(|m| {
            m.player == player && m.outbox.as_ref().is_some_and(|o| Arc::ptr_eq(o, outbox))
        })
    }

    fn joined_msg(&self, entity: EntityId) -> ServerMsg {
        ServerMsg::Joined {
            lobby: self.spec.id,
            join_code: self.spec.join_code.clone(),
            max_players: self.spec.max_players,
            entity,
            map: self.world.map().info.clone(),
            tick: self.world.tick(),
        }
    }

    fn join(&mut self, player: PlayerId, name: String, outbox: Arc<Outbox>, seat: Seat) {
        let entity = self.world.spawn_player();
        let joined = self.joined_msg(entity);
        debug!(player = player.0, ?entity, "joined");
        self.members.push(Member {
            player,
            name,
            entity,
            outbox: Some(outbox),
            detached_at: None,
            _seat: seat,
            pending: VecDeque::new(),
            last_applied: 0,
            last_accepted: 0,
            replica: Replica::new(),
        });
        let i = self.members.len() - 1;
        if let Some(bytes) = self.encode(&joined) {
            self.send_control(i, bytes);
        }
        self.send_roster(i);
        let m = &self.members[i];
        let entry = RosterEntry {
            entity: m.entity,
            player: m.player,
            name: m.name.clone(),
        };
        self.roster_added.push(entry);
        self.cap_roster_changes();
    }

    /// Points a detached member at its new connection; false if the
    /// member is gone (its grace ran out).
    fn reattach(&mut self, player: PlayerId, outbox: Arc<Outbox>) -> bool {
        let Some(i) = self.members.iter().position(|m| m.player == player) else {
            return false;
        };
        let m = &mut self.members[i];
        m.outbox = Some(outbox);
        m.detached_at = None;
        // The new connection's client holds no views: start with a full one.
        m.replica.reset();
        let joined = self.joined_msg(self.members[i].entity);
        debug!(player = player.0, "resumed");
        if let Some(bytes) = self.encode(&joined) {
            self.send_control(i, bytes);
        }
        self.send_roster(i);
        true
    }

    fn remove(&mut self, i: usize, notify: bool) {
        let member = self.members.remove(i);
        self.world.remove_player(member.entity);
        debug!(player = member.player.0, "left");
        if notify
            && let Some(outbox) = &member.outbox
            && let Some(bytes) = self.encode(&ServerMsg::Left)
        {
            let _ = outbox.push(OutFrame::Message(bytes));
        }
        self.roster_added.retain(|e| e.entity != member.entity);
        self.roster_removed.push(member.entity);
        self.cap_roster_changes();
    }

    /// Frees the seats of members detached for longer than `limit`.
    fn expire_detached(&mut self, limit: Duration) {
        let now = Instant::now();
        while let Some(i) = self.members.iter().position(|m| {
            m.detached_at
                .is_some_and(|t| now.duration_since(t) >= limit)
        }) {
            debug!(
                player = self.members[i].player.0,
                "resume grace over; seat freed"
            );
            self.remove(i, false);
        }
    }

    fn queue_input(&mut self, player: PlayerId, input: InputFrame) {
        let Some(m) = self.members.iter_mut().find(|m| m.player == player) else {
            return;
        };
        if m.outbox.is_none() {
            return;
        }
        // Even a stale input's ack is news: it names a baseline.
        m.replica.ack(input.ack_tick);
        if input.seq <= m.last_accepted {
            // Stale or repeated: each seq is applied at most once.
            crate::metrics::metrics().reject_input("stale seq");
            return;
        }
        m.last_accepted = input.seq;
        if m.pending.len() >= MAX_PENDING_INPUTS {
            m.pending.pop_front();
            crate::metrics::metrics().reject_input("pending queue full");
        }
        m.pending.push_back(input);
    }

    /// One simulation tick:
    /// 0) tell every member who joined or left since the last tick;
    /// 1) collect each member's pending inputs, in order, up to the cap;
    /// 2) step the world;
    /// 3) turn its state into this tick's frame (fixed point, once for all)
    ///    and file it in the interest grid;
    /// 4) encode and offer every member its snapshot: a delta against its
    ///    acknowledged baseline, or full.
    fn tick(&mut self, elapsed: usize) {
        self.flush_roster_changes();
        self.collect_inputs(elapsed);
        let events = self.world.step(&self.inputs);
        for event in &events {
            debug!(?event, "game event");
        }
        let tick = self.world.tick();
        self.tick.store(tick, Ordering::Relaxed);
        self.world
            .write_state(&mut self.players, &mut self.projectiles);
        self.frames.push(
            tick,
            &self.players,
            &self.projectiles,
            self.world.config().tick_hz,
        );
        let config = self.registry.config();
        if !snapshot_due(tick, config.tick_hz, config.snapshot_hz()) {
            return; // frames are kept every tick; snapshots go out at their rate
        }
        if let Some(frame) = self.frames.newest() {
            self.grid.rebuild(frame);
        }
        self.send_snapshots();
    }

    fn collect_inputs(&mut self, elapsed: usize) {
        self.inputs.clear();
        for m in &mut self.members {
            let n = inputs_this_tick(m.pending.len(), elapsed);
            for input in m.pending.drain(..n) {
                m.last_applied = input.seq;
                self.inputs.push((m.entity, input));
            }
        }
    }

    fn send_snapshots(&mut self) {
        for m in &mut self.members {
            let Some(outbox) = &m.outbox else {
                continue;
            };
            let encoded = self.encoder.encode(
                &self.frames,
                &self.grid,
                &mut m.replica,
                m.entity,
                m.last_applied,
                &mut self.encode_buf,
            );
            match encoded {
                Ok(Some(_)) => {
                    if outbox.push_snapshot(&self.encode_buf) {
                        crate::metrics::metrics().snapshots_replaced.inc();
                    }
                }
                Ok(None) => {}
                Err(e) => warn!(error = %e, "snapshot not encodable"),
            }
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
        self.members
            .iter()
            .map(|m| RosterEntry {
                entity: m.entity,
                player: m.player,
                name: m.name.clone(),
            })
            .collect()
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
    fn flush_roster_changes(&mut self) {
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

    fn encode(&mut self, msg: &ServerMsg) -> Option<Bytes> {
        self.encode_buf.clear();
        match encode_server_into(msg, &mut self.encode_buf) {
            Ok(()) => Some(Bytes::copy_from_slice(&self.encode_buf)),
            Err(e) => {
                warn!(error = %e, "message not encodable");
                None
            }
        }
    }

    /// Queues a control message; a member whose queue is full is too slow
    /// and gets closed (its connection then leaves the lobby).
    fn send_control(&self, index: usize, bytes: Bytes) {
        let Some(m) = self.members.get(index) else {
            return;
        };
        let Some(outbox) = &m.outbox else {
            return;
        };
        if outbox.push(OutFrame::Message(bytes)).is_err() {
            warn!(
                player = m.player.0,
                "outbound queue full; closing slow client"
            );
            outbox.close(crate::close::POLICY, "outbound queue full");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_are_spread_evenly_at_their_rate() {
        let due = |tick_hz, snapshot_hz| {
            (1..=60)
                .filter(|&t| snapshot_due(t, tick_hz, snapshot_hz))
                .collect::<Vec<u32>>()
        };
        assert_eq!(due(30, 30).len(), 60);
        let half = due(30, 15);
        assert_eq!(half.len(), 30);
        assert!(half.iter().all(|t| t % 2 == 0), "{half:?}");
        let twenty = due(30, 20);
        assert_eq!(twenty.len(), 40);
        assert!(twenty.windows(2).all(|w| (1..=2).contains(&(w[1] - w[0]))));
        assert_eq!(due(30, 1).len(), 2);
    }

    #[test]
    fn a_short_queue_is_applied_one_a_tick_and_a_long_one_drains_faster() {
        let applied: Vec<usize> = (0..=5).map(|n| inputs_this_tick(n, 1)).collect();
        assert_eq!(applied, [0, 1, 1, 2, 2, 2]);
        assert_eq!(inputs_this_tick(MAX_PENDING_INPUTS, 1), MAX_INPUTS_PER_TICK);
    }

    #[test]
    fn a_late_tick_applies_the_inputs_of_every_period_it_missed() {
        // Three periods since the last tick: three inputs for a steady
        // client, up to six to drain a backlog, never the whole queue.
        assert_eq!(inputs_this_tick(3, 3), 3);
        assert_eq!(inputs_this_tick(2, 3), 2);
        assert_eq!(inputs_this_tick(20, 3), 6);
        let period = Duration::from_millis(33);
        assert_eq!(ticks_elapsed(Duration::from_millis(30), period), 1);
        assert_eq!(ticks_elapsed(Duration::ZERO, period), 1);
        assert_eq!(ticks_elapsed(Duration::from_millis(100), period), 3);
    }
}
