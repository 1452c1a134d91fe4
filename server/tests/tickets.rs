//! Join tickets on a node that is not part of a fleet: every ticket is
//! refused with a clear error, and the connection stays usable. (Tickets
//! across a fleet are checked by `scripts/fleet-test`, against a real
//! Redis; the ticket's format and signature by the unit tests of
//! `fleet::ticket`.)

mod common;

use common::{Client, TestServer};
use rallypoint_server::Config;
use rallypoint_shared::{ClientMsg, ErrorCode, JoinTarget, MAX_TICKET_BYTES, ServerMsg};

#[tokio::test]
async fn a_node_alone_refuses_any_ticket_and_the_connection_goes_on() {
    let server = TestServer::start(Config::default()).await;
    let mut a = Client::welcomed(&server, "ada").await;
    for ticket in [vec![], vec![0xAB; 90], vec![0x01; MAX_TICKET_BYTES]] {
        a.send(&ClientMsg::JoinLobby(JoinTarget::Ticket(ticket)))
            .await;
        let (code, message) = a
            .recv_until(|m| match m {
                ServerMsg::Error { code, message } => Some((code, message)),
                _ => None,
            })
            .await;
        assert_eq!(code, ErrorCode::TicketRejected);
        assert!(message.contains("not part of a fleet"), "{message}");
    }
    // Still a working connection: it can make a lobby and play.
    let (code, _) = a.create_private(2).await;
    assert_eq!(code.len(), 6);
}
