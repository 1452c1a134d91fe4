//! What a connection goes through between `accept` and HTTP, in its own
//! task so that the accept loop never waits on a peer: from a trusted
//! proxy with `proxy_protocol`, the PROXY v2 header and then the per-IP
//! place of the client it names; then, with `[tls]`, the TLS handshake
//! ([`crate::tls`]); then HTTP ([`crate::http`]).

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpStream;
use tracing::debug;

use crate::caps::Slot;
use crate::http::{self, Peer};
use crate::proxy::{ClientAddr, v2};
use crate::server::{Shared, refuse};

/// Serves one accepted connection from `addr`; `proxy` says whether
/// `addr` is a trusted proxy (whose `slot` then holds only a global place).
pub async fn connection(
    mut stream: TcpStream,
    addr: SocketAddr,
    proxy: bool,
    shared: Arc<Shared>,
    mut slot: Slot,
) {
    let mut peer = Peer {
        addr,
        via: None,
        proxy,
    };
    if proxy && shared.config.proxy_protocol {
        match v2::read_header(&mut stream).await {
            Ok(Some(client)) => {
                peer = Peer {
                    addr: client,
                    via: Some(addr),
                    // A chain of proxies: the next one's headers speak.
                    proxy: shared.config.trusted_proxies.contains(client.ip()),
                };
                if !peer.proxy {
                    match shared.caps.try_place(client.ip()) {
                        Ok(place) => slot.set_place(place),
                        Err(e) => {
                            let client = ClientAddr {
                                via: Some(addr),
                                ..ClientAddr::direct(client)
                            };
                            return refuse(&stream, &client, e);
                        }
                    }
                }
            }
            // LOCAL: the proxy's own connection (a health check).
            Ok(None) => {}
            Err(e) => {
                debug!(peer = %addr, error = %e, "bad PROXY header: connection closed");
                return;
            }
        }
    }
    match &shared.tls {
        None => http::serve(stream, peer, shared, slot).await,
        Some(acceptor) => match crate::tls::handshake(acceptor, stream).await {
            Ok(tls) => http::serve(tls, peer, shared, slot).await,
            Err(e) => debug!(peer = %peer.addr, error = %e, "connection closed"),
        },
    }
}
