//! The client side of the WebSocket opening handshake (RFC 6455 §4.1),
//! written by hand on the `TcpStream`: the upgrade request, then the
//! response head, read up to its blank line and parsed with `httparse`.
//!
//! Why not hyper's client (through fastwebsockets' `handshake::client`):
//! the server's connection caps answer 429 or 503 the moment they accept,
//! before reading the request, and hyper's HTTP/1 client takes a response
//! that arrives before its request is written for an unexpected message.
//! It loses the status (about one refusal in three on loopback), and the
//! report could only say "handshake". Read here, the status is always
//! there to report. The checks on a 101 are fastwebsockets' own: an
//! `Upgrade: websocket` and a `Connection: upgrade` header.

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::ConnectError;
use crate::options::Target;

/// Longest response head read. Default: 4 KiB; the server's 101 is about
/// 130 bytes and its refusals under 200, so anything near this is not
/// rallypoint-server.
pub(crate) const MAX_RESPONSE_HEAD: usize = 4096;
/// Most headers parsed in the response. Default: 16; the server sends 3.
const MAX_HEADERS: usize = 16;

/// Sends the upgrade request for `target` on `stream` and reads the
/// answer. On a 101, returns what the server sent after the response head
/// (usually nothing; its first frames otherwise).
pub(super) async fn client<S>(stream: &mut S, target: &Target) -> Result<Bytes, ConnectError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let request = format!(
        "GET {path} HTTP/1.1\r\n\
         Host: {host}\r\n\
         Upgrade: websocket\r\n\
         Connection: Upgrade\r\n\
         Sec-WebSocket-Key: {key}\r\n\
         Sec-WebSocket-Version: 13\r\n\r\n",
        path = target.path,
        host = target.authority,
        key = fastwebsockets::handshake::generate_key(),
    );
    let written = stream.write_all(request.as_bytes()).await;
    // A server refusing at a cap answers without reading the request and
    // closes, so the write can fail on a reset with its answer already
    // here: the answer, when there is one, is the better reason.
    match (read_head(stream).await, written) {
        (Ok(leftover), _) => Ok(leftover),
        (Err(read @ ConnectError::Status(_)), _) | (Err(read), Ok(())) => Err(read),
        (Err(_), Err(write)) => Err(ConnectError::HandshakeIo(write)),
    }
}

/// Reads the response head and checks it is a WebSocket upgrade.
async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> Result<Bytes, ConnectError> {
    let mut buf = Vec::with_capacity(512);
    loop {
        if stream
            .read_buf(&mut buf)
            .await
            .map_err(ConnectError::HandshakeIo)?
            == 0
        {
            return Err(ConnectError::HandshakeClosed);
        }
        if let Some(len) = parse_head(&buf)? {
            // Copied out, so the head's buffer is freed, not kept for the
            // life of the connection.
            return Ok(Bytes::copy_from_slice(&buf[len..]));
        }
        if buf.len() >= MAX_RESPONSE_HEAD {
            return Err(ConnectError::HeadTooLong);
        }
    }
}

/// The head's length once `buf` holds all of it and it is an upgrade;
/// `None` while it is incomplete.
fn parse_head(buf: &[u8]) -> Result<Option<usize>, ConnectError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut headers);
    let len = match response.parse(buf)? {
        httparse::Status::Complete(len) => len,
        httparse::Status::Partial => return Ok(None),
    };
    let status = response.code.unwrap_or(0);
    if status != 101 {
        return Err(ConnectError::Status(status));
    }
    let header = |name: &str| {
        response
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value)
    };
    if !header("Upgrade").is_some_and(|v| v.eq_ignore_ascii_case(b"websocket")) {
        return Err(ConnectError::NotUpgraded("Upgrade: websocket"));
    }
    if !header("Connection").is_some_and(|v| v.eq_ignore_ascii_case(b"upgrade")) {
        return Err(ConnectError::NotUpgraded("Connection: upgrade"));
    }
    Ok(Some(len))
}

#[cfg(test)]
mod tests {
    use super::*;

    const UPGRADE: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\n\
                             upgrade: websocket\r\nsec-websocket-accept: x\r\n\r\n";

    #[test]
    fn an_upgrade_gives_its_head_length() {
        assert_eq!(parse_head(UPGRADE).unwrap(), Some(UPGRADE.len()));
        let mut more = UPGRADE.to_vec();
        more.extend_from_slice(&[0x82, 0x00]);
        assert_eq!(parse_head(&more).unwrap(), Some(UPGRADE.len()));
    }

    #[test]
    fn an_incomplete_head_asks_for_more() {
        assert_eq!(parse_head(&UPGRADE[..40]).unwrap(), None);
    }

    #[test]
    fn a_refusal_gives_its_status() {
        // What the server's per-IP cap writes (`server::refuse`).
        let refusal = b"HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain\r\n\
                        Content-Length: 32\r\nConnection: close\r\n\r\ntoo many";
        assert!(matches!(
            parse_head(refusal),
            Err(ConnectError::Status(429))
        ));
    }

    #[test]
    fn a_101_without_upgrade_headers_is_refused() {
        let head = b"HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n";
        assert!(matches!(
            parse_head(head),
            Err(ConnectError::NotUpgraded("Connection: upgrade"))
        ));
        assert!(matches!(
            parse_head(b"garbage\r\n\r\n"),
            Err(ConnectError::Malformed(_))
        ));
    }
}
