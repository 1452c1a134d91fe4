//! The session table's tests: tokens, grace, caps, takeovers and kicks.

use super::*;

fn info(n: u64) -> SessionInfo {
    SessionInfo {
        player: PlayerId(n),
        name: format!("p{n}"),
        lobby: None,
        account: None,
    }
}

const GRACE: Duration = Duration::from_secs(20);

#[test]
fn a_token_resumes_once_and_is_renewed() {
    let t = SessionTable::new(GRACE, 10);
    let now = Instant::now();
    let old = Kick::new();
    let t1 = t.insert(info(1), old.clone());
    t.detach(&t1, now);
    let (got, t2) = t.resume(&t1, Kick::new(), now).unwrap();
    assert_eq!(got.player, PlayerId(1));
    assert_ne!(t1, t2);
    assert_eq!(t.resume(&t1, Kick::new(), now).err(), Some(Rejected));
    assert!(t.resume(&t2, Kick::new(), now).is_ok());
}

#[test]
fn resuming_a_live_session_kicks_the_old_connection() {
    let t = SessionTable::new(GRACE, 10);
    let old = Kick::new();
    let t1 = t.insert(info(1), old.clone());
    t.resume(&t1, Kick::new(), Instant::now()).unwrap();
    assert!(old.is_fired());
    assert_eq!(old.reason(), Some(&KickReason::Resumed));
}

#[test]
fn grace_expires_and_forged_tokens_fail() {
    let t = SessionTable::new(GRACE, 10);
    let now = Instant::now();
    let t1 = t.insert(info(1), Kick::new());
    t.detach(&t1, now);
    assert!(t.resume(&ResumeToken([7; 16]), Kick::new(), now).is_err());
    assert!(t.resume(&t1, Kick::new(), now + GRACE).is_err());
    let t2 = t.insert(info(2), Kick::new());
    t.detach(&t2, now);
    t.sweep(now + GRACE);
    assert!(t.is_empty());
}

#[test]
fn detached_sessions_are_capped_oldest_first() {
    let t = SessionTable::new(GRACE, 2);
    let now = Instant::now();
    let tokens: Vec<_> = (0..3)
        .map(|i| {
            let tok = t.insert(info(i), Kick::new());
            t.detach(&tok, now);
            tok
        })
        .collect();
    assert_eq!(t.len(), 2);
    assert!(t.resume(&tokens[0], Kick::new(), now).is_err());
    assert!(t.resume(&tokens[2], Kick::new(), now).is_ok());
}

#[test]
fn a_second_login_of_an_account_takes_its_session_over() {
    let t = SessionTable::new(GRACE, 10);
    let now = Instant::now();
    let first = Kick::new();
    let mut ada = info(1 << 63 | 7);
    ada.account = Some("ada".into());
    t.insert(ada, first.clone());
    assert!(t.take_over("bob", Kick::new(), now).is_none());
    let second = Kick::new();
    let (got, token) = t.take_over("ada", second.clone(), now).unwrap();
    assert_eq!(got.player, PlayerId(1 << 63 | 7));
    assert_eq!(first.reason(), Some(&KickReason::Replaced));
    assert!(!second.is_fired());
    // The index follows the session to its new token: a third login
    // replaces the second, and a dropped session is taken over too,
    // but not after its grace.
    let third = Kick::new();
    let (_, token3) = t.take_over("ada", third, now).unwrap();
    assert_ne!(token, token3);
    assert_eq!(second.reason(), Some(&KickReason::Replaced));
    t.detach(&token3, now);
    assert!(t.take_over("ada", Kick::new(), now).is_some());
    let (_, token5) = t.take_over("ada", Kick::new(), now).unwrap();
    t.detach(&token5, now);
    assert!(t.take_over("ada", Kick::new(), now + GRACE).is_none());
    assert!(t.is_empty());
}

#[test]
fn kicking_a_player_fires_its_connection_or_drops_its_detached_session() {
    let t = SessionTable::new(GRACE, 10);
    let now = Instant::now();
    let live = Kick::new();
    t.insert(info(1), live.clone());
    let t2 = t.insert(info(2), Kick::new());
    t.detach(&t2, now);
    let why = KickReason::Kicked("spamming".into());
    assert!(matches!(
        t.kick_player(PlayerId(1), why.clone()),
        Kicked::Connection
    ));
    assert_eq!(live.reason(), Some(&why));
    assert!(matches!(
        t.kick_player(PlayerId(2), why.clone()),
        Kicked::Detached(None)
    ));
    assert!(t.resume(&t2, Kick::new(), now).is_err());
    assert!(matches!(t.kick_player(PlayerId(3), why), Kicked::Unknown));
    assert!(t.player(PlayerId(1)).is_some_and(|s| s.live));
    assert!(t.player(PlayerId(2)).is_none());
}

#[test]
fn a_ban_kicks_by_account_and_by_address() {
    use std::net::IpAddr;
    let t = SessionTable::new(GRACE, 10);
    let now = Instant::now();
    let ip: IpAddr = "192.0.2.7".parse().unwrap();
    let link = || Link::new(ip, std::sync::Arc::new(crate::liveness::Liveness::new(now)));
    let mut ada = info(1);
    ada.account = Some("ada".into());
    let ada_kick = Kick::new();
    t.insert(ada, ada_kick.clone());
    let why = KickReason::Banned("banned until then".into());
    let (player, kicked) = t.kick_account("ada", why.clone());
    assert_eq!(player, Some(PlayerId(1)));
    assert!(matches!(kicked, Kicked::Connection));
    assert_eq!(ada_kick.reason(), Some(&why));
    assert!(matches!(
        t.kick_account("bob", why.clone()).1,
        Kicked::Unknown
    ));

    let from_ip = Kick::new().with_link(link());
    t.insert(info(2), from_ip.clone());
    let dropped = t.insert(info(3), Kick::new().with_link(link()));
    t.detach(&dropped, now);
    t.insert(info(4), Kick::new());
    let kicked = t.kick_ip(ip, &why);
    assert_eq!(kicked.len(), 2);
    assert!(from_ip.is_fired());
    assert!(t.player(PlayerId(3)).is_none(), "the detached one is gone");
    assert!(
        t.player(PlayerId(4))
            .is_some_and(|s| s.live && s.link.ip != ip)
    );
}
