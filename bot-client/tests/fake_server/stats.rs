//! What the fake saw, counted for the tests to check.

use std::sync::atomic::AtomicU64;

/// What the fake saw, for tests to check.
#[derive(Debug, Default)]
pub struct FakeStats {
    pub pings_sent: AtomicU64,
    /// Pongs that answered the oldest outstanding ping with its payload.
    pub pongs_ok: AtomicU64,
    /// Pongs with another payload, or with no ping outstanding.
    pub pongs_bad: AtomicU64,
    /// Connections closed for an unanswered ping.
    pub liveness_kicks: AtomicU64,
    /// Connections closed for sending too fast.
    pub rate_kicks: AtomicU64,
    /// Connections that ended without a close frame while in a lobby.
    pub drops: AtomicU64,
    pub resumes_ok: AtomicU64,
    pub resumes_rejected: AtomicU64,
    /// Inputs received, alone or batched.
    pub inputs: AtomicU64,
    /// `Input` and `Inputs` messages received.
    pub input_messages: AtomicU64,
    /// `Inputs` messages received, refused ones included.
    pub batches: AtomicU64,
    /// `Inputs` refused for carrying none, or more than the most allowed.
    pub batches_refused: AtomicU64,
    /// Inputs with `hitscan` set.
    pub hitscan_inputs: AtomicU64,
    /// Inputs acknowledging a snapshot tick (`ack_tick` > 0).
    pub acking_inputs: AtomicU64,
    /// Inputs whose `ack_tick` named a tick the client cannot hold (never
    /// sent to the session, or sent as a delta it could not apply), or went
    /// back from the previous input since the session's latest `Joined`.
    pub acks_bad: AtomicU64,
    /// Full snapshots sent.
    pub fulls_sent: AtomicU64,
    /// Deltas sent against a tick the client acknowledged.
    pub deltas_sent: AtomicU64,
    /// Deltas sent against a tick the client never got
    /// ([`Script::UnheldBaseline`]).
    pub unheld_sent: AtomicU64,
    /// `Killed` events sent.
    pub kill_events: AtomicU64,
    /// Messages refused: another game's lobby asked for, a `Game` or `Ack`
    /// message, an input payload that is not arena's.
    pub refused: AtomicU64,
    /// Joins answered with a `Redirect`.
    pub redirects_sent: AtomicU64,
    /// Close frames with 1000 received on a connection after its
    /// `Redirect`.
    pub redirected_closes: AtomicU64,
    /// Tickets seated.
    pub tickets_ok: AtomicU64,
    /// Tickets refused with `TicketRejected`.
    pub tickets_rejected: AtomicU64,
}
