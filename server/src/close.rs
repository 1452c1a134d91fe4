//! The WebSocket close codes the server sends (RFC 6455 §7.4.1), in one
//! place so `docs/PROTOCOL.md` can list them exactly.

/// The client left, or finished the closing handshake.
pub const NORMAL: u16 = 1000;
/// The server is shutting down.
pub const GOING_AWAY: u16 = 1001;
/// Broken WebSocket framing (bad continuation, reserved bits, bad close frame).
pub const PROTOCOL_ERROR: u16 = 1002;
/// A text frame: the protocol is binary only.
pub const UNSUPPORTED_DATA: u16 = 1003;
/// Invalid UTF-8 in a text or close frame.
pub const INVALID_PAYLOAD: u16 = 1007;
/// A policy violation: an undecodable message, a message before `Hello`, a
/// protocol version mismatch, no `Hello` in time, the rate limit, a rejected
/// resume, a session resumed elsewhere, a peer timeout, or a client too slow
/// to read its messages.
pub const POLICY: u16 = 1008;
/// A message over the size limit, fragmented or not.
pub const TOO_BIG: u16 = 1009;

/// Every code above, for the documentation check.
pub const ALL: [u16; 7] = [
    NORMAL,
    GOING_AWAY,
    PROTOCOL_ERROR,
    UNSUPPORTED_DATA,
    INVALID_PAYLOAD,
    POLICY,
    TOO_BIG,
];

#[cfg(test)]
mod tests {
    /// `docs/PROTOCOL.md`'s close-code table lists exactly the codes the
    /// server sends.
    #[test]
    fn protocol_doc_lists_exactly_these_codes() {
        let doc = include_str!("../../docs/PROTOCOL.md");
        let table = doc
            .split("<!-- table: close-codes -->")
            .nth(1)
            .expect("close-codes table marker");
        let mut documented: Vec<u16> = table
            .lines()
            .skip(3)
            .take_while(|l| l.starts_with('|'))
            .filter_map(|l| l.split('|').nth(1)?.trim().parse().ok())
            .collect();
        documented.sort_unstable();
        let mut sent = super::ALL.to_vec();
        sent.sort_unstable();
        assert_eq!(documented, sent);
    }
}
