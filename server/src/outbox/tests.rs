//! The outbox's queueing rules, and its writes on a real loopback socket.

use super::*;

fn msg(b: &'static [u8]) -> OutFrame {
    OutFrame::Message(Bytes::from_static(b))
}

#[test]
fn snapshot_is_latest_wins() {
    let out = Outbox::new();
    assert!(!out.push_snapshot(b"s1"));
    assert!(out.push_snapshot(b"s2"));
    assert_eq!(out.try_pop(), Some(msg(b"s2")));
    assert_eq!(out.try_pop(), None);
    assert_eq!(out.replaced_snapshots(), 1);
}

#[test]
fn frames_keep_push_order() {
    let out = Outbox::new();
    out.push(msg(b"joined")).unwrap();
    out.push_snapshot(b"s1");
    out.push(msg(b"left")).unwrap();
    assert_eq!(out.try_pop(), Some(msg(b"joined")));
    assert_eq!(out.try_pop(), Some(msg(b"s1")));
    assert_eq!(out.try_pop(), Some(msg(b"left")));
}

#[test]
fn control_queue_is_bounded_but_close_gets_through() {
    let out = Outbox::new();
    for _ in 0..CONTROL_QUEUE_CAPACITY {
        out.push(msg(b"x")).unwrap();
    }
    assert_eq!(out.push(msg(b"x")), Err(Overflow));
    out.close(1008, "too slow");
    let mut last = None;
    while let Some(f) = out.try_pop() {
        last = Some(f);
    }
    assert_eq!(
        last,
        Some(OutFrame::Close {
            code: 1008,
            reason: "too slow"
        })
    );
}

#[test]
fn pongs_past_the_cap_answer_only_the_newest_ping() {
    let out = Outbox::new();
    let pong = |i: u8| Bytes::copy_from_slice(&[i]);
    for i in 0..=UNSENT_PONGS_MAX as u8 + 3 {
        out.push_pong(pong(i)).unwrap();
        out.push(msg(b"m")).unwrap();
    }
    let pongs: Vec<_> = std::iter::from_fn(|| out.try_pop())
        .filter_map(|f| match f {
            OutFrame::Pong(b) => Some(b[0]),
            _ => None,
        })
        .collect();
    let mut expected: Vec<u8> = (0..UNSENT_PONGS_MAX as u8 - 1).collect();
    expected.push(UNSENT_PONGS_MAX as u8 + 3);
    assert_eq!(pongs, expected);
    // Once sent, pongs no longer count against the cap.
    out.push_pong(pong(7)).unwrap();
    assert_eq!(out.try_pop(), Some(OutFrame::Pong(pong(7))));
}

#[tokio::test]
async fn room_waits_for_the_writer_to_take_a_frame() {
    let out = Outbox::new();
    for _ in 0..CONTROL_QUEUE_CAPACITY {
        out.push(msg(b"x")).unwrap();
    }
    let room = out.room();
    tokio::pin!(room);
    assert!(futures_util::poll!(room.as_mut()).is_pending());
    out.try_pop();
    room.await;
    out.push(msg(b"y")).unwrap();
}

#[test]
fn nothing_follows_a_close() {
    let out = Outbox::new();
    out.close(1001, "bye");
    out.push(msg(b"late")).unwrap();
    out.push_snapshot(b"late");
    assert!(matches!(out.try_pop(), Some(OutFrame::Close { .. })));
    assert_eq!(out.try_pop(), None);
}

/// A connected loopback pair: the outbox's socket, and the peer's.
async fn attached() -> (Arc<Outbox>, tokio::net::TcpStream) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = tokio::net::TcpStream::connect(listener.local_addr().unwrap());
    let (client, (server, _)) = tokio::join!(client, async { listener.accept().await.unwrap() });
    let out = Arc::new(Outbox::new());
    out.attach(server.into_split().1);
    (out, client.unwrap())
}

#[tokio::test]
async fn an_idle_outbox_writes_at_once_and_a_full_socket_waits_in_order() {
    use tokio::io::AsyncReadExt;
    let (out, mut peer) = attached().await;
    // Written by the push itself: no writer task is running.
    out.push_snapshot(b"abc");
    let mut head = [0u8; 5];
    tokio::time::timeout(Duration::from_secs(5), peer.read_exact(&mut head))
        .await
        .expect("the push wrote nothing")
        .unwrap();
    assert_eq!(head, [0x82, 3, b'a', b'b', b'c']);

    // Fill the kernel's buffers: 60 KiB messages until one waits.
    let big = Bytes::from(vec![7u8; 60 << 10]);
    let mut sent = 0;
    while out.queued() == 0 {
        out.push(OutFrame::Message(big.clone())).unwrap();
        sent += 1;
        assert!(sent < 10_000, "the socket never filled");
    }
    out.push_snapshot(b"s1");
    assert!(out.push_snapshot(b"s2"), "an unsent snapshot is replaced");
    out.push(OutFrame::Message(Bytes::from_static(b"last")))
        .unwrap();
    out.close(1000, "");
    let writer = tokio::spawn({
        let out = out.clone();
        async move { out.write_loop(Duration::from_secs(10)).await }
    });
    // Every big message, then s2 (s1 was replaced), then `last`, then the close.
    let frame = |op: u8, payload: &[u8]| {
        let mut f = vec![op];
        f.extend_from_slice(&wire::Head::new(OpCode::Binary, payload).len_bytes());
        f.extend_from_slice(payload);
        f
    };
    let mut expected = Vec::new();
    for _ in 0..sent {
        expected.extend(frame(0x82, &big));
    }
    expected.extend(frame(0x82, b"s2"));
    expected.extend(frame(0x82, b"last"));
    expected.extend([0x88, 2, 0x03, 0xe8]);
    let mut all = vec![0; expected.len()];
    peer.read_exact(&mut all).await.unwrap();
    writer.await.unwrap().unwrap();
    assert!(all == expected, "frames out of order or corrupted");
}

#[tokio::test(start_paused = true)]
async fn a_client_that_stops_reading_times_the_writer_out() {
    let (out, _peer) = attached().await;
    let big = Bytes::from(vec![7u8; 60 << 10]);
    while out.queued() == 0 {
        out.push(OutFrame::Message(big.clone())).unwrap();
    }
    let err = out.write_loop(Duration::from_secs(10)).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::TimedOut);
}
