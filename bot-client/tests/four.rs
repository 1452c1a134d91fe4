//! Four in a Row bots against the real server, started in-process on
//! `127.0.0.1:0`: pairs of bots take the two seats of a lobby, move on
//! their turns from the replicated state, finish games and ask for
//! rematches, acknowledging snapshots with `Ack` (four has no per-tick
//! input); and with chaos, they resume their seats.

mod in_process;

use std::time::Duration;

use rallypoint_bot_client::games::{FourCounts, GameCounts};
use rallypoint_bot_client::{GameName, LobbyMode, Report, RunOptions};
use rallypoint_server::Config;

fn four(report: &Report) -> FourCounts {
    match report.game {
        GameCounts::Four(counts) => counts,
        other => panic!("four counts, not {other:?}: {report}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pairs_of_bots_finish_games_and_rematch() {
    let report = in_process::play(
        Config::default(),
        RunOptions {
            game: GameName::Four,
            bots: 6,
            duration: Duration::from_secs(4),
            lobby: LobbyMode::Groups { size: 2 },
            ..RunOptions::default()
        },
    )
    .await;
    assert!(report.passed(), "{report}");
    let c = four(&report);
    // A bots' game lasts well under a second: several per pair.
    assert!(c.games_finished >= 6, "{report}");
    assert_eq!(c.wins + c.losses + c.draws, c.games_finished, "{report}");
    // Each game is a win at one seat and a loss at the other, but for a
    // forfeit by a bot leaving at the end, which only the other counts.
    assert!(c.wins >= c.losses && c.wins <= c.losses + 3, "{report}");
    assert!(c.rematches >= c.games_finished / 2, "{report}");
    assert!(c.moves >= 7 * c.games_finished / 2, "{report}");
    assert!(c.illegal <= 3, "only a move in flight at a leave: {report}");
    assert_eq!(report.game_messages_sent, c.moves + c.rematches, "{report}");
    // No per-tick input: views are acknowledged with `Ack`, so the server
    // sends deltas.
    assert_eq!(report.inputs_per_bot_per_sec.mean, 0.0, "{report}");
    assert!(report.acks_per_bot_per_sec.min > 10.0, "{report}");
    let d = &report.deltas;
    assert!(d.delta_snapshots > 10 * d.full_snapshots, "{report}");
    assert_eq!(
        (d.missing_baseline, d.invalid_snapshots),
        (0, 0),
        "{report}"
    );
    assert_eq!(report.server_errors, 0, "{report}");
    assert_eq!(report.prediction_error.samples, 0, "{report}");
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["game"]["name"], "four", "{json}");
    assert_eq!(json["game"]["games_finished"], c.games_finished);
    let text = report.to_string();
    assert!(text.contains("  game          four: "), "{text}");
    assert!(text.contains("  acks          "), "{text}");
    assert!(!text.contains("  inputs "), "{text}");
}

/// 6 bots, 4 s, 60 drops per bot per minute: each resume must land in the
/// same lobby, and the first snapshot after it must keep the seat's wins
/// and the game number.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_drops_resume_into_the_same_seat() {
    let report = in_process::play(
        Config::default(),
        RunOptions {
            game: GameName::Four,
            bots: 6,
            duration: Duration::from_secs(4),
            lobby: LobbyMode::Groups { size: 2 },
            chaos: Some(60.0),
            ..RunOptions::default()
        },
    )
    .await;
    assert!(report.resumes_attempted >= 6, "{report}");
    assert_eq!(report.resumes_failed, 0, "{report}");
    assert!(report.passed(), "{report}");
    assert!(four(&report).games_finished > 0, "{report}");
}

/// Groups bigger than four's two seats could never fill their lobbies:
/// the run refuses to start, naming the seats.
#[tokio::test]
async fn a_lobby_size_beyond_the_seats_is_refused_before_the_run() {
    let opts = RunOptions {
        game: GameName::Four,
        lobby: LobbyMode::Groups { size: 3 },
        ..RunOptions::default()
    };
    let err = rallypoint_bot_client::run(opts).await.unwrap_err();
    assert!(err.to_string().contains("seats at most 2"), "{err}");
}
