//! An in-memory harness for session and lobby tests: a registry hosting
//! the given games, sessions without sockets, a paused clock, and replies
//! read straight from each client's outbox.

// Shared by several test files, each using a part of it.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use rallypoint_arena::{Arena, ArenaConfig};
use rallypoint_server::Config;
use rallypoint_server::kick::Kick;
use rallypoint_server::lobby::{Games, Registry, host};
use rallypoint_server::outbox::{OutFrame, Outbox};
use rallypoint_server::resume::SessionTable;
use rallypoint_server::session::{Flow, Session, SessionCtx};
use rallypoint_shared::{
    ClientMsg, PROTOCOL_VERSION, PlayerId, ResumeToken, ServerMsg, decode_server,
};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub struct Harness {
    pub registry: Arc<Registry>,
    tasks: TaskTracker,
    shutdown: CancellationToken,
    sessions: Arc<SessionTable>,
    next_player: u64,
}

pub struct TestClient {
    pub session: Session,
    pub outbox: Arc<Outbox>,
    /// The resume token of its last `Welcome`.
    pub token: Option<ResumeToken>,
}

impl Harness {
    pub fn new(config: Config) -> Harness {
        let arena = Games::new(vec![host::<Arena>(ArenaConfig::default())]).unwrap();
        Harness::with_games(config, arena)
    }

    pub fn with_games(mut config: Config, games: Games) -> Harness {
        // The paused clock drives lobby ticks only through tokio's timer.
        config.precise_timer = false;
        let (tasks, shutdown) = (TaskTracker::new(), CancellationToken::new());
        let registry = Registry::new(Arc::new(config), games, tasks.clone(), shutdown.clone());
        Harness {
            registry,
            tasks,
            shutdown,
            sessions: Arc::new(SessionTable::new(Duration::from_secs(20), 100)),
            next_player: 0,
        }
    }

    /// Stops every lobby (each game's `end` runs) and waits for them.
    pub async fn shutdown(&self) {
        self.shutdown.cancel();
        self.tasks.close();
        self.tasks.wait().await;
    }

    pub async fn client(&mut self) -> TestClient {
        let mut c = self.connection();
        c.send(ClientMsg::Hello {
            protocol_version: PROTOCOL_VERSION,
            name: format!("p{}", self.next_player),
            token: None,
        })
        .await;
        match c.pop() {
            Some(ServerMsg::Welcome { resume_token, .. }) => c.token = Some(resume_token),
            other => panic!("no Welcome: {other:?}"),
        }
        c
    }

    /// A new connection's session that has sent nothing yet.
    pub fn connection(&mut self) -> TestClient {
        self.next_player += 1;
        let outbox = Arc::new(Outbox::new());
        let ctx = SessionCtx {
            registry: self.registry.clone(),
            sessions: self.sessions.clone(),
            auth: None,
            bans: Default::default(),
        };
        let session = Session::new(PlayerId(self.next_player), ctx, outbox.clone(), Kick::new());
        TestClient {
            session,
            outbox,
            token: None,
        }
    }
}

impl TestClient {
    pub async fn send(&mut self, msg: ClientMsg) -> Flow {
        self.session.handle(msg).await
    }

    /// The next queued message, if any.
    pub fn pop(&self) -> Option<ServerMsg> {
        match self.outbox.try_pop()? {
            OutFrame::Message(b) => Some(decode_server(&b).unwrap()),
            other => panic!("unexpected frame {other:?}"),
        }
    }

    pub fn drain(&self) -> Vec<ServerMsg> {
        std::iter::from_fn(|| self.pop()).collect()
    }

    pub fn last_snapshot_seq(&self) -> Option<u32> {
        self.drain().into_iter().rev().find_map(|m| match m {
            // These clients never ack, so every snapshot is full and its
            // seq advance is the seq itself.
            ServerMsg::Snapshot(s) if s.baseline_age == 0 => Some(s.input_seq_advance),
            ServerMsg::Snapshot(s) => panic!("a delta without an ack: {s:?}"),
            _ => None,
        })
    }
}
