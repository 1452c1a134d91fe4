//! The reference game, "arena" (being written).
