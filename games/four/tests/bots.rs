//! The bot policy drives the real game: two bots, each with its own seed,
//! play through the `Game` trait; every move they make is legal, and every
//! game ends in a win (with four of the winner's discs) or a draw within
//! 42 moves. Rematches chain the games of one table.

mod common;

use common::Table;
use rallypoint_four::bot::{XorShift, choose};
use rallypoint_four::{Cell, FourEvent, FourMsg, Phase};

/// Plays one game to its end with bots; the moves it took and the result.
fn bot_game(t: &mut Table, rngs: &mut [XorShift; 2]) -> (u32, Phase) {
    let mut moves = 0;
    while let Some(seat) = t.game.turn() {
        let player = t.game.player_in(seat).unwrap();
        let board = t.singleton().board;
        let column = choose(&board, seat, &mut rngs[usize::from(seat)])
            .expect("a game in progress has a legal column");
        let sent = t.drop(player.0, column);
        moves += 1;
        assert!(
            !sent
                .iter()
                .any(|(_, e)| matches!(e, FourEvent::Illegal { .. })),
            "the bot's move was legal: {sent:?}"
        );
        if let Some((_, FourEvent::Won { seat: w, cells })) = sent.last() {
            assert_eq!(*w, seat);
            for Cell { column, row } in cells {
                assert_eq!(t.game.board().disc(Cell::new(*column, *row)), Some(seat));
            }
        }
        assert!(moves <= 42, "a game cannot outlast the board");
    }
    (moves, t.game.phase())
}

#[test]
fn bot_against_bot_always_ends_in_a_win_or_a_draw() {
    let mut results = [0u32; 3]; // seat 0 wins, seat 1 wins, draws
    for seed in 0..300u64 {
        let mut t = Table::pair();
        let mut rngs = [XorShift::new(seed * 2 + 1), XorShift::new(seed * 2 + 2)];
        let (moves, phase) = bot_game(&mut t, &mut rngs);
        match phase {
            Phase::Won { seat } => {
                results[usize::from(seat)] += 1;
                assert!(moves >= 7, "a win takes at least 7 moves");
            }
            Phase::Draw => {
                results[2] += 1;
                assert_eq!(moves, 42);
            }
            other => panic!("seed {seed}: the game ended in {other:?}"),
        }
    }
    assert!(
        results[0] > 0 && results[1] > 0,
        "both seats win some games: {results:?}"
    );
}

#[test]
fn the_same_seeds_play_the_same_game() {
    let record = |seed| {
        let mut t = Table::pair();
        let mut rngs = [XorShift::new(seed), XorShift::new(seed + 1)];
        bot_game(&mut t, &mut rngs);
        (t.singleton(), t.game.phase())
    };
    assert_eq!(record(42), record(42));
    let boards: Vec<_> = (1..20).map(|s| record(s).0.board).collect();
    assert!(
        boards.iter().any(|b| *b != boards[0]),
        "different seeds play different games"
    );
}

#[test]
fn a_table_of_bots_plays_rematch_after_rematch() {
    let mut t = Table::pair();
    let mut rngs = [XorShift::new(11), XorShift::new(12)];
    let mut decided = 0;
    for game in 1..=25u32 {
        assert_eq!(t.singleton().game, game);
        if let (_, Phase::Won { .. }) = bot_game(&mut t, &mut rngs) {
            decided += 1;
        }
        t.step(&[(1, FourMsg::Rematch), (2, FourMsg::Rematch)]);
    }
    assert_eq!(
        t.game.wins(0) + t.game.wins(1),
        decided,
        "every win counted"
    );
}
