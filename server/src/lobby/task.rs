//! One lobby's task, monomorphised on its game: the members, their pending
//! inputs and the tick loop around the game it owns (see the parent module
//! for the policies).

use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use bytes::Bytes;
use rallypoint_game::{Events, Game, LobbyParams, PlayerId, State, To};
use rallypoint_shared::{LobbyId, ServerMsg, encode_payload, encode_server_into};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, instrument, warn};

use super::Registry;
use super::admin::LobbyStats;
use super::handle::{Inbox, LobbyCmd, LobbyHandle, Sink};
use super::inputs::{snapshot_due, ticks_elapsed};
use super::members::{DETACH_MARGIN, Member};
use crate::outbox::OutFrame;
use crate::replication::{Encoder, Frames, Grid, Viewer};

/// What a lobby is, fixed at creation.
#[derive(Debug, Clone)]
pub struct LobbySpec {
    pub id: LobbyId,
    pub name: String,
    pub join_code: Option<String>,
    pub max_players: u8,
}

type GameState<G> = State<<G as Game>::Entity, <G as Game>::Row, <G as Game>::Singleton>;

pub(super) struct Lobby<G: Game> {
    pub spec: LobbySpec,
    pub game: G,
    /// The last tick stepped; 0 before the first.
    pub tick: u32,
    pub members: Vec<Member<G::Input>>,
    pub registry: Arc<Registry>,
    /// Lateness and bytes out, for the admin API.
    pub stats: LobbyStats,
    /// `tick`, for the handles.
    shared_tick: Arc<AtomicU32>,
    // Buffers reused every tick so a tick allocates only the frames it sends.
    pub inputs: Vec<(PlayerId, G::Input)>,
    pub msgs: Vec<(PlayerId, G::Msg)>,
    pub events: Events<G::Event>,
    state: GameState<G>,
    encode_buf: Vec<u8>,
    frames: Frames<G>,
    grid: Grid,
    encoder: Encoder<G>,
    /// Membership changes not yet sent as a `RosterUpdate`.
    pub roster_added: Vec<rallypoint_shared::RosterEntry>,
    pub roster_removed: Vec<PlayerId>,
    /// Too many changes piled up: send the whole roster at the next tick.
    pub roster_overflow: bool,
}

/// Creates a lobby of game `G`, starts its task and returns its handle
/// and the game's label.
pub(super) fn spawn<G: Game>(
    spec: LobbySpec,
    config: &G::Config,
    registry: Arc<Registry>,
    tracker: &tokio_util::task::TaskTracker,
    shutdown: CancellationToken,
) -> (LobbyHandle, String) {
    let (tx, rx) = mpsc::channel(super::LOBBY_INBOX_CAPACITY);
    let (inputs, inputs_rx) = mpsc::channel(super::LOBBY_INPUT_CAPACITY);
    let shared_tick = Arc::new(AtomicU32::new(0));
    let handle = LobbyHandle {
        id: spec.id,
        tx,
        inbound: Arc::new(Sink::<G> { tx: inputs }),
        tick: shared_tick.clone(),
    };
    let params = LobbyParams {
        tick_hz: registry.config().tick_hz,
        max_players: spec.max_players,
    };
    let game = G::create(config, &params);
    let label = game.label();
    let lobby = Lobby {
        spec,
        grid: Grid::new(game.interest()),
        game,
        tick: 0,
        members: Vec::new(),
        stats: LobbyStats::new(Instant::now()),
        registry,
        shared_tick,
        inputs: Vec::new(),
        msgs: Vec::new(),
        events: Events::new(),
        state: State::default(),
        encode_buf: Vec::with_capacity(1024),
        frames: Frames::new(),
        encoder: Encoder::new(),
        roster_added: Vec::new(),
        roster_removed: Vec::new(),
        roster_overflow: false,
    };
    tracker.spawn(lobby.run(rx, inputs_rx, shutdown));
    (handle, label)
}

impl<G: Game> Lobby<G> {
    #[instrument(skip_all, fields(lobby = self.spec.id.0, game = G::NAME))]
    async fn run(
        mut self,
        mut rx: mpsc::Receiver<LobbyCmd>,
        mut inputs: mpsc::Receiver<Inbox<G>>,
        shutdown: CancellationToken,
    ) {
        let config = self.registry.config();
        let period = config.tick_period();
        let idle_limit = config.lobby_idle();
        let detach_limit = config.resume_grace() + DETACH_MARGIN;
        let (mut ticker, timer_error) = super::timer::TickTimer::new(period, config.precise_timer);
        if let Some(e) = timer_error {
            warn!(error = %e, "no precise tick timer; using tokio's");
        }
        let mut empty_since = Some(Instant::now());
        let mut last_tick = Instant::now();
        // Tick liveness (crate::agones::ticks): stamped after every tick.
        let beat =
            crate::agones::ticks::TickBoard::of(&self.registry).join(self.spec.id, last_tick);
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
                        let Ok((player, incoming)) = inputs.try_recv() else { break };
                        self.incoming(player, incoming);
                    }
                    self.step(elapsed);
                    beat.ticked(started);
                    self.stats.ticked(late, started);
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
                    Some(cmd) => if self.handle(cmd).is_break() { break },
                    None => break,
                },
            }
        }
        self.game.end(self.tick);
        info!("lobby closed");
    }

    fn handle(&mut self, cmd: LobbyCmd) -> ControlFlow<()> {
        match cmd {
            LobbyCmd::Admin(cmd) => return self.admin(cmd),
            LobbyCmd::Join {
                player,
                name,
                outbox,
                seat,
                admitted,
            } => {
                let result = self.join(player, name, outbox, seat);
                if let Err(reason) = &result {
                    debug!(player = player.0, %reason, "join refused by the game");
                }
                let _ = admitted.send(result);
            }
            LobbyCmd::Leave {
                player,
                outbox,
                notify,
            } => {
                if let Some(i) = self.current(player, &outbox) {
                    self.remove(i, notify, rallypoint_game::LeaveReason::Left);
                }
            }
            LobbyCmd::Detach { player, outbox } => {
                if let Some(i) = self.current(player, &outbox) {
                    self.detach(i);
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
        ControlFlow::Continue(())
    }

    /// One simulation tick:
    /// 0) tell every member who joined or left since the last tick;
    /// 1) collect each member's pending inputs, in order, up to the cap;
    /// 2) step the game, and deliver the events it raised;
    /// 3) turn its declared state into this tick's frame (fixed point, once
    ///    for all) and file it in the interest grid;
    /// 4) encode and offer every member its snapshot: a delta against its
    ///    acknowledged baseline, or full.
    fn step(&mut self, elapsed: usize) {
        self.flush_roster_changes();
        self.collect_inputs(elapsed);
        self.tick = self.tick.wrapping_add(1);
        self.game
            .step(self.tick, &self.inputs, &self.msgs, &mut self.events);
        self.msgs.clear();
        self.deliver_events();
        self.shared_tick.store(self.tick, Ordering::Relaxed);
        self.game.write_state(&mut self.state);
        self.frames.push(self.tick, &self.state);
        let config = self.registry.config();
        if !snapshot_due(self.tick, config.tick_hz, config.snapshot_hz()) {
            return; // frames are kept every tick; snapshots go out at their rate
        }
        if let Some(frame) = self.frames.newest() {
            self.grid.rebuild(frame);
        }
        self.send_snapshots();
    }

    /// Sends the game's events, in the order raised, each encoded once and
    /// queued for every member it is for (members detached at the time miss
    /// it: what they must know is in the replicated state). The count of any
    /// the game raised past its cap is logged.
    pub(super) fn deliver_events(&mut self) {
        let mut events = std::mem::take(&mut self.events);
        let (drained, dropped) = events.drain();
        for (to, event) in drained {
            let msg = match encode_payload(&event) {
                Ok(payload) => ServerMsg::Event(payload),
                Err(e) => {
                    warn!(error = %e, ?event, "game event not encodable");
                    continue;
                }
            };
            let Some(bytes) = self.encode(&msg) else {
                continue;
            };
            for i in 0..self.members.len() {
                let player = self.members[i].player;
                let for_them = match to {
                    To::All => true,
                    To::One(p) => p == player,
                    To::AllBut(p) => p != player,
                };
                if for_them {
                    self.send_control(i, bytes.clone());
                }
            }
        }
        if dropped > 0 {
            warn!(dropped, "game raised too many events in one tick");
        }
        self.events = events;
    }

    fn send_snapshots(&mut self) {
        for m in &mut self.members {
            let Some(outbox) = &m.outbox else {
                continue;
            };
            let viewer = Viewer {
                player: m.player,
                avatar: m.avatar,
                last_input_seq: m.last_applied,
            };
            let encoded = self.encoder.encode(
                &self.frames,
                &self.grid,
                &mut m.replica,
                viewer,
                &mut self.encode_buf,
            );
            match encoded {
                Ok(Some(_)) => {
                    m.snapshots += 1;
                    self.stats.queued(self.encode_buf.len());
                    if outbox.push_snapshot(&self.encode_buf) {
                        crate::metrics::metrics().snapshots_replaced.inc();
                    }
                }
                Ok(None) => {}
                Err(e) => warn!(error = %e, "snapshot not encodable"),
            }
        }
    }

    pub(super) fn encode(&mut self, msg: &ServerMsg) -> Option<Bytes> {
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
    pub(super) fn send_control(&self, index: usize, bytes: Bytes) {
        let Some(m) = self.members.get(index) else {
            return;
        };
        let Some(outbox) = &m.outbox else {
            return;
        };
        self.stats.queued(bytes.len());
        if outbox.push(OutFrame::Message(bytes)).is_err() {
            warn!(
                player = m.player.0,
                "outbound queue full; closing slow client"
            );
            outbox.close(crate::close::POLICY, "outbound queue full");
        }
    }
}
