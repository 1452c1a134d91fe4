//! A real server on 127.0.0.1:0 with Agones on, pointed at a stub, and
//! real WebSocket players.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rallypoint_agones_stub::Stub;
use rallypoint_server::lobby::Games;
use rallypoint_server::{Config, ServerError};
use rallypoint_shared::{
    ClientMsg, LobbyId, PROTOCOL_VERSION, ServerMsg, decode_server, encode_client,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

/// How long a test waits for anything the server should do at once.
pub const WAIT: Duration = Duration::from_secs(10);

pub struct Node {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    pub task: JoinHandle<Result<(), ServerError>>,
}

impl Node {
    /// Starts a node hosting `games`, reporting to `stub`, with a drain of
    /// `drain_secs`, room for 64 connections and 8 lobbies.
    pub async fn start(stub: &Stub, games: Games, drain_secs: u16) -> Node {
        let config = Config {
            agones: true,
            agones_sdk_port: Some(stub.port()),
            drain_secs,
            max_connections: 64,
            max_lobbies: 8,
            ..Config::default()
        }
        .validate()
        .expect("a valid config");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(rallypoint_server::serve(listener, config, games, async {
            let _ = stopped.await;
        }));
        Node {
            addr,
            stop: Some(stop),
            task,
        }
    }

    /// Starts the shutdown, as SIGTERM does.
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// The status line of `GET path`.
    pub async fn get(&self, path: &str) -> String {
        let mut tcp = TcpStream::connect(self.addr).await.unwrap();
        let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
        tcp.write_all(request.as_bytes()).await.unwrap();
        let mut response = Vec::new();
        tokio::time::timeout(WAIT, tcp.read_to_end(&mut response))
            .await
            .expect("an answer in time")
            .unwrap();
        let text = String::from_utf8_lossy(&response);
        text.lines().next().unwrap_or_default().to_owned()
    }
}

/// A player seated in a lobby it created.
pub struct Player {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pub lobby: LobbyId,
}

impl Player {
    /// Connects, says Hello and creates a public lobby of `game`.
    pub async fn create(node: &Node, game: &str) -> Player {
        let (ws, _) = connect_async(format!("ws://{}/ws", node.addr))
            .await
            .unwrap();
        let mut player = Player {
            ws,
            lobby: LobbyId(0),
        };
        player
            .send(&ClientMsg::Hello {
                protocol_version: PROTOCOL_VERSION,
                name: format!("{game} player"),
                token: None,
            })
            .await;
        player
            .recv_until(|m| matches!(m, ServerMsg::Welcome { .. }).then_some(()))
            .await;
        player
            .send(&ClientMsg::CreateLobby {
                game: game.into(),
                name: format!("{game} lobby"),
                max_players: 2,
                private: false,
            })
            .await;
        player.lobby = player
            .recv_until(|m| match m {
                ServerMsg::Joined { lobby, .. } => Some(lobby),
                ServerMsg::Error { code, message } => panic!("error {code:?}: {message}"),
                _ => None,
            })
            .await;
        player
    }

    async fn send(&mut self, msg: &ClientMsg) {
        let bytes = encode_client(msg).unwrap();
        self.ws.send(Message::Binary(bytes.into())).await.unwrap();
    }

    async fn recv_until<T>(&mut self, mut pick: impl FnMut(ServerMsg) -> Option<T>) -> T {
        loop {
            let frame = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .expect("a message in time");
            match frame {
                Some(Ok(Message::Binary(b))) => {
                    if let Some(found) = pick(decode_server(&b).unwrap()) {
                        return found;
                    }
                }
                Some(Ok(_)) => {}
                other => panic!("connection ended: {other:?}"),
            }
        }
    }

    /// Reads until the server closes; the close code, if it sent one.
    pub async fn closed(&mut self, within: Duration) -> Option<u16> {
        loop {
            let frame = tokio::time::timeout(within, self.ws.next())
                .await
                .expect("closed in time");
            match frame {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| f.code.into()),
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return None,
            }
        }
    }
}
