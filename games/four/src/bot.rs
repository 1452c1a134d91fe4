//! The bot policy the bot client will play Four with: a pure function of
//! the board, the bot's seat and a random state the caller seeds, so a bot
//! game is reproducible from its seeds. It is deliberately simple (one
//! move of lookahead): win if it can, else block the opponent's immediate
//! win, else a random legal column. That is enough to finish games with
//! real wins and draws under load without needing a search.

use crate::board::{Board, Cell};

/// A tiny xorshift64 generator (Marsaglia's 13, 7, 17): reproducible from
/// its seed, with no dependency and no global state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XorShift(u64);

impl XorShift {
    /// A generator seeded with `seed`. Xorshift never leaves the all-zero
    /// state, so a zero seed is replaced with a fixed non-zero one.
    pub fn new(seed: u64) -> XorShift {
        XorShift(if seed == 0 {
            0x9e37_79b9_7f4a_7c15
        } else {
            seed
        })
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `0..n`; `n` must be non-zero. The slight modulo bias
    /// (at most n / 2^64) does not matter for picking a column.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// The column `me` (seat 0 or 1) should drop in: a winning column if there
/// is one, else one that stops the other seat winning on its next move,
/// else a legal column chosen with `rng`. Ties go to the leftmost column.
/// `None` only when the board is full.
pub fn choose(board: &Board, me: u8, rng: &mut XorShift) -> Option<u8> {
    let them = 1 - me;
    if let Some(column) = winning_column(board, me) {
        return Some(column);
    }
    if let Some(column) = winning_column(board, them) {
        return Some(column);
    }
    let legal = board.legal_columns().count() as u64;
    if legal == 0 {
        return None;
    }
    let pick = rng.below(legal) as usize;
    board.legal_columns().nth(pick)
}

/// The leftmost column where a disc of `seat` would make four in a row.
fn winning_column(board: &Board, seat: u8) -> Option<u8> {
    board.legal_columns().find(|&column| {
        let mut after = *board;
        let row = after.play(column, seat).expect("the column is legal");
        after.four_through(Cell::new(column, row)).is_some()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::board::{COLUMNS, ROWS};

    /// A board from discs dropped in `columns` by alternating seats, seat
    /// 0 first.
    fn board(columns: &[u8]) -> Board {
        let mut b = Board::new();
        for (i, &c) in columns.iter().enumerate() {
            b.play(c, (i % 2) as u8).expect("a legal test position");
        }
        b
    }

    #[test]
    fn takes_a_win() {
        // Seat 0 holds columns 1, 2, 3 on the bottom row; 0 and 4 both win.
        let b = board(&[1, 1, 2, 2, 3, 6]);
        for seed in 1..50 {
            assert_eq!(choose(&b, 0, &mut XorShift::new(seed)), Some(0));
        }
        // Vertically: seat 1 has three in column 5 and seat 0 no threat.
        let b = board(&[0, 5, 1, 5, 6, 5, 0]);
        assert_eq!(choose(&b, 1, &mut XorShift::new(7)), Some(5));
    }

    #[test]
    fn blocks_a_threat_and_prefers_its_own_win() {
        // Seat 0 threatens column 3 (bottom row 0, 1, 2); seat 1 to move.
        let b = board(&[0, 6, 1, 6, 2]);
        for seed in 1..50 {
            assert_eq!(choose(&b, 1, &mut XorShift::new(seed)), Some(3));
        }
        // Seat 1 also has three in column 6 after one more pair: it wins
        // instead of blocking.
        let b = board(&[0, 6, 1, 6, 5, 6, 2]);
        assert_eq!(choose(&b, 1, &mut XorShift::new(3)), Some(6));
    }

    #[test]
    fn random_choice_is_legal_and_reproducible() {
        // Columns 0 and 3 full (no line: they alternate seats), no threats.
        let mut b = Board::new();
        for c in [0, 3] {
            for i in 0..ROWS {
                b.play(c, i % 2).unwrap();
            }
        }
        assert!(!b.is_legal(0) && !b.is_legal(3));
        let mut seen = [false; COLUMNS as usize];
        for seed in 0..200 {
            let a: Vec<_> = (0..5)
                .scan(XorShift::new(seed), |rng, _| Some(choose(&b, 0, rng)))
                .collect();
            let again: Vec<_> = (0..5)
                .scan(XorShift::new(seed), |rng, _| Some(choose(&b, 0, rng)))
                .collect();
            assert_eq!(a, again, "seed {seed} replays");
            for c in a {
                let c = c.expect("a legal column exists");
                assert!(b.is_legal(c), "column {c} is legal");
                seen[usize::from(c)] = true;
            }
        }
        assert_eq!(
            seen,
            [false, true, true, false, true, true, true],
            "every legal column, and only those, comes up"
        );
    }

    #[test]
    fn a_full_board_has_no_choice() {
        // Seat ((row / 2) + column) % 2 in every cell: seats alternate
        // along each row, and every column and diagonal changes seat at
        // least every two cells.
        let mut b = Board::new();
        for row in 0..ROWS {
            for column in 0..COLUMNS {
                b.play(column, (row / 2 + column) % 2).unwrap();
            }
        }
        assert!(b.is_full());
        assert_eq!(choose(&b, 0, &mut XorShift::new(1)), None);
    }

    #[test]
    fn a_zero_seed_still_moves() {
        let mut rng = XorShift::new(0);
        assert_ne!(rng.next_u64(), 0);
    }
}
