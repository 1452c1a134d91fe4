//! One game client's connection: the [`ws`](crate::ws) transport's two
//! halves, a liveness watchdog and the [`Session`], run side by side in one
//! task until something ends it. How it ended decides the session's fate
//! ([`Ending`]): a drop holds the seat for a resume, anything deliberate
//! frees it. A connection's error ends that connection only, logged once.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use fastwebsockets::WebSocket;
use rallypoint_shared::codec::MAX_CLIENT_MSG_BYTES;
use rallypoint_shared::{ErrorCode, PlayerId, ServerMsg, decode_client};
use tokio::time::Instant;
use tracing::{debug, info, instrument, warn};

use crate::close;
use crate::config::Config;
use crate::kick::{Kick, KickReason};
use crate::liveness::{Liveness, Verdict};
use crate::outbox::{OutFrame, Outbox, REPLY_HEADROOM};
use crate::proxy::ClientAddr;
use crate::server::Shared;
use crate::session::{self, Ending, Flow, Phase, Session, SessionCtx};
use crate::ws::{self, Message, ReadEnd, Upgraded, WsLimits, WsReader};

/// How long the server waits for the client's side of the closing
/// handshake (or for the last frames to drain) before dropping the socket.
/// Default: 2 s.
pub const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// How often the watchdog looks at a connection's liveness. Default: 500 ms,
/// so timeouts are enforced within half a second.
const WATCH_PERIOD: Duration = Duration::from_millis(500);

/// How a connection ended, for the log and the session.
#[derive(Debug)]
enum End {
    /// The client closed (`code`), or went away without a close frame.
    Peer { code: Option<u16> },
    /// The server closed it on purpose.
    Closed { code: u16, reason: &'static str },
    /// The peer stopped responding or the socket failed.
    Lost(String),
    /// The session was resumed on another connection.
    Superseded,
}

impl End {
    /// The `reason` label of the disconnect metric: a static string, so
    /// the label set stays bounded.
    fn metric_reason(&self) -> &'static str {
        match self {
            End::Peer { code: Some(_) } => "peer closed",
            End::Peer { code: None } => "peer gone",
            End::Closed { reason, .. } => reason,
            End::Lost(_) => "lost",
            End::Superseded => "superseded",
        }
    }

    fn ending(&self) -> Ending {
        match self {
            End::Peer { code: Some(_) } | End::Closed { .. } => Ending::Final,
            End::Peer { code: None } | End::Lost(_) => Ending::Dropped,
            End::Superseded => Ending::Superseded,
        }
    }
}

/// The transport limits of a game connection.
pub fn game_limits(config: &Config) -> WsLimits {
    WsLimits {
        max_message_bytes: MAX_CLIENT_MSG_BYTES,
        allow_text: false,
        rate: Some((config.rate_limit_per_sec, config.rate_limit_burst)),
    }
}

/// Serves one upgraded WebSocket until it closes.
/// `peer` is the client as resolved through trusted proxies (see
/// [`crate::proxy`]); the proxy, if any, is logged beside it as `via`.
#[instrument(skip_all, fields(conn = player.0, peer = %peer, via = tracing::field::Empty))]
pub async fn run(ws: WebSocket<Upgraded>, shared: Arc<Shared>, player: PlayerId, peer: ClientAddr) {
    if let Some(via) = peer.via {
        tracing::Span::current().record("via", tracing::field::display(via));
    }
    let config = &shared.config;
    let outbox = Arc::new(Outbox::new());
    let liveness = Arc::new(Liveness::new(Instant::now()));
    let mut reader = match ws::split(ws, &game_limits(config), liveness.clone(), &outbox) {
        Ok(reader) => reader,
        Err(e) => {
            warn!(error = %e, "cannot serve the connection");
            return;
        }
    };
    // A child of `closing`, so one future in the select below hears both a
    // kick (a resume elsewhere) and the server closing: every branch is
    // polled at every wake, and this task wakes for every input.
    let link = crate::kick::Link::new(peer.ip, liveness.clone());
    let kick = Kick::child_of(&shared.closing).with_link(link);
    let ctx = SessionCtx {
        registry: shared.registry.clone(),
        sessions: shared.sessions.clone(),
        auth: shared.auth.clone(),
        bans: shared.admin.bans().clone(),
    };
    // An operator's notices to every player (the newest wins).
    let mut notices = shared.admin.notices();
    let mut session = Session::new(player, ctx, outbox.clone(), kick.clone());
    let welcomed = session.welcomed();
    debug!("connected");
    let metrics = crate::metrics::metrics();
    metrics.connections.inc();

    let end = {
        let reading = read_messages(&mut reader, &mut session, &outbox, config.hello_timeout());
        let writing = outbox.write_loop(config.write_timeout());
        let watching = watchdog(&liveness, &outbox, config);
        tokio::pin!(reading, writing, watching);
        let mut notified = false;
        loop {
            // Biased: no random draw at every wake; reading, the busiest
            // branch, goes first.
            tokio::select! {
                biased;
                end = &mut reading => {
                    outbox.close(close::NORMAL, "");
                    let _ = tokio::time::timeout(CLOSE_GRACE, &mut writing).await;
                    break end;
                }
                res = &mut writing => {
                    // Our close went out (or the socket broke): give the
                    // client a moment to answer the handshake, then drop it.
                    let end = tokio::time::timeout(CLOSE_GRACE, &mut reading).await;
                    break match (res, end) {
                        (Err(e), _) => End::Lost(e.to_string()),
                        (Ok(()), Ok(end)) => end,
                        (Ok(()), Err(_)) => End::Peer { code: None },
                    };
                }
                reason = &mut watching => {
                    outbox.close(close::POLICY, reason);
                    let _ = tokio::time::timeout(CLOSE_GRACE, &mut writing).await;
                    break End::Lost(reason.to_owned());
                }
                _ = kick.fired() => {
                    if shared.closing.is_cancelled() {
                        let reason = "server shutting down";
                        outbox.close(close::GOING_AWAY, reason);
                        let _ = tokio::time::timeout(CLOSE_GRACE, &mut writing).await;
                        break End::Closed { code: close::GOING_AWAY, reason };
                    }
                    let (end, code, reason) = kicked(kick.reason(), &outbox);
                    outbox.close(code, reason);
                    let _ = tokio::time::timeout(CLOSE_GRACE, &mut writing).await;
                    break end;
                }
                Ok(()) = notices.changed() => {
                    let text = notices.borrow_and_update().to_string();
                    if welcomed.load(std::sync::atomic::Ordering::Relaxed) {
                        let _ = session::send(&outbox, &ServerMsg::Notice { text });
                    }
                }
                _ = shared.draining.cancelled(), if !notified => {
                    notified = true;
                    let _ = session::send(&outbox, &ServerMsg::ShuttingDown {
                        reason: "the server is shutting down".into(),
                        drain_secs: config.drain_secs,
                    });
                }
            }
        }
    };
    // Boxed for the same reason as the message handlers.
    Box::pin(session.finish(end.ending())).await;
    metrics.connections.dec();
    metrics.disconnect(end.metric_reason());
    match end {
        End::Peer { code } => debug!(?code, "disconnected"),
        End::Closed { code, reason } => info!(code, reason, "closed by server"),
        End::Lost(reason) => info!(reason, "connection lost"),
        End::Superseded => info!("superseded by a resumed connection"),
    }
}

/// Tells a kicked client why (an `Error` it can show, except for a plain
/// resume, which the client itself asked for) and says how to close.
fn kicked(why: Option<&KickReason>, outbox: &Outbox) -> (End, u16, &'static str) {
    let tell = |code, message: &str| {
        let _ = session::send(
            outbox,
            &ServerMsg::Error {
                code,
                message: message.to_owned(),
            },
        );
    };
    match why {
        Some(KickReason::Replaced) => {
            tell(
                ErrorCode::SessionReplaced,
                "your account logged in on another connection, which took over this session",
            );
            (
                End::Superseded,
                close::POLICY,
                "session replaced by a new login",
            )
        }
        Some(KickReason::ReplacedElsewhere(node)) => {
            tell(
                ErrorCode::SessionReplaced,
                &format!(
                    "your account logged in on another connection (on node {node}), which ended this session"
                ),
            );
            let end = End::Closed {
                code: close::POLICY,
                reason: "replaced",
            };
            (
                end,
                close::POLICY,
                "session replaced by a login on another node",
            )
        }
        Some(KickReason::Kicked(reason)) => {
            tell(ErrorCode::Kicked, reason);
            let end = End::Closed {
                code: close::POLICY,
                reason: "kicked",
            };
            (end, close::POLICY, "kicked")
        }
        Some(KickReason::Banned(until)) => {
            tell(ErrorCode::Banned, until);
            let end = End::Closed {
                code: close::POLICY,
                reason: "banned",
            };
            (end, close::POLICY, "banned")
        }
        Some(KickReason::Resumed) | None => (
            End::Superseded,
            close::POLICY,
            "session resumed on another connection",
        ),
    }
}

/// Reads, decodes and handles messages until the connection should end.
async fn read_messages(
    reader: &mut WsReader,
    session: &mut Session,
    outbox: &Outbox,
    hello_timeout: Duration,
) -> End {
    let hello_deadline = Instant::now() + hello_timeout;
    loop {
        // Outside a lobby a client sends rarely: between its messages, its
        // connection should not hold a read buffer (see `FrameSource`).
        reader.release_when_idle(session.phase() != Phase::InLobby);
        let next = if session.phase() == Phase::AwaitingHello {
            match tokio::time::timeout_at(hello_deadline, reader.next(outbox)).await {
                Ok(next) => next,
                Err(_) => {
                    let reason = "no Hello within the hello timeout";
                    outbox.close(close::POLICY, reason);
                    return End::Closed {
                        code: close::POLICY,
                        reason,
                    };
                }
            }
        } else {
            reader.next(outbox).await
        };
        let bytes = match next {
            Ok(Message::Binary(bytes)) => bytes,
            // Text is refused by the transport for game connections.
            Ok(Message::Text(_)) => continue,
            Err(end) => {
                let end = refused(end, outbox);
                if let End::Closed { .. } = end {
                    drain(reader).await;
                }
                return end;
            }
        };
        let flow = match decode_client(&bytes) {
            Ok(msg) => {
                // Backpressure: a client that sends faster than it reads its
                // replies waits here (its bytes wait in the kernel), rather
                // than overflowing its queue; if it never reads, the
                // liveness watchdog ends it.
                outbox.fewer_than(REPLY_HEADROOM).await;
                // The rest (joins, resumes: rare) is boxed, so that the
                // task of every idle connection is not as big as the
                // largest handler.
                match session.handle_now(msg) {
                    Ok(flow) => flow,
                    Err(msg) => Box::pin(session.handle(msg)).await,
                }
            }
            Err(e) => {
                debug!(error = %e, "undecodable message");
                let reply = ServerMsg::Error {
                    code: ErrorCode::BadMessage,
                    message: e.to_string(),
                };
                match session::send(outbox, &reply) {
                    Flow::Continue => Flow::Close {
                        code: close::POLICY,
                        reason: "bad message",
                    },
                    flow => flow,
                }
            }
        };
        if let Flow::Close { code, reason } = flow {
            outbox.close(code, reason);
            drain(reader).await;
            return End::Closed { code, reason };
        }
    }
}

/// After we queue a close, reads (and ignores) what the client still sends
/// until its close frame, for at most [`CLOSE_GRACE`]: dropping a socket
/// with unread input makes the kernel reset it, and the reset can destroy
/// our error message and close frame before the client reads them.
async fn drain(reader: &mut WsReader) {
    let _ = tokio::time::timeout(CLOSE_GRACE, reader.drain()).await;
}

fn refused(end: ReadEnd, outbox: &Outbox) -> End {
    match end {
        ReadEnd::Peer { code } => End::Peer { code },
        ReadEnd::Refused { code, reason } => End::Closed { code, reason },
        ReadEnd::RateLimited => {
            let reason = "rate limit exceeded";
            let _ = session::send(
                outbox,
                &ServerMsg::Error {
                    code: ErrorCode::RateLimited,
                    message: reason.into(),
                },
            );
            outbox.close(close::POLICY, reason);
            End::Closed {
                code: close::POLICY,
                reason,
            }
        }
        ReadEnd::Error(e) => End::Lost(e.to_string()),
    }
}

/// Pings the peer and returns when it should be given up on.
async fn watchdog(liveness: &Liveness, outbox: &Outbox, config: &Config) -> &'static str {
    let mut every = tokio::time::interval(WATCH_PERIOD);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut seq: u32 = 0;
    loop {
        every.tick().await;
        match liveness.check(
            Instant::now(),
            config.ping_interval(),
            config.peer_timeout(),
        ) {
            Verdict::Fine => {}
            Verdict::Ping => {
                seq = seq.wrapping_add(1);
                let payload = Bytes::copy_from_slice(&seq.to_be_bytes());
                if outbox.push(OutFrame::Ping(payload)).is_err() {
                    return "outbound queue full";
                }
            }
            Verdict::Dead(reason) => return reason,
        }
    }
}
