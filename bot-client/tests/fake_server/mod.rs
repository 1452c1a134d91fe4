//! A scripted stand-in for the Rallypoint server (protocol v6, hosting
//! arena only), to drive
//! the bot client through the cases the real server rarely produces on
//! demand: refusals, silence, kicks, shutdowns, unknown messages, a missing
//! `Left`, rejected resumes, lost scores and deltas against a baseline the
//! client does not hold.
//!
//! It speaks the real protocol through the shared codec. Every created
//! lobby has the join code [`CODE`]; it ticks at 30 Hz, and snapshots go
//! out every tick (every other one with [`Script::HalfRate`], as `Welcome`
//! says) while the session is in a lobby: a full one after each join and
//! resume, then
//! deltas against the tick the client acknowledges (see [`world`]), with
//! the player moved by its inputs, and its own kills and deaths (3 and 2
//! at the join, then a kill every 15 ticks, each also announced as arena's
//! `Killed` event). `Welcome` carries a fresh
//! resume token; a session whose connection drops (end of stream without
//! a close frame) can be resumed with it, once; tokens do not expire here,
//! and the old connection's inputs are ignored from then on. A `Hello`
//! with another protocol version is refused (`VersionMismatch`) and closed,
//! and every input's `ack_tick` is checked against the snapshots sent to
//! its session. A `CreateLobby` or `QuickJoin` of another game than arena
//! is refused (`InvalidField`), as are `Game` and `Ack` messages (arena
//! takes neither). Inputs come one per `Input` or batched in `Inputs`; a batch
//! of none or of more than `MAX_INPUTS_PER_MESSAGE` is refused whole with
//! `InvalidField`, as the real server does.
//!
//! Like the real server it checks liveness and rate (see [`liveness`]): it
//! pings every [`PING_EVERY`] and closes (1008) a connection that leaves a
//! ping unanswered for a second or sends over 150 frames a second beyond a
//! burst of 300. [`FakeStats`] counts what happened, for the tests to check.
//!
//! A fake can also play a node of a fleet ([`start_routed`]): with
//! [`Route::To`] it answers every `JoinLobby` by code or id and every
//! `QuickJoin` with a `Redirect` to another fake (creates stay local, as
//! on a real node), with [`Route::Loop`] it redirects every join, tickets
//! included, to itself. Every fake seats a ticket any fake issued, once,
//! for the name it was issued to (so the bot must say `Hello` with the
//! same name on the new node), unless [`Script::RejectTickets`] has it
//! refuse them all with `TicketRejected` (the connection stays open).

mod fleet;
mod liveness;
mod stats;
mod wire;
mod world;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fastwebsockets::upgrade::{self, UpgradeFut};
use fastwebsockets::{FragmentCollectorRead, Frame, OpCode, WebSocketError};
use hyper::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rallypoint_arena::{InputFrame, PLAYER};
use rallypoint_shared::{
    ClientMsg, EntityRef, ErrorCode, Input, JoinTarget, MAX_INPUTS_PER_MESSAGE, PROTOCOL_VERSION,
    PlayerId, ResumeToken, ServerMsg, decode_client, decode_payload,
};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

pub use fleet::Route;
pub use liveness::PING_EVERY;
use liveness::{Liveness, pinger};
pub use stats::FakeStats;
use wire::{Out, OutTx, joined_msg, roster, roster_update, ticker, writer};
use world::World;

/// The join code of every lobby the fake creates.
pub const CODE: &str = "FAKE1";

/// How the fake behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    /// Plays by the protocol.
    Play,
    /// Refuses every create and join with this code.
    Refuse(ErrorCode),
    /// Never answers `Hello`.
    Silent,
    /// Sends `Error(RateLimited)` and closes (1008) 300 ms after `Joined`.
    CloseAfterJoin,
    /// Plays, but the whole fake shuts down 300 ms after the first
    /// `Joined`: `ShuttingDown` to every connection, `Error(ShuttingDown)`
    /// to any `Hello` or `Resume`, and a close with 1001 200 ms later.
    ShutDown,
    /// Plays, but also sends undecodable bytes, a text frame, an
    /// unsolicited `LobbyList` and a `RosterUpdate` after each join.
    Noisy,
    /// Plays, but never answers `LeaveLobby`.
    NoLeft,
    /// Stops sending snapshots 300 ms after `Joined`, but stays connected.
    Stall,
    /// Plays, but refuses every `Resume` with `ResumeRejected` and a close.
    RejectResume,
    /// Plays, but a resumed session's kills and deaths restart at 0.
    LoseScore,
    /// Plays, but skips every 20th tick and sends the next as a delta
    /// against it, which the client cannot apply.
    UnheldBaseline,
    /// Plays, but sends snapshots at 15 a second (`Welcome.snapshot_hz`),
    /// after every other tick.
    HalfRate,
    /// Plays, but refuses every join ticket with `TicketRejected`.
    RejectTickets,
}

/// A running fake.
pub struct Fake {
    pub addr: SocketAddr,
    /// Its WebSocket URL, `ws://{addr}/ws`.
    pub url: String,
    pub stats: Arc<FakeStats>,
}

impl Fake {
    pub fn get(&self, counter: impl Fn(&FakeStats) -> &AtomicU64) -> u64 {
        counter(&self.stats).load(Ordering::Relaxed)
    }
}

/// One session: it outlives its connection, so it can be resumed.
struct Player {
    id: PlayerId,
    entity: EntityRef,
    joined: AtomicBool,
    /// The connection serving the session now; others are ignored.
    conn: AtomicU64,
    world: Mutex<World>,
    tick: AtomicU32,
    /// The newest `ack_tick` since the latest `Joined`, which reset it to
    /// 0: the client forgets its views then.
    ack_tick: AtomicU32,
    kills: AtomicU32,
    deaths: AtomicU32,
}

struct Server {
    script: Script,
    stats: Arc<FakeStats>,
    /// Live resume tokens.
    tokens: Mutex<HashMap<ResumeToken, Arc<Player>>>,
    next_id: AtomicU64,
    /// For [`Script::ShutDown`]: the shutdown is scheduled, announced,
    /// and over.
    shutdown_scheduled: AtomicBool,
    draining: AtomicBool,
    closing: AtomicBool,
    /// Where joins by code or id and quick-joins are redirected.
    redirect_to: Option<String>,
    /// Tickets are redirected too ([`Route::Loop`]).
    redirect_tickets: bool,
    /// Tickets seated here already.
    used_tickets: Mutex<HashSet<Vec<u8>>>,
}

/// Starts the fake on a free loopback port.
pub async fn start(script: Script) -> Fake {
    start_routed(script, Route::Local).await
}

/// Starts the fake on a free loopback port as a node that redirects some
/// joins (see [`Route`]).
pub async fn start_routed(script: Script, route: Route) -> Fake {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let url = format!("ws://{addr}/ws");
    let stats = Arc::new(FakeStats::default());
    let (redirect_to, redirect_tickets) = match route {
        Route::Local => (None, false),
        Route::To(url) => (Some(url), false),
        Route::Loop => (Some(url.clone()), true),
    };
    let server = Arc::new(Server {
        script,
        stats: Arc::clone(&stats),
        tokens: Mutex::new(HashMap::new()),
        next_id: AtomicU64::new(1),
        shutdown_scheduled: AtomicBool::new(false),
        draining: AtomicBool::new(false),
        closing: AtomicBool::new(false),
        redirect_to,
        redirect_tickets,
        used_tickets: Mutex::new(HashSet::new()),
    });
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve_http(stream, Arc::clone(&server)));
        }
    });
    Fake { addr, url, stats }
}

async fn serve_http(stream: TcpStream, server: Arc<Server>) {
    let service = service_fn(move |mut req: Request<Incoming>| {
        let server = Arc::clone(&server);
        async move {
            let (response, upgraded) = upgrade::upgrade(&mut req)?;
            tokio::spawn(connection(upgraded, server));
            Ok::<_, WebSocketError>(response)
        }
    });
    let _ = http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades()
        .await;
}

/// One connection: the session it serves once `Hello` or `Resume` named
/// it.
struct Conn {
    server: Arc<Server>,
    out: OutTx,
    player: Option<Arc<Player>>,
    /// This connection's id, set at `Welcome`.
    id: u64,
    /// The name `Hello` gave.
    name: String,
    /// A `Redirect` was sent on this connection.
    redirected: bool,
}

async fn connection(upgraded: UpgradeFut, server: Arc<Server>) {
    let Ok(ws) = upgraded.await else { return };
    let (mut rx, tx) = ws.split(tokio::io::split);
    rx.set_auto_close(false);
    rx.set_auto_pong(false);
    let mut rx = FragmentCollectorRead::new(rx);
    let (out, out_rx) = mpsc::unbounded_channel();
    tokio::spawn(writer(tx, out_rx));
    let liveness = Arc::new(Liveness::new(Arc::clone(&server.stats)));
    tokio::spawn(pinger(Arc::clone(&liveness), out.clone()));
    let mut conn = Conn {
        server,
        out,
        player: None,
        id: 0,
        name: String::new(),
        redirected: false,
    };
    let mut no_writes = |_: Frame<'_>| std::future::ready(Ok::<(), std::convert::Infallible>(()));
    while let Ok(frame) = rx.read_frame(&mut no_writes).await {
        if !liveness.on_frame() {
            conn.kick(ErrorCode::RateLimited);
            return;
        }
        match frame.opcode {
            OpCode::Close => {
                let code = frame
                    .payload
                    .get(..2)
                    .map(|b| u16::from_be_bytes([b[0], b[1]]));
                if conn.redirected && code == Some(1000) {
                    (conn.server.stats.redirected_closes).fetch_add(1, Ordering::Relaxed);
                }
                let _ = conn.out.send(Out::Close(1000));
                return;
            }
            OpCode::Pong => liveness.on_pong(&frame.payload),
            OpCode::Binary => match decode_client(&frame.payload) {
                Ok(msg) => conn.handle(msg),
                Err(_) => {
                    let _ = conn.out.send(Out::Close(1002));
                    return;
                }
            },
            _ => {}
        }
    }
    // End of stream without a close frame: the session stays resumable.
    if conn
        .player
        .as_ref()
        .is_some_and(|p| p.joined.load(Ordering::Relaxed))
    {
        conn.server.stats.drops.fetch_add(1, Ordering::Relaxed);
    }
    let _ = conn.out.send(Out::Hangup);
}

impl Conn {
    fn send(&self, msg: ServerMsg) {
        let _ = self.out.send(Out::Msg(msg));
    }

    /// Refuses one message with `InvalidField`; the connection stays.
    fn refuse(&self, why: &str) {
        self.server.stats.refused.fetch_add(1, Ordering::Relaxed);
        self.send(ServerMsg::Error {
            code: ErrorCode::InvalidField,
            message: why.into(),
        });
    }

    fn kick(&self, code: ErrorCode) {
        self.send(ServerMsg::Error {
            code,
            message: "scripted kick".into(),
        });
        let _ = self.out.send(Out::Close(1008));
    }

    fn handle(&mut self, msg: ClientMsg) {
        let script = self.server.script;
        let player = self.player.clone();
        match msg {
            ClientMsg::Hello { .. } | ClientMsg::Resume { .. }
                if self.server.draining.load(Ordering::Relaxed) =>
            {
                self.send(ServerMsg::Error {
                    code: ErrorCode::ShuttingDown,
                    message: "draining".into(),
                });
                let _ = self.out.send(Out::Close(1001));
            }
            ClientMsg::Hello {
                protocol_version, ..
            } if protocol_version != PROTOCOL_VERSION => {
                self.send(ServerMsg::Error {
                    code: ErrorCode::VersionMismatch,
                    message: "wrong protocol version".into(),
                });
                let _ = self.out.send(Out::Close(1002));
            }
            ClientMsg::Hello { .. } if script == Script::Silent => {}
            ClientMsg::Hello { name, .. } => {
                self.name = name;
                self.hello();
            }
            ClientMsg::Resume { token, .. } => self.resume(token),
            ClientMsg::CreateLobby { ref game, .. } | ClientMsg::QuickJoin { ref game }
                if game != "arena" =>
            {
                self.refuse("no game named that; this server hosts: arena");
            }
            ClientMsg::JoinLobby(JoinTarget::Ticket(ticket)) if !self.server.redirect_tickets => {
                self.ticket(ticket);
            }
            ClientMsg::JoinLobby(_) | ClientMsg::QuickJoin { .. }
                if self.server.redirect_to.is_some() =>
            {
                self.redirect();
            }
            ClientMsg::CreateLobby { .. }
            | ClientMsg::JoinLobby(_)
            | ClientMsg::QuickJoin { .. }
                if matches!(script, Script::Refuse(_)) =>
            {
                let Script::Refuse(code) = script else {
                    unreachable!()
                };
                self.send(ServerMsg::Error {
                    code,
                    message: "scripted refusal".into(),
                });
            }
            ClientMsg::CreateLobby { max_players, .. } => self.join(Some(max_players)),
            ClientMsg::JoinLobby(JoinTarget::Code(code)) if code == CODE => self.join(None),
            ClientMsg::JoinLobby(_) => self.send(ServerMsg::Error {
                code: ErrorCode::LobbyNotFound,
                message: "no such lobby".into(),
            }),
            ClientMsg::QuickJoin { .. } => self.join(None),
            ClientMsg::Game(_) => self.refuse("arena takes no game messages"),
            ClientMsg::Ack { .. } => self.refuse("arena acknowledges in its inputs"),
            ClientMsg::Input(input) => self.inputs(player, &[input]),
            ClientMsg::Inputs(inputs) => {
                let stats = &self.server.stats;
                stats.batches.fetch_add(1, Ordering::Relaxed);
                if inputs.is_empty() || inputs.len() > MAX_INPUTS_PER_MESSAGE {
                    stats.batches_refused.fetch_add(1, Ordering::Relaxed);
                    self.send(ServerMsg::Error {
                        code: ErrorCode::InvalidField,
                        message: "bad batch".into(),
                    });
                } else {
                    self.inputs(player, &inputs);
                }
            }
            ClientMsg::Ping { client_time } => self.send(ServerMsg::Pong {
                client_time,
                tick: player.map_or(0, |p| p.tick.load(Ordering::Relaxed)),
            }),
            ClientMsg::LeaveLobby => {
                if let Some(p) = player {
                    p.joined.store(false, Ordering::Relaxed);
                }
                if script != Script::NoLeft {
                    self.send(ServerMsg::Left);
                }
            }
            ClientMsg::ListLobbies => self.send(ServerMsg::LobbyList { lobbies: vec![] }),
        }
    }

    /// One message's inputs, in order: each applied at once and checked.
    fn inputs(&self, player: Option<Arc<Player>>, inputs: &[Input]) {
        let stats = &self.server.stats;
        stats.input_messages.fetch_add(1, Ordering::Relaxed);
        stats
            .inputs
            .fetch_add(inputs.len() as u64, Ordering::Relaxed);
        // A dropped connection's last inputs may be read after the resume:
        // the session is no longer theirs.
        let Some(p) = player.filter(|p| p.conn.load(Ordering::Relaxed) == self.id) else {
            return;
        };
        for input in inputs {
            // The envelope's seq and ack_tick around arena's payload.
            let Ok(frame) = decode_payload::<InputFrame>(&input.payload.0) else {
                self.refuse("not an arena input");
                continue;
            };
            let frame = InputFrame {
                seq: input.seq,
                ack_tick: input.ack_tick,
                ..frame
            };
            p.world.lock().unwrap().on_input(&frame);
            self.check_input(&p, &frame);
        }
    }

    /// Counts hitscan shots, and checks `ack_tick`: a tick whose view the
    /// client can hold (sent to it, and not as a delta it could not apply),
    /// not older than its last one since the latest `Joined`.
    fn check_input(&self, player: &Player, input: &InputFrame) {
        let stats = &self.server.stats;
        if input.hitscan {
            stats.hitscan_inputs.fetch_add(1, Ordering::Relaxed);
        }
        if input.ack_tick > 0 {
            stats.acking_inputs.fetch_add(1, Ordering::Relaxed);
        }
        let before = player.ack_tick.fetch_max(input.ack_tick, Ordering::Relaxed);
        let holdable = player.world.lock().unwrap().could_hold(input.ack_tick);
        if input.ack_tick < before || !holdable {
            stats.acks_bad.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn hello(&mut self) {
        let id = self.server.next_id.fetch_add(1, Ordering::Relaxed);
        let player = Arc::new(Player {
            id: PlayerId(id),
            entity: EntityRef {
                kind: PLAYER,
                index: id as u32,
                generation: 0,
            },
            joined: AtomicBool::new(false),
            conn: AtomicU64::new(0),
            world: Mutex::new(World::new()),
            tick: AtomicU32::new(0),
            ack_tick: AtomicU32::new(0),
            kills: AtomicU32::new(0),
            deaths: AtomicU32::new(0),
        });
        self.welcome(player);
        if self.server.script == Script::Noisy {
            let _ = self.out.send(Out::Raw(vec![0xff, 0xff, 0xff, 0xff]));
            let _ = self.out.send(Out::Text("hello"));
            self.send(ServerMsg::LobbyList { lobbies: vec![] });
        }
    }

    /// Issues a new token for `player`, sends `Welcome`, makes this the
    /// session's connection and starts its snapshot ticker.
    fn welcome(&mut self, player: Arc<Player>) {
        let id = self.server.next_id.fetch_add(1, Ordering::Relaxed);
        self.id = id;
        player.conn.store(id, Ordering::Relaxed);
        let mut token = [0u8; 16];
        token[..8].copy_from_slice(&id.to_le_bytes());
        token[8..].copy_from_slice(&player.id.0.to_le_bytes());
        let token = ResumeToken(token);
        let tokens = &self.server.tokens;
        tokens.lock().unwrap().insert(token, Arc::clone(&player));
        self.send(ServerMsg::Welcome {
            player: player.id,
            protocol_version: PROTOCOL_VERSION,
            tick_hz: 30,
            snapshot_hz: match self.server.script {
                Script::HalfRate => 15,
                _ => 30,
            },
            max_message_bytes: 512,
            resume_token: token,
            resume_grace_secs: 20,
            games: vec!["arena".into()],
        });
        let server = Arc::clone(&self.server);
        tokio::spawn(ticker(server, Arc::clone(&player), self.out.clone(), id));
        self.player = Some(player);
    }

    fn resume(&mut self, token: ResumeToken) {
        let stats = Arc::clone(&self.server.stats);
        let found = self.server.tokens.lock().unwrap().remove(&token);
        let player = match found {
            Some(player) if self.server.script != Script::RejectResume => player,
            _ => {
                stats.resumes_rejected.fetch_add(1, Ordering::Relaxed);
                return self.kick(ErrorCode::ResumeRejected);
            }
        };
        stats.resumes_ok.fetch_add(1, Ordering::Relaxed);
        if self.server.script == Script::LoseScore {
            player.kills.store(0, Ordering::Relaxed);
            player.deaths.store(0, Ordering::Relaxed);
        }
        self.welcome(Arc::clone(&player));
        if player.joined.load(Ordering::Relaxed) {
            player.ack_tick.store(0, Ordering::Relaxed);
            self.send(joined_msg(&player, None));
            self.send(roster(&player));
        }
    }

    fn join(&mut self, created: Option<u8>) {
        let Some(player) = self.player.clone() else {
            return;
        };
        player.kills.store(3, Ordering::Relaxed);
        player.deaths.store(2, Ordering::Relaxed);
        player.ack_tick.store(0, Ordering::Relaxed);
        self.send(joined_msg(&player, created));
        self.send(roster(&player));
        if self.server.script == Script::Noisy {
            self.send(roster_update(&player));
        }
        player.joined.store(true, Ordering::Relaxed);
        let out = self.out.clone();
        let later = |ms, f: Box<dyn FnOnce() + Send>| {
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                f();
            });
        };
        match self.server.script {
            Script::Stall => later(
                300,
                Box::new(move || player.joined.store(false, Ordering::Relaxed)),
            ),
            Script::CloseAfterJoin => later(
                300,
                Box::new(move || {
                    let _ = out.send(Out::Msg(ServerMsg::Error {
                        code: ErrorCode::RateLimited,
                        message: "slow down".into(),
                    }));
                    let _ = out.send(Out::Close(1008));
                }),
            ),
            Script::ShutDown if !self.server.shutdown_scheduled.swap(true, Ordering::Relaxed) => {
                let server = Arc::clone(&self.server);
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    server.draining.store(true, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    server.closing.store(true, Ordering::Relaxed);
                });
            }
            _ => {}
        }
    }
}
