//! The codec against hostile and broken bytes: every kind of bad input fails
//! with its specific error, without panicking, and without allocating what
//! a hostile length asks for; and garbage read as snapshot records (the way
//! a client reads them, with `Reader` and `read_record`) never panics.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use bincode::error::DecodeError;
use common::*;
use rallypoint_shared::snapshot::{read_record, write_record};
use rallypoint_shared::*;

/// Records the largest single allocation per thread, so a test can show that
/// decoding hostile bytes never allocates what they declare. Per thread
/// because the test harness runs other tests in parallel.
struct TrackingAlloc;

thread_local! {
    static LARGEST_ALLOC: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for TrackingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // `try_with` because the slot is gone while a thread is torn down.
        let _ = LARGEST_ALLOC.try_with(|m| m.set(m.get().max(layout.size())));
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // `vec![0; n]` asks for zeroed memory: count it too.
        let _ = LARGEST_ALLOC.try_with(|m| m.set(m.get().max(layout.size())));
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: TrackingAlloc = TrackingAlloc;

/// Runs `f` and returns its result with the largest allocation it made.
fn largest_alloc_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LARGEST_ALLOC.with(|m| m.set(0));
    let out = f();
    (out, LARGEST_ALLOC.with(Cell::get))
}

/// Decodes each case with `decode`, expecting it to fail as too long or
/// truncated while allocating at most `bound` bytes at once.
fn assert_bounded<T: std::fmt::Debug>(
    cases: &[(&str, &[u8])],
    bound: usize,
    decode: impl Fn(&[u8]) -> Result<T, CodecError>,
) {
    for &(what, bytes) in cases {
        let (result, largest) = largest_alloc_during(|| decode(bytes));
        let e = malformed(result);
        assert!(
            matches!(
                e,
                DecodeError::LimitExceeded | DecodeError::UnexpectedEnd { .. }
            ),
            "{what}: {e:?}"
        );
        assert!(largest <= bound, "{what}: allocated {largest} bytes");
    }
}

// ---- broken messages ---------------------------------------------------------

#[test]
fn empty_input_is_truncated() {
    let e = malformed(decode_client(&[]));
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
    let e = malformed(decode_server(&[]));
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
}

#[test]
fn every_truncation_of_every_sample_fails_as_unexpected_end() {
    for msg in every_client_msg() {
        let bytes = client_bytes(&msg);
        for len in 0..bytes.len() {
            let e = malformed(decode_client(&bytes[..len]));
            assert!(
                matches!(e, DecodeError::UnexpectedEnd { .. }),
                "{msg:?} cut to {len}: {e:?}"
            );
        }
    }
    for msg in every_server_msg() {
        let bytes = server_bytes(&msg);
        for len in 0..bytes.len() {
            let e = malformed(decode_server(&bytes[..len]));
            assert!(
                matches!(e, DecodeError::UnexpectedEnd { .. }),
                "{msg:?} cut to {len}: {e:?}"
            );
        }
    }
}

#[test]
fn trailing_bytes_are_refused() {
    for msg in every_client_msg() {
        let mut bytes = client_bytes(&msg);
        let used = bytes.len();
        bytes.push(0);
        assert!(
            matches!(
                decode_client(&bytes),
                Err(CodecError::TrailingBytes { used: u, trailing: 1 }) if u == used
            ),
            "{msg:?}"
        );
    }
    for msg in every_server_msg() {
        let mut bytes = server_bytes(&msg);
        let used = bytes.len();
        bytes.extend_from_slice(&[6, 6]);
        assert!(
            matches!(
                decode_server(&bytes),
                Err(CodecError::TrailingBytes { used: u, trailing: 2 }) if u == used
            ),
            "{msg:?}"
        );
    }
}

#[test]
fn unknown_variant_tags_are_refused() {
    for tag in [CLIENT_VARIANTS as u8, CLIENT_VARIANTS as u8 + 1, 100, 250] {
        let e = malformed(decode_client(&[tag]));
        assert!(matches!(e, DecodeError::OtherString(_)), "tag {tag}: {e:?}");
    }
    // A large tag in its wide varint form is still just unknown.
    let e = malformed(decode_client(&[252, 0, 0, 0, 1]));
    assert!(matches!(e, DecodeError::OtherString(_)), "{e:?}");
    for tag in [SERVER_VARIANTS as u8, 250] {
        let e = malformed(decode_server(&[tag]));
        assert!(matches!(e, DecodeError::OtherString(_)), "tag {tag}: {e:?}");
    }
    // Nested enums: JoinTarget 3, and the first ErrorCode past the last.
    let e = malformed(decode_client(&[3, 3, 0]));
    assert!(matches!(e, DecodeError::OtherString(_)), "{e:?}");
    let e = malformed(decode_server(&[5, ALL_ERROR_CODES.len() as u8, 0]));
    assert!(matches!(e, DecodeError::OtherString(_)), "{e:?}");
}

#[test]
fn bool_and_option_tags_other_than_0_and_1_are_refused() {
    // CreateLobby { game: "", name: "", max_players: 4, private: <2> }.
    let e = malformed(decode_client(&[2, 0, 0, 4, 2]));
    assert!(matches!(e, DecodeError::InvalidBooleanValue(2)), "{e:?}");
    let e = malformed(decode_client(&[2, 0, 0, 4, 0xff]));
    assert!(matches!(e, DecodeError::InvalidBooleanValue(0xff)), "{e:?}");
    let options: [(&str, &[u8]); 3] = [
        // Joined { lobby: 1, game: "", join_code: <2> ... }.
        ("join code", &[2, 1, 0, 2]),
        // Joined { lobby: 1, game: "", None, max_players: 2, avatar: <2> }.
        ("avatar", &[2, 1, 0, 0, 2, 2]),
        // Roster [{ player: 1, name: "", avatar: <2> }].
        ("roster avatar", &[7, 1, 1, 0, 2]),
    ];
    for (what, bytes) in options {
        let e = malformed(decode_server(bytes));
        assert!(
            matches!(e, DecodeError::UnexpectedVariant { found: 2, .. }),
            "{what}: {e:?}"
        );
    }
}

#[test]
fn invalid_utf8_is_refused() {
    // A lone continuation byte, an overlong '/', and a UTF-16 surrogate.
    for text in [&[0x80][..], &[0xc0, 0xaf], &[0xed, 0xa0, 0x80]] {
        let len = text.len() as u8;
        let hello = [&[0, 1, len][..], text].concat();
        let quick_join = [&[4, len][..], text].concat();
        for bytes in [hello, quick_join] {
            let e = malformed(decode_client(&bytes));
            assert!(matches!(e, DecodeError::Utf8 { .. }), "{bytes:x?}: {e:?}");
        }
        let error = [&[5, 0, len][..], text].concat();
        let e = malformed(decode_server(&error));
        assert!(matches!(e, DecodeError::Utf8 { .. }), "{error:x?}: {e:?}");
        // A payload is bytes, not text: the same bytes are fine there.
        let game = [&[10, len][..], text].concat();
        assert_eq!(
            decode_client(&game).unwrap(),
            ClientMsg::Game(Payload(text.to_vec()))
        );
    }
}

// ---- hostile lengths -------------------------------------------------------------

#[test]
fn the_allocation_tracker_sees_allocations() {
    let (_, largest) = largest_alloc_during(|| std::hint::black_box(vec![0u8; 100_000]));
    assert!(largest >= 100_000);
    let (_, largest) =
        largest_alloc_during(|| std::hint::black_box(Vec::<u8>::with_capacity(70_000)));
    assert!(largest >= 70_000);
}

#[test]
fn huge_declared_lengths_in_client_messages_fail_without_allocating_them() {
    let cases: [(&str, &[u8]); 8] = [
        // CreateLobby whose game declares 4 GiB - 1 bytes: six bytes in all.
        ("u32 string length", &[2, 252, 0xff, 0xff, 0xff, 0xff]),
        // Hello whose name declares 2^63 bytes.
        ("u64 string length", &[0, 1, 253, 0, 0, 0, 0, 0, 0, 0, 0x80]),
        // A length just past what 512 bytes could hold.
        ("u16 string length", &[0, 1, 251, 0xff, 0xff]),
        (
            "u64::MAX length",
            &[0, 1, 253, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
        ),
        ("quick join game", &[4, 252, 0, 0, 0, 1]),
        // Input { seq: 0, ack_tick: 0, payload: 4 GiB - 1 bytes }.
        ("input payload", &[6, 0, 0, 252, 0xff, 0xff, 0xff, 0xff]),
        ("game payload", &[10, 253, 0, 0, 0, 0, 0, 0, 0, 0x80]),
        // 4,000 bytes: within the client's decode budget, so they are
        // allocated before the message runs out; that is the bound.
        ("game payload under the budget", &[10, 251, 0xa0, 0x0f]),
    ];
    assert_bounded(&cases, 16 * 1024, decode_client);
}

#[test]
fn huge_declared_ticket_lengths_fail_without_allocating_them() {
    let cases: [(&str, &[u8]); 3] = [
        // JoinLobby(Ticket) of 2^63 bytes, and of 4 GiB - 1.
        ("join ticket", &[3, 2, 253, 0, 0, 0, 0, 0, 0, 0, 0x80]),
        ("join ticket u32", &[3, 2, 252, 0xff, 0xff, 0xff, 0xff]),
        ("join ticket under the budget", &[3, 2, 251, 0xa0, 0x0f]),
    ];
    assert_bounded(&cases, 16 * 1024, decode_client);
}

#[test]
fn huge_declared_lengths_in_server_messages_fail_within_the_budget() {
    // A client decoding a server's lists, texts and payloads that declare
    // billions of entries: bounded too, if by a larger budget (8x the
    // 256 KiB limit; serde caps what a list reserves at 1 MiB).
    let mut games = vec![0, 42, 5, 30, 15, 251, 0x00, 0x02];
    games.extend_from_slice(&[0; 16]);
    games.extend_from_slice(&[20, 252, 0xff, 0xff, 0xff, 0xff]);
    let cases: [(&str, &[u8]); 11] = [
        ("lobby list", &[1, 252, 0xff, 0xff, 0xff, 0xff]),
        ("roster update added", &[9, 252, 0xff, 0xff, 0xff, 0xff, 0]),
        (
            "roster update removed",
            &[9, 0, 252, 0xff, 0xff, 0xff, 0xff],
        ),
        ("welcome games", &games),
        // tick 0, baseline_age 0, input_seq_advance 0, then 2^32 bytes.
        (
            "snapshot records",
            &[3, 0, 0, 0, 253, 0, 0, 0, 0, 1, 0, 0, 0],
        ),
        (
            "error message",
            &[5, 0, 253, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
        ),
        // Joined { lobby 1, "", None, 2, None, tick 0, info: 4 GiB - 1 }.
        (
            "joined info",
            &[2, 1, 0, 0, 2, 0, 0, 252, 0xff, 0xff, 0xff, 0xff],
        ),
        ("event payload", &[10, 252, 0xff, 0xff, 0xff, 0xff]),
        // 2 MiB - 16 bytes: just within the budget.
        (
            "event payload under the budget",
            &[10, 252, 0xf0, 0xff, 0x1f, 0x00],
        ),
        // Redirect { node: "", url: "", ticket: 4 GiB - 1 bytes }.
        ("redirect ticket", &[11, 0, 0, 252, 0xff, 0xff, 0xff, 0xff]),
        (
            "redirect ticket under the budget",
            &[11, 0, 0, 252, 0xf0, 0xff, 0x1f, 0x00],
        ),
    ];
    assert_bounded(&cases, 4 << 20, decode_server);
}

#[test]
fn huge_declared_lengths_in_payloads_and_records_are_bounded_likewise() {
    // A game decodes its payloads with `decode_payload` and its fields with
    // a `Reader`: the same budget as a server message.
    let cases: [(&str, &[u8]); 3] = [
        ("u32 length", &[252, 0xff, 0xff, 0xff, 0xff]),
        ("u64 length", &[253, 0, 0, 0, 0, 0, 0, 0, 0x80]),
        ("under the budget", &[252, 0xf0, 0xff, 0x1f, 0x00]),
    ];
    assert_bounded(&cases, 4 << 20, decode_payload::<Payload>);
    assert_bounded(&cases, 4 << 20, decode_payload::<String>);
    assert_bounded(&cases, 4 << 20, decode_payload::<Vec<u32>>);
    assert_bounded(&cases, 4 << 20, |b| Reader::new(b).read::<Payload>());
    assert_bounded(&cases, 4 << 20, |b| Reader::new(b).read::<String>());
    // Past the budget nothing is allocated at all.
    assert_bounded(&cases[..2], 16 * 1024, decode_payload::<Payload>);
    assert_bounded(&cases[..2], 16 * 1024, |b| Reader::new(b).read::<String>());
}

/// `Inputs` is the first list a client sends, and serde's `Vec` visitor
/// reserves what the declared count asks for, capped at 1 MiB, before
/// reading any input: so a six-byte message would make the server allocate
/// a megabyte for a moment. `Inputs` has its own visitor that reserves at
/// most `MAX_INPUTS_PER_MESSAGE`.
#[test]
fn a_huge_declared_input_count_reserves_no_more_than_a_full_batch() {
    let cases: [(&str, &[u8]); 3] = [
        // Inputs declaring 4 Gi - 1 inputs, then 2^63, then 1,000.
        ("u32 input count", &[9, 252, 0xff, 0xff, 0xff, 0xff]),
        ("u64 input count", &[9, 253, 0, 0, 0, 0, 0, 0, 0, 0x80]),
        ("u16 input count", &[9, 251, 0xe8, 0x03, 1, 1, 0]),
    ];
    // Room for eight inputs is a few hundred bytes.
    let full_batch = MAX_INPUTS_PER_MESSAGE * std::mem::size_of::<Input>();
    assert!(full_batch < 1024);
    assert_bounded(&cases, 1024, decode_client);
    // Only the reservation is bounded: longer lists still decode, for the
    // server to refuse by name.
    let many = ClientMsg::Inputs(inputs(1, 2 * MAX_INPUTS_PER_MESSAGE));
    assert_eq!(decode_client(&client_bytes(&many)).unwrap(), many);
}

// ---- garbage --------------------------------------------------------------------

#[test]
fn deterministic_garbage_never_panics() {
    // A fixed stream, so a failure reproduces; proptest covers the random
    // case in `codec_props.rs`.
    let mut next = xorshift(0x2545_f491_4f6c_dd1d);
    for _ in 0..20_000 {
        let len = (next() % 48) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        // Compared as bytes: a message decoded from garbage re-encodes to
        // bytes that decode to the same message.
        if let Ok(msg) = decode_client(&bytes) {
            let again = client_bytes(&msg);
            assert_eq!(client_bytes(&decode_client(&again).unwrap()), again);
        }
        if let Ok(msg) = decode_server(&bytes) {
            let again = server_bytes(&msg);
            assert_eq!(server_bytes(&decode_server(&again).unwrap()), again);
        }
    }
}

#[test]
fn garbage_records_never_panic_the_reader() {
    // Random records after a valid snapshot header always decode (they are
    // bytes to the envelope); read as records they must give heads or
    // errors, never a panic, and every head read re-encodes to one that
    // reads back the same.
    let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
    let (mut heads, mut refused) = (0, 0);
    for _ in 0..20_000 {
        let len = (next() % 40) as usize;
        let records: Vec<u8> = (0..len)
            .map(|_| {
                // Mostly small bytes and entity tags, so tags and varints
                // are often valid.
                let b = next();
                match b % 4 {
                    0 => b as u8,
                    1 => 8 + (b >> 8) as u8 % 96,
                    _ => (b % 12) as u8,
                }
            })
            .collect();
        let mut bytes = vec![3, 0xfb, 0x44, 0xe2, 4, 7, len as u8];
        bytes.extend_from_slice(&records);
        let ServerMsg::Snapshot(snap) = decode_server(&bytes).unwrap() else {
            panic!("a snapshot header decoded as another message");
        };
        assert_eq!(snap.records.0, records);
        let mut reader = Reader::new(&snap.records.0);
        while !reader.is_empty() {
            let before = reader.remaining();
            let Ok(head) = read_record(&mut reader) else {
                refused += 1;
                break;
            };
            heads += 1;
            assert!(reader.remaining() < before, "a head takes bytes");
            let mut again = Vec::new();
            write_record(&head, &mut again).unwrap();
            assert_eq!(read_record(&mut Reader::new(&again)).unwrap(), head);
        }
    }
    assert!(heads > 10_000, "only {heads} heads read");
    assert!(refused > 1_000, "only {refused} refused");
}
