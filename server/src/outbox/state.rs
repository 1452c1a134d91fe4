//! What an outbox holds: its queues in push order, the frame being
//! written, and why writing ended.

use std::collections::VecDeque;
use std::io;

use bytes::Bytes;

use super::OutFrame;
use super::wire::Pending;

/// Why writing stopped for good.
#[derive(Debug)]
pub(super) enum Ended {
    /// The close frame is out.
    Closed,
    /// The socket failed (taken by the writer task, which reports it).
    Failed(Option<io::Error>),
}

#[derive(Default)]
pub(super) struct State {
    /// Control frames with the order number they were pushed at.
    pub(super) control: VecDeque<(u64, OutFrame)>,
    /// The newest unsent snapshot, if any, with its order number.
    pub(super) snapshot: Option<(u64, Bytes)>,
    pub(super) next_order: u64,
    /// Set once a close is queued: nothing may follow it.
    pub(super) closing: bool,
    /// Snapshots replaced before they were sent.
    pub(super) replaced: u64,
    /// The frame the socket has taken part of.
    pub(super) pending: Option<Pending>,
    pub(super) ended: Option<Ended>,
}

impl State {
    /// The oldest queued frame, and whether it left the control queue.
    pub(super) fn take_next(&mut self) -> Option<(OutFrame, bool)> {
        let control_order = self.control.front().map(|(o, _)| *o);
        let snapshot_order = self.snapshot.as_ref().map(|(o, _)| *o);
        match (control_order, snapshot_order) {
            (Some(c), Some(n)) if n < c => self
                .snapshot
                .take()
                .map(|(_, b)| (OutFrame::Message(b), false)),
            (Some(_), _) => self.control.pop_front().map(|(_, f)| (f, true)),
            (None, Some(_)) => self
                .snapshot
                .take()
                .map(|(_, b)| (OutFrame::Message(b), false)),
            (None, None) => None,
        }
    }

    /// Nothing queued, nothing half-written, and the socket still usable.
    pub(super) fn idle(&self) -> bool {
        self.pending.is_none()
            && self.control.is_empty()
            && self.snapshot.is_none()
            && self.ended.is_none()
    }

    pub(super) fn queue_snapshot(&mut self, bytes: Bytes) -> bool {
        let order = self.next_order;
        self.next_order += 1;
        let replaced = self.snapshot.replace((order, bytes)).is_some();
        self.replaced += u64::from(replaced);
        replaced
    }
}
