//! Test helpers: a real server on 127.0.0.1:0 and a real WebSocket client
//! (tokio-tungstenite, a different implementation from the server's).

#![allow(dead_code)] // each test file uses a different subset

pub mod admin_http;
pub mod redis;
pub mod tokens;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use glam::Vec2;
use rallypoint_arena::{Arena, ArenaConfig, ArenaEntity, InputFrame};
use rallypoint_four::{Four, FourConfig};
use rallypoint_game::view::{GameView, Held};
use rallypoint_server::Config;
use rallypoint_server::lobby::{Games, host};
use rallypoint_shared::baselines::Baselines;
use rallypoint_shared::{
    ClientMsg, Input, JoinTarget, PROTOCOL_VERSION, PlayerId, ResumeToken, ServerMsg,
    decode_server, encode_client, encode_payload,
};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

/// How long a test waits for any one expected message before failing.
pub const WAIT: Duration = Duration::from_secs(5);

pub struct TestServer {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    pub task: JoinHandle<Result<(), rallypoint_server::ServerError>>,
}

impl TestServer {
    pub async fn start(config: Config) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let games = Games::new(vec![
            host::<Arena>(ArenaConfig::default()),
            host::<Four>(FourConfig::default()),
        ])
        .unwrap();
        let task = tokio::spawn(rallypoint_server::serve(
            listener,
            config,
            games,
            async move {
                let _ = stopped.await;
            },
        ));
        TestServer {
            addr,
            stop: Some(stop),
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// Triggers shutdown (like SIGTERM).
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub struct Client {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// The last `Welcome` received, if any.
    pub welcome: Option<ServerMsg>,
    /// Every snapshot of an arena lobby is applied here, as a real client
    /// would (cleared on `Joined`); one that does not apply fails the test.
    pub baselines: Baselines<ArenaView>,
    /// The same for a Four in a Row lobby.
    pub four: Baselines<GameView<Four>>,
    /// The game of the lobby last joined.
    pub game: String,
    /// The lobby's roster as `Roster` and `RosterUpdate` messages built it.
    pub roster: BTreeMap<PlayerId, String>,
}

/// A client's view of an arena lobby.
pub type ArenaView = GameView<Arena>;

/// The players an arena view holds, by slot index.
pub fn players(view: &ArenaView) -> BTreeMap<u32, Held<ArenaEntity>> {
    view.entities
        .iter()
        .filter(|(k, _)| k.0 == rallypoint_arena::PLAYER)
        .map(|(k, held)| (k.1, held.clone()))
        .collect()
}

/// An arena input in the envelope.
pub fn arena_input(seq: u32, ack_tick: u32, movement: Vec2, aim: Vec2, fire: bool) -> Input {
    let frame = InputFrame {
        movement,
        aim,
        fire,
        ..InputFrame::default()
    };
    Input {
        seq,
        ack_tick,
        payload: encode_payload(&frame).unwrap(),
    }
}

/// What a client saw instead of a message.
#[derive(Debug, PartialEq)]
pub enum Closed {
    /// A close frame with this code.
    Code(u16),
    /// The stream ended without one.
    Eof,
}

impl Client {
    pub async fn connect(server: &TestServer) -> Client {
        let (ws, _) = connect_async(server.url()).await.unwrap();
        Client::from_ws(ws)
    }

    /// A client on a WebSocket opened by the test itself.
    pub fn from_ws(ws: WebSocketStream<MaybeTlsStream<TcpStream>>) -> Client {
        Client {
            ws,
            welcome: None,
            baselines: Baselines::new(),
            four: Baselines::new(),
            game: String::new(),
            roster: BTreeMap::new(),
        }
    }

    /// The resume token of the last `Welcome`.
    pub fn token(&self) -> ResumeToken {
        match &self.welcome {
            Some(ServerMsg::Welcome { resume_token, .. }) => *resume_token,
            other => panic!("no Welcome yet: {other:?}"),
        }
    }

    /// Connects and completes `Hello`.
    pub async fn welcomed(server: &TestServer, name: &str) -> Client {
        Client::connect(server).await.hello(name).await
    }

    /// Completes `Hello` on a connected client.
    pub async fn hello(self, name: &str) -> Client {
        let mut c = self;
        c.send(&ClientMsg::Hello {
            protocol_version: PROTOCOL_VERSION,
            name: name.into(),
            token: None,
        })
        .await;
        match c.recv().await {
            w @ ServerMsg::Welcome { .. } => {
                c.welcome = Some(w);
                c
            }
            other => panic!("expected Welcome, got {other:?}"),
        }
    }

    pub async fn send(&mut self, msg: &ClientMsg) {
        let bytes = encode_client(msg).unwrap();
        self.ws.send(Message::Binary(bytes.into())).await.unwrap();
    }

    pub async fn send_raw(&mut self, msg: Message) {
        self.ws.send(msg).await.unwrap();
    }

    /// The next server message, or the close that came instead.
    pub async fn next(&mut self) -> Result<ServerMsg, Closed> {
        loop {
            let frame = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .expect("timed out waiting for the server");
            match frame {
                Some(Ok(Message::Binary(b))) => {
                    let msg = decode_server(&b).unwrap();
                    match &msg {
                        ServerMsg::Joined { game, .. } => {
                            self.game = game.clone();
                            self.baselines.clear();
                            self.four.clear();
                        }
                        ServerMsg::Snapshot(s) if self.game == "four" => {
                            self.four.receive(s).unwrap();
                        }
                        ServerMsg::Snapshot(s) => {
                            self.baselines.receive(s).unwrap();
                        }
                        ServerMsg::Roster { players } => {
                            self.roster =
                                players.iter().map(|p| (p.player, p.name.clone())).collect();
                        }
                        ServerMsg::RosterUpdate { added, removed } => {
                            for p in added {
                                self.roster.insert(p.player, p.name.clone());
                            }
                            for e in removed {
                                self.roster.remove(e);
                            }
                        }
                        _ => {}
                    }
                    return Ok(msg);
                }
                Some(Ok(Message::Close(Some(f)))) => return Err(Closed::Code(f.code.into())),
                Some(Ok(Message::Close(None))) | None => return Err(Closed::Eof),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                Some(Ok(other)) => panic!("unexpected frame {other:?}"),
                Some(Err(_)) => return Err(Closed::Eof),
            }
        }
    }

    pub async fn recv(&mut self) -> ServerMsg {
        self.next().await.expect("connection closed")
    }

    /// Skips messages until one matches.
    pub async fn recv_until<T>(&mut self, mut pick: impl FnMut(ServerMsg) -> Option<T>) -> T {
        loop {
            if let Some(t) = pick(self.recv().await) {
                return t;
            }
        }
    }

    /// Reads messages until the roster passes `pick`; returns its names.
    pub async fn roster_until(
        &mut self,
        mut pick: impl FnMut(&BTreeMap<PlayerId, String>) -> bool,
    ) -> Vec<String> {
        while !pick(&self.roster) {
            self.recv().await;
        }
        self.roster.values().cloned().collect()
    }

    /// The view after the next snapshot.
    pub async fn snapshot(&mut self) -> ArenaView {
        self.view_until(|_| true).await
    }

    /// Skips snapshots until the view they build passes `pick`.
    pub async fn view_until(&mut self, mut pick: impl FnMut(&ArenaView) -> bool) -> ArenaView {
        loop {
            if let ServerMsg::Snapshot(_) = self.recv().await {
                let view = self.baselines.newest().expect("a snapshot was applied");
                if pick(view) {
                    return view.clone();
                }
            }
        }
    }

    /// Skips messages until the server closes; returns the close code.
    pub async fn closed(&mut self) -> Closed {
        loop {
            if let Err(c) = self.next().await {
                return c;
            }
        }
    }

    /// Creates a private arena lobby; returns (join code, Joined message).
    pub async fn create_private(&mut self, max_players: u8) -> (String, ServerMsg) {
        self.create_private_of("arena", max_players).await
    }

    /// Creates a private lobby of `game`; returns (join code, Joined).
    pub async fn create_private_of(&mut self, game: &str, max_players: u8) -> (String, ServerMsg) {
        self.send(&ClientMsg::CreateLobby {
            game: game.into(),
            name: "test lobby".into(),
            max_players,
            private: true,
        })
        .await;
        let joined = self.recv_until(joined).await;
        match &joined {
            ServerMsg::Joined {
                join_code: Some(code),
                ..
            } => (code.clone(), joined.clone()),
            other => panic!("expected Joined with a code, got {other:?}"),
        }
    }

    pub async fn join_code(&mut self, code: &str) -> ServerMsg {
        self.send(&ClientMsg::JoinLobby(JoinTarget::Code(code.into())))
            .await;
        self.recv_until(|m| match m {
            m @ (ServerMsg::Joined { .. } | ServerMsg::Error { .. }) => Some(m),
            _ => None,
        })
        .await
    }
}

fn joined(m: ServerMsg) -> Option<ServerMsg> {
    match m {
        m @ ServerMsg::Joined { .. } => Some(m),
        ServerMsg::Error { code, message } => panic!("error {code:?}: {message}"),
        _ => None,
    }
}
