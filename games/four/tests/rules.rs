//! The rules of the board, through the game: gravity, the four kinds of
//! line with the right cells, longer runs, and a full board with no line
//! as a draw.

mod common;

use common::{DRAW, HORIZONTAL_WIN, Table};
use rallypoint_four::{Board, COLUMNS, Cell, DropError, FourEvent, Phase, ROWS};
use rallypoint_game::To;

fn cells(list: [(u8, u8); 4]) -> [Cell; 4] {
    list.map(|(c, r)| Cell::new(c, r))
}

/// Plays `columns` from a fresh pair and checks the last move won for
/// `seat` with exactly `want`, and that the game then stopped.
fn wins_with(columns: &[u8], seat: u8, want: [(u8, u8); 4]) {
    let mut t = Table::pair();
    let last = t.play(columns);
    let won = FourEvent::Won {
        seat,
        cells: cells(want),
    };
    assert_eq!(last.last(), Some(&(To::All, won)), "{last:?}");
    assert_eq!(t.game.phase(), Phase::Won { seat });
    assert_eq!(t.game.turn(), None);
    assert_eq!(t.game.wins(seat), 1);
    assert_eq!(t.game.wins(1 - seat), 0);
    for (c, r) in want {
        assert_eq!(t.game.board().disc(Cell::new(c, r)), Some(seat));
    }
}

#[test]
fn a_horizontal_line_wins() {
    wins_with(&HORIZONTAL_WIN, 0, [(0, 0), (1, 0), (2, 0), (3, 0)]);
}

#[test]
fn a_vertical_line_wins() {
    wins_with(&[0, 1, 0, 1, 0, 1, 0], 0, [(0, 0), (0, 1), (0, 2), (0, 3)]);
}

#[test]
fn a_rising_diagonal_wins() {
    let columns = [0, 1, 1, 2, 2, 3, 2, 3, 3, 6, 3];
    wins_with(&columns, 0, [(0, 0), (1, 1), (2, 2), (3, 3)]);
}

#[test]
fn a_falling_diagonal_wins() {
    // The rising case mirrored: the last disc lands on the line's top end.
    let columns = [6, 5, 5, 4, 4, 3, 4, 3, 3, 0, 3];
    wins_with(&columns, 0, [(3, 3), (4, 2), (5, 1), (6, 0)]);
}

#[test]
fn seat_one_can_win_too() {
    // Seat 0 wastes moves in columns 0, 6 and 0 while seat 1 stacks 3.
    wins_with(
        &[0, 3, 6, 3, 0, 3, 6, 3],
        1,
        [(3, 0), (3, 1), (3, 2), (3, 3)],
    );
}

#[test]
fn a_disc_that_joins_two_runs_reports_four_cells_holding_it() {
    // Bottom row: seat 0 at 0, 1, 2 and 4, 5; the disc in 3 makes six.
    let mut b = Board::new();
    for c in [0, 1, 2, 4, 5] {
        b.play(c, 0).unwrap();
    }
    assert_eq!(b.four_through(Cell::new(1, 0)), None, "a gap breaks a line");
    let row = b.play(3, 0).unwrap();
    assert_eq!(row, 0);
    let four = b.four_through(Cell::new(3, 0)).unwrap();
    assert_eq!(four, cells([(0, 0), (1, 0), (2, 0), (3, 0)]));
    // Asked from the run's right end, the four end there.
    let four = b.four_through(Cell::new(5, 0)).unwrap();
    assert_eq!(four, cells([(2, 0), (3, 0), (4, 0), (5, 0)]));
}

#[test]
fn three_in_a_row_or_mixed_seats_do_not_win() {
    let mut b = Board::new();
    for c in 0..3 {
        b.play(c, 1).unwrap();
    }
    b.play(3, 0).unwrap();
    for c in 0..COLUMNS {
        assert_eq!(b.four_through(Cell::new(c, 0)), None, "column {c}");
    }
    assert_eq!(b.four_through(Cell::new(0, 1)), None, "an empty cell");
}

#[test]
fn gravity_stacks_discs_and_refuses_a_full_or_missing_column() {
    let mut b = Board::new();
    for row in 0..ROWS {
        assert_eq!(b.height(2), row);
        assert_eq!(b.play(2, row % 2), Ok(row));
    }
    let before = b;
    assert_eq!(b.play(2, 0), Err(DropError::Full));
    assert_eq!(b.play(COLUMNS, 0), Err(DropError::OutOfRange));
    assert_eq!(b.play(u8::MAX, 1), Err(DropError::OutOfRange));
    assert_eq!(b, before, "a refused drop changes nothing");
    assert_eq!(b.legal_columns().collect::<Vec<_>>(), [0, 1, 3, 4, 5, 6]);
    assert_eq!(b.disc(Cell::new(2, 5)), Some(1));
    assert_eq!(b.disc(Cell::new(2, ROWS)), None, "off the board");
}

#[test]
fn a_full_board_with_no_line_is_a_draw() {
    let mut t = Table::pair();
    let mut events = Vec::new();
    for &c in &DRAW {
        events.extend(t.play(&[c]));
    }
    assert!(
        !events
            .iter()
            .any(|(_, e)| matches!(e, FourEvent::Won { .. })),
        "nobody won on the way"
    );
    assert_eq!(events.last(), Some(&(To::All, FourEvent::Draw)));
    assert_eq!(events.len(), 42 + 1, "42 moves and the draw");
    assert!(t.game.board().is_full());
    assert_eq!(t.game.phase(), Phase::Draw);
    assert_eq!(t.singleton().moves, 42);
    assert_eq!((t.game.wins(0), t.game.wins(1)), (0, 0));
}
