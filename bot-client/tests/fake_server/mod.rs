//! A scripted stand-in for the Rallypoint server, to drive the bot client
//! through the cases the real server rarely produces on demand: refusals,
//! silence, closing mid-game, unknown messages, a missing `Left`.
//!
//! It speaks the real protocol through the shared codec. Every created
//! lobby has the join code [`CODE`]; snapshots go out at 30 Hz while the
//! connection is in a lobby, echoing the highest input seq received.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use fastwebsockets::upgrade::{self, UpgradeFut};
use fastwebsockets::{FragmentCollectorRead, Frame, OpCode, Payload, WebSocketError};
use glam::Vec2;
use hyper::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rallypoint_shared::{
    ClientMsg, EntityId, ErrorCode, JoinTarget, LobbyId, MapInfo, PROTOCOL_VERSION, PlayerId, Rect,
    RosterEntry, ServerMsg, Snapshot, decode_client, encode_server,
};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

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
    /// Sends `Error(ShuttingDown)` and closes 300 ms after `Joined`.
    CloseAfterJoin,
    /// Plays, but also sends undecodable bytes, a text frame, a WebSocket
    /// ping and unsolicited `Roster`/`LobbyList` messages.
    Noisy,
    /// Plays, but never answers `LeaveLobby`.
    NoLeft,
    /// Stops sending snapshots 300 ms after `Joined`, but stays connected.
    Stall,
}

/// Starts the fake on a free loopback port.
pub async fn start(script: Script) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve_http(stream, script));
        }
    });
    addr
}

async fn serve_http(stream: TcpStream, script: Script) {
    let service = service_fn(move |mut req: Request<Incoming>| async move {
        let (response, upgraded) = upgrade::upgrade(&mut req)?;
        tokio::spawn(session(upgraded, script));
        Ok::<_, WebSocketError>(response)
    });
    let _ = http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades()
        .await;
}

/// What the writer task sends.
enum Out {
    Msg(ServerMsg),
    Raw(Vec<u8>),
    Text(&'static str),
    Ping,
    Close(u16),
}

struct Lobby {
    joined: AtomicBool,
    last_seq: AtomicU32,
    tick: AtomicU32,
}

async fn session(upgraded: UpgradeFut, script: Script) {
    let Ok(ws) = upgraded.await else { return };
    let (mut rx, tx) = ws.split(tokio::io::split);
    rx.set_auto_close(false);
    rx.set_auto_pong(false);
    let mut rx = FragmentCollectorRead::new(rx);
    let (out, out_rx) = mpsc::unbounded_channel();
    tokio::spawn(writer(tx, out_rx));
    let lobby = Arc::new(Lobby {
        joined: AtomicBool::new(false),
        last_seq: AtomicU32::new(0),
        tick: AtomicU32::new(0),
    });
    tokio::spawn(ticker(Arc::clone(&lobby), out.clone()));
    let mut no_writes = |_: Frame<'_>| std::future::ready(Ok::<(), Infallible>(()));
    while let Ok(frame) = rx.read_frame(&mut no_writes).await {
        match frame.opcode {
            OpCode::Close => {
                let _ = out.send(Out::Close(1000));
                return;
            }
            OpCode::Binary => match decode_client(&frame.payload) {
                Ok(msg) => handle(msg, script, &lobby, &out),
                Err(_) => {
                    let _ = out.send(Out::Close(1002));
                    return;
                }
            },
            _ => {}
        }
    }
}

fn handle(msg: ClientMsg, script: Script, lobby: &Arc<Lobby>, out: &mpsc::UnboundedSender<Out>) {
    let send = |msg| {
        let _ = out.send(Out::Msg(msg));
    };
    match msg {
        ClientMsg::Hello { .. } if script == Script::Silent => {}
        ClientMsg::Hello { .. } => {
            send(ServerMsg::Welcome {
                player: PlayerId(7),
                protocol_version: PROTOCOL_VERSION,
                tick_hz: 30,
                max_message_bytes: 512,
            });
            if script == Script::Noisy {
                let _ = out.send(Out::Raw(vec![0xff, 0xff, 0xff, 0xff]));
                let _ = out.send(Out::Text("hello"));
                let _ = out.send(Out::Ping);
                send(ServerMsg::LobbyList { lobbies: vec![] });
            }
        }
        ClientMsg::CreateLobby { .. } | ClientMsg::JoinLobby(_) | ClientMsg::QuickJoin
            if matches!(script, Script::Refuse(_)) =>
        {
            let Script::Refuse(code) = script else {
                unreachable!()
            };
            send(ServerMsg::Error {
                code,
                message: "scripted refusal".into(),
            });
        }
        ClientMsg::CreateLobby { max_players, .. } => join(lobby, out, script, Some(max_players)),
        ClientMsg::JoinLobby(JoinTarget::Code(code)) if code == CODE => {
            join(lobby, out, script, None);
        }
        ClientMsg::JoinLobby(_) => send(ServerMsg::Error {
            code: ErrorCode::LobbyNotFound,
            message: "no such lobby".into(),
        }),
        ClientMsg::QuickJoin => join(lobby, out, script, None),
        ClientMsg::Input(input) => {
            lobby.last_seq.fetch_max(input.seq, Ordering::Relaxed);
        }
        ClientMsg::Ping { client_time } => send(ServerMsg::Pong {
            client_time,
            tick: lobby.tick.load(Ordering::Relaxed),
        }),
        ClientMsg::LeaveLobby => {
            lobby.joined.store(false, Ordering::Relaxed);
            if script != Script::NoLeft {
                send(ServerMsg::Left);
            }
        }
        ClientMsg::ListLobbies => send(ServerMsg::LobbyList { lobbies: vec![] }),
    }
}

fn join(lobby: &Arc<Lobby>, out: &mpsc::UnboundedSender<Out>, script: Script, created: Option<u8>) {
    let entity = EntityId {
        index: 1,
        generation: 0,
    };
    let _ = out.send(Out::Msg(ServerMsg::Joined {
        lobby: LobbyId(1),
        join_code: created.map(|_| CODE.to_owned()),
        max_players: created.unwrap_or(16),
        entity,
        map: MapInfo {
            name: "fake".into(),
            bounds: Rect {
                min: Vec2::ZERO,
                max: Vec2::splat(1000.0),
            },
            walls: vec![],
        },
        tick: lobby.tick.load(Ordering::Relaxed),
    }));
    if script == Script::Noisy {
        let _ = out.send(Out::Msg(ServerMsg::Roster {
            players: vec![RosterEntry {
                entity,
                player: PlayerId(7),
                name: "bot".into(),
            }],
        }));
    }
    lobby.joined.store(true, Ordering::Relaxed);
    if script == Script::Stall {
        let lobby = Arc::clone(lobby);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            lobby.joined.store(false, Ordering::Relaxed);
        });
    }
    if script == Script::CloseAfterJoin {
        let out = out.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let _ = out.send(Out::Msg(ServerMsg::Error {
                code: ErrorCode::ShuttingDown,
                message: "bye".into(),
            }));
            let _ = out.send(Out::Close(1001));
        });
    }
}

/// Sends a snapshot every 1/30 s while in a lobby; ends with the writer.
async fn ticker(lobby: Arc<Lobby>, out: mpsc::UnboundedSender<Out>) {
    let mut every = tokio::time::interval(Duration::from_nanos(1_000_000_000 / 30));
    while !out.is_closed() {
        every.tick().await;
        let tick = lobby.tick.fetch_add(1, Ordering::Relaxed) + 1;
        if lobby.joined.load(Ordering::Relaxed) {
            let _ = out.send(Out::Msg(ServerMsg::Snapshot(Snapshot {
                tick,
                last_input_seq: lobby.last_seq.load(Ordering::Relaxed),
                players: vec![],
                projectiles: vec![],
            })));
        }
    }
}

async fn writer<S>(mut tx: fastwebsockets::WebSocketWrite<S>, mut out: mpsc::UnboundedReceiver<Out>)
where
    S: tokio::io::AsyncWrite + Unpin,
{
    while let Some(item) = out.recv().await {
        let frame = match item {
            Out::Msg(msg) => Frame::binary(Payload::Owned(encode_server(&msg).unwrap())),
            Out::Raw(bytes) => Frame::binary(Payload::Owned(bytes)),
            Out::Text(text) => Frame::text(Payload::Owned(text.as_bytes().to_vec())),
            Out::Ping => Frame::new(true, OpCode::Ping, None, Payload::Owned(b"p".to_vec())),
            Out::Close(code) => {
                let _ = tx.write_frame(Frame::close(code, b"")).await;
                return;
            }
        };
        if tx.write_frame(frame).await.is_err() {
            return;
        }
    }
}
