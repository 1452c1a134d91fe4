//! The board and its rules, free of players, turns and time: 7 columns of
//! 6 cells with gravity (a disc dropped in a column lands on the lowest
//! empty cell), and the line test that decides a win. The game, the bot
//! policy and (later) clients all judge a position with this one module,
//! so they cannot disagree about what is legal or what wins.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Columns on the board. Standard Four in a Row: 7.
pub const COLUMNS: u8 = 7;
/// Cells in a column. Standard Four in a Row: 6.
pub const ROWS: u8 = 6;
/// Cells on the board: 42.
pub const CELLS: usize = COLUMNS as usize * ROWS as usize;
/// Discs in a row that win. The name of the game: 4.
pub const LINE: usize = 4;

/// A cell's place: `column` 0 (left) to 6, `row` 0 (bottom) to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Cell {
    pub column: u8,
    pub row: u8,
}

impl Cell {
    pub const fn new(column: u8, row: u8) -> Cell {
        Cell { column, row }
    }

    /// The index of the cell in [`Board::cells`]: rows from the bottom,
    /// each row left to right.
    pub fn index(self) -> usize {
        usize::from(self.row) * usize::from(COLUMNS) + usize::from(self.column)
    }
}

/// Why a disc cannot be dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropError {
    /// The column is not one of 0 to 6.
    OutOfRange,
    /// The column holds six discs already.
    Full,
}

impl fmt::Display for DropError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DropError::OutOfRange => "no such column",
            DropError::Full => "the column is full",
        })
    }
}

/// The four directions a line can run in, each named by its step: along a
/// row, up a column, and the two diagonals. Checked in this order, so the
/// line reported for a move that completes two is always the same one.
const DIRECTIONS: [(i8, i8); 4] = [(1, 0), (0, 1), (1, 1), (1, -1)];

/// 42 cells, each empty or holding the disc of seat 0 or seat 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Board {
    cells: [Option<u8>; CELLS],
}

impl Default for Board {
    fn default() -> Self {
        Board::new()
    }
}

/// On the wire a board is its 42 cells in [`Cell::index`] order, one byte
/// each: 0 empty, 1 a disc of seat 0, 2 a disc of seat 1.
impl Serialize for Board {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let mut t = s.serialize_tuple(CELLS)?;
        for cell in &self.cells {
            t.serialize_element(&cell.map_or(0u8, |seat| seat + 1))?;
        }
        t.end()
    }
}

impl<'de> Deserialize<'de> for Board {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Board, D::Error> {
        struct Cells;
        impl<'de> serde::de::Visitor<'de> for Cells {
            type Value = Board;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("42 cells, each 0, 1 or 2")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Board, A::Error> {
                let mut board = Board::new();
                for (i, cell) in board.cells.iter_mut().enumerate() {
                    let byte: u8 = seq
                        .next_element()?
                        .ok_or_else(|| serde::de::Error::invalid_length(i, &self))?;
                    *cell = match byte {
                        0 => None,
                        1 | 2 => Some(byte - 1),
                        _ => return Err(serde::de::Error::custom("a cell is 0, 1 or 2")),
                    };
                }
                Ok(board)
            }
        }
        d.deserialize_tuple(CELLS, Cells)
    }
}

impl Board {
    /// An empty board.
    pub const fn new() -> Board {
        Board {
            cells: [None; CELLS],
        }
    }

    /// Every cell, indexed by [`Cell::index`]: the seat whose disc is
    /// there, or `None`.
    pub fn cells(&self) -> &[Option<u8>; CELLS] {
        &self.cells
    }

    /// The seat whose disc is at `cell`; `None` if it is empty or off the
    /// board.
    pub fn disc(&self, cell: Cell) -> Option<u8> {
        if cell.column >= COLUMNS || cell.row >= ROWS {
            return None;
        }
        self.cells[cell.index()]
    }

    /// Discs in `column` (0 for a column off the board). Gravity keeps
    /// every column's discs at its bottom, so this is also the row the next
    /// disc lands on.
    pub fn height(&self, column: u8) -> u8 {
        if column >= COLUMNS {
            return 0;
        }
        (0..ROWS)
            .take_while(|&row| self.cells[Cell::new(column, row).index()].is_some())
            .count() as u8
    }

    /// Whether a disc may be dropped in `column`.
    pub fn is_legal(&self, column: u8) -> bool {
        column < COLUMNS && self.height(column) < ROWS
    }

    /// The columns a disc may be dropped in, left to right.
    pub fn legal_columns(&self) -> impl Iterator<Item = u8> + '_ {
        (0..COLUMNS).filter(|&c| self.is_legal(c))
    }

    /// Whether every cell holds a disc.
    pub fn is_full(&self) -> bool {
        self.cells.iter().all(Option::is_some)
    }

    /// Discs on the board.
    pub fn discs(&self) -> usize {
        self.cells.iter().filter(|c| c.is_some()).count()
    }

    /// Drops a disc of `seat` in `column`; the row it landed on. A refused
    /// drop leaves the board untouched.
    pub fn play(&mut self, column: u8, seat: u8) -> Result<u8, DropError> {
        if column >= COLUMNS {
            return Err(DropError::OutOfRange);
        }
        let row = self.height(column);
        if row >= ROWS {
            return Err(DropError::Full);
        }
        self.cells[Cell::new(column, row).index()] = Some(seat);
        Ok(row)
    }

    /// Four discs in a row through `cell`, all of the seat whose disc is
    /// there, if there are any; `None` for an empty cell. Only lines through
    /// the last disc dropped can be new, so the game checks that one cell
    /// instead of the whole board.
    ///
    /// Where a run is longer than four, or the cell completes more than one
    /// line, the answer is still four cells that include `cell`: the first
    /// direction of [`DIRECTIONS`] that wins, and within its run the window
    /// that starts as far back as it can while holding `cell`. The cells
    /// are in order along the direction.
    pub fn four_through(&self, cell: Cell) -> Option<[Cell; LINE]> {
        let seat = self.disc(cell)?;
        DIRECTIONS.iter().find_map(|&(dc, dr)| {
            // `run` looks at most three cells each way, so `back` steps
            // back is where the window that starts furthest back while
            // holding `cell` begins, and `back + 1 + ahead >= 4` means the
            // four cells from there are all this seat's.
            let back = self.run(cell, seat, -dc, -dr);
            let ahead = self.run(cell, seat, dc, dr);
            if back + 1 + ahead < LINE {
                return None;
            }
            Some(std::array::from_fn(|i| {
                let k = i as i16 - back as i16;
                step(cell, dc, dr, k).expect("a run's cells are on the board")
            }))
        })
    }

    /// Discs of `seat` in a row from `cell` (not counting it) going
    /// (`dc`, `dr`).
    fn run(&self, cell: Cell, seat: u8, dc: i8, dr: i8) -> usize {
        (1..LINE as i16)
            .map_while(|k| step(cell, dc, dr, k))
            .take_while(|&c| self.disc(c) == Some(seat))
            .count()
    }
}

/// The cell `k` steps from `cell` in direction (`dc`, `dr`), if it is on
/// the board.
fn step(cell: Cell, dc: i8, dr: i8, k: i16) -> Option<Cell> {
    let column = i16::from(cell.column) + i16::from(dc) * k;
    let row = i16::from(cell.row) + i16::from(dr) * k;
    let on = (0..i16::from(COLUMNS)).contains(&column) && (0..i16::from(ROWS)).contains(&row);
    on.then(|| Cell::new(column as u8, row as u8))
}
