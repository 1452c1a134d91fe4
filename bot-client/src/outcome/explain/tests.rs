use clap::Parser;
use rallypoint_server::{Cli, Config};

use super::*;

const URL: &str = "ws://127.0.0.1:7000/ws";

fn explain(reason: FailReason) -> String {
    reason.explain(URL).to_string()
}

#[test]
fn per_ip_cap_names_the_status_the_cap_and_the_flag() {
    assert_eq!(
        explain(FailReason::Handshake(HandshakeFail::Status(429))),
        "handshake refused: HTTP 429 Too Many Requests: the server's per-IP connection cap \
         (default 128) was reached; start the server with a higher --max-connections-per-ip \
         (above --bots, since every bot connects from the same address)"
    );
}

#[test]
fn global_cap_names_max_connections() {
    let words = FailReason::Handshake(HandshakeFail::Status(503)).explain(URL);
    assert_eq!(
        words.cause,
        "handshake refused: HTTP 503 Service Unavailable: the server's connection cap \
         (default 4096) was reached"
    );
    assert!(
        words
            .remedy
            .starts_with("start the server with a higher --max-connections ")
    );
}

#[test]
fn nothing_listening_names_the_url() {
    assert_eq!(
        explain(FailReason::Connect(TcpFail::Refused)),
        "connect refused: nothing listens at ws://127.0.0.1:7000/ws; \
         start rallypoint-server or check --url"
    );
}

#[test]
fn other_statuses_keep_their_number_and_name() {
    let cause = |status| {
        FailReason::Handshake(HandshakeFail::Status(status))
            .explain(URL)
            .cause
    };
    assert!(cause(403).starts_with("handshake refused: HTTP 403 Forbidden: "));
    assert!(
        cause(403).contains("banned"),
        "403 is what a banned address gets"
    );
    // A wrong path: `/` serves the browser client, anything else 404.
    assert!(cause(200).contains("HTTP 200 OK: --url's path is not"));
    assert!(cause(404).contains("HTTP 404 Not Found: --url's path is not"));
    assert!(cause(418).starts_with("handshake refused: HTTP 418 I'm a teapot: "));
    assert!(cause(599).starts_with("handshake refused: HTTP 599 (non-standard status): "));
}

#[test]
fn a_resume_says_so_and_keeps_the_inner_words() {
    let reason = FailReason::Handshake(HandshakeFail::Status(429)).during_resume();
    let words = reason.explain(URL);
    assert_eq!(
        words.cause,
        "resume after a chaos drop failed: handshake refused: HTTP 429 Too Many Requests: \
         the server's per-IP connection cap (default 128) was reached"
    );
    assert!(words.remedy.contains("--max-connections-per-ip"));
}

#[test]
fn a_redirect_says_so_and_names_its_remedy() {
    let words = FailReason::Redirect(RedirectFail::RemoteHost).explain(URL);
    assert!(
        words
            .cause
            .starts_with("following a Redirect to another node of the fleet failed: "),
        "{words}"
    );
    assert!(words.remedy.starts_with("pass --allow-remote"), "{words}");
    let words = FailReason::ServerError(ErrorCode::TicketRejected)
        .during_redirect()
        .explain(URL);
    assert!(
        words.cause.contains(
            "server error TicketRejected: the node refused the join ticket of a redirect"
        ),
        "{words}"
    );
    assert!(words.remedy.contains("--fleet-secret"), "{words}");
    let words = FailReason::Redirect(RedirectFail::TooMany).explain(URL);
    assert!(
        words.cause.ends_with("over 3 Redirects in a row"),
        "{words}"
    );
}

#[test]
fn the_server_defaults_named_are_the_servers() {
    let config = Config::default();
    assert_eq!(config.max_connections_per_ip, SERVER_MAX_CONNECTIONS_PER_IP);
    assert_eq!(config.max_connections, SERVER_MAX_CONNECTIONS);
    assert_eq!(config.max_lobbies, SERVER_MAX_LOBBIES);
    assert_eq!(config.rate_limit_per_sec, SERVER_RATE_LIMIT_PER_SEC);
    assert_eq!(config.resume_grace_secs, SERVER_RESUME_GRACE_SECS);
    assert_eq!(config.ticket_secs, SERVER_TICKET_SECS);
}

/// Every reason the bots can report, with the statuses the words tell apart.
fn every_reason() -> Vec<FailReason> {
    let stages = [
        Stage::Connect,
        Stage::Welcome,
        Stage::Join,
        Stage::Play,
        Stage::Leave,
        Stage::Close,
        Stage::Idle,
        Stage::FirstSnapshot,
        Stage::Run,
    ];
    let codes = [
        ErrorCode::BadMessage,
        ErrorCode::VersionMismatch,
        ErrorCode::UnexpectedMessage,
        ErrorCode::InvalidField,
        ErrorCode::LobbyNotFound,
        ErrorCode::LobbyFull,
        ErrorCode::TooManyLobbies,
        ErrorCode::ServerFull,
        ErrorCode::ShuttingDown,
        ErrorCode::LobbyClosed,
        ErrorCode::RateLimited,
        ErrorCode::ResumeRejected,
        ErrorCode::JoinRefused,
        ErrorCode::TicketRejected,
    ];
    let mut reasons = vec![
        FailReason::Connect(TcpFail::Refused),
        FailReason::Connect(TcpFail::Other),
        FailReason::Handshake(HandshakeFail::Other),
        FailReason::ClosedEarly,
        FailReason::LeftEarly,
        FailReason::NoSnapshots,
        FailReason::Stalled,
        FailReason::ProtocolMismatch,
        FailReason::NoJoinCode,
        FailReason::Panicked,
        FailReason::ServerShutdown,
        FailReason::ScoreLost,
        FailReason::WrongGame,
    ];
    for status in [200, 400, 403, 404, 418, 426, 429, 503] {
        reasons.push(FailReason::Handshake(HandshakeFail::Status(status)));
    }
    reasons.extend(stages.map(FailReason::Timeout));
    reasons.extend(codes.map(FailReason::ServerError));
    let resumes: Vec<FailReason> = reasons.iter().map(|r| r.during_resume()).collect();
    let redirects: Vec<FailReason> = reasons.iter().map(|r| r.during_redirect()).collect();
    reasons.extend(resumes);
    reasons.extend(redirects);
    for fail in [
        RedirectFail::RemoteHost,
        RedirectFail::BadUrl,
        RedirectFail::Resolve,
        RedirectFail::TooMany,
        RedirectFail::TicketTooLong,
    ] {
        reasons.push(FailReason::Redirect(fail));
    }
    for fail in [
        ResumeFail::PlayerChanged,
        ResumeFail::LobbyChanged,
        ResumeFail::EntityChanged,
    ] {
        reasons.push(FailReason::Resume(fail));
    }
    reasons
}

/// The `--flags` a text names.
fn flags(text: &str) -> Vec<&str> {
    text.match_indices("--")
        .map(|(at, _)| {
            let rest = &text[at..];
            let end = 2 + rest[2..]
                .find(|c: char| !(c.is_ascii_lowercase() || c == '-'))
                .unwrap_or(rest.len() - 2);
            &rest[..end]
        })
        .collect()
}

#[test]
fn every_flag_named_is_a_real_flag() {
    // The bot's flags are defined in `main.rs`, out of reach of this
    // library's tests; these are the ones the words may name.
    let bot_flags = [
        "--url",
        "--bots",
        "--ramp-ms",
        "--duration",
        "--lobby-size",
        "--join",
        "--seed",
        "--chaos",
        "--game",
        "--allow-remote",
    ];
    let mut named = 0;
    for reason in every_reason() {
        let words = reason.explain(URL);
        assert!(
            !words.cause.is_empty() && !words.remedy.is_empty(),
            "{reason}"
        );
        for flag in flags(&words.to_string()) {
            named += 1;
            if bot_flags.contains(&flag) {
                continue;
            }
            let parsed = Cli::try_parse_from(["rallypoint-server", flag, "7"]);
            assert!(
                parsed.is_ok(),
                "{reason}: {flag} is neither a bot flag nor a server flag"
            );
        }
    }
    assert!(named > 20, "only {named} flags named");
}
