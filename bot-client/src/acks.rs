//! Acknowledgements both ways, shared by a bot's two halves: the driver
//! records when each input `seq` was sampled (and sent, unless batched)
//! and the reader looks it up when a snapshot acknowledges that `seq`; the
//! reader sets the tick of the newest view it holds and the driver puts it
//! in the next input it samples as its `ack_tick`. Atomics
//! only, so neither side allocates or takes a lock per input.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// How many inputs back an acknowledgement can still be timed. Default:
/// 256, over 8 s at 30 Hz; an input acknowledged later than that is not
/// timed (it would be an outlier the report shows through other numbers).
pub(crate) const ACK_RING: usize = 256;

/// Bits of a slot holding the low bits of `seq`; the remaining 40 hold the
/// send time in microseconds (12 days), so a slot is one atomic word and a
/// lookup never sees a seq from one write and a time from another.
const SEQ_BITS: u32 = 24;
const SEQ_MASK: u64 = (1 << SEQ_BITS) - 1;

pub(crate) struct AckRing {
    slots: Box<[AtomicU64]>,
    /// The tick of the newest view the reader holds (0: none), which the
    /// server may use as the next delta's baseline. It goes back to 0 on
    /// every `Joined`, which clears the views.
    ack_tick: AtomicU32,
}

impl AckRing {
    pub(crate) fn new() -> Self {
        Self {
            slots: (0..ACK_RING).map(|_| AtomicU64::new(u64::MAX)).collect(),
            ack_tick: AtomicU32::new(0),
        }
    }

    /// The reader now holds views up to `tick` (0: none). Not a maximum: a
    /// refused delta leaves it where it was, and `Joined` sets it to 0.
    pub(crate) fn set_ack_tick(&self, tick: u32) {
        self.ack_tick.store(tick, Ordering::Relaxed);
    }

    /// The tick to acknowledge in the next input (`InputFrame::ack_tick`).
    pub(crate) fn ack_tick(&self) -> u32 {
        self.ack_tick.load(Ordering::Relaxed)
    }

    /// Records that input `seq` was sampled at `sent_us` (µs since the
    /// run's epoch); sent then too, unless it waits for its batch.
    pub(crate) fn record(&self, seq: u32, sent_us: u64) {
        let word = (sent_us << SEQ_BITS) | (u64::from(seq) & SEQ_MASK);
        self.slots[seq as usize % ACK_RING].store(word, Ordering::Relaxed);
    }

    /// When input `seq` was sent, if it is still in the ring.
    pub(crate) fn sent_at(&self, seq: u32) -> Option<u64> {
        let word = self.slots[seq as usize % ACK_RING].load(Ordering::Relaxed);
        (word != u64::MAX && word & SEQ_MASK == u64::from(seq) & SEQ_MASK)
            .then_some(word >> SEQ_BITS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_recent_inputs_only() {
        let ring = AckRing::new();
        assert_eq!(ring.sent_at(1), None);
        for seq in 1..=300u32 {
            ring.record(seq, u64::from(seq) * 1000);
        }
        assert_eq!(ring.sent_at(300), Some(300_000));
        assert_eq!(ring.sent_at(300 - ACK_RING as u32 + 1), Some(45_000));
        // Overwritten by seq + ACK_RING.
        assert_eq!(ring.sent_at(300 - ACK_RING as u32), None);
        assert_eq!(ring.sent_at(1), None);
    }

    #[test]
    fn ack_tick_is_what_the_reader_set_last() {
        let ring = AckRing::new();
        assert_eq!(ring.ack_tick(), 0);
        ring.set_ack_tick(40);
        assert_eq!(ring.ack_tick(), 40);
        // A `Joined` cleared the views.
        ring.set_ack_tick(0);
        assert_eq!(ring.ack_tick(), 0);
    }
}
