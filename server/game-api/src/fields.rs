//! [`Fields`]: how the engine tells which fields of a replicated record
//! changed, so that it, not the game, computes every delta (as naia's
//! `Property` marks the field it belongs to). Each replicated type (a
//! game's entity, row and singleton) says which of its fields differ from
//! a baseline's as a bit mask; the engine sends a record only when the mask
//! is not empty, and the game's spelling of it writes the fields the mask
//! names.
//!
//! [`fields!`](crate::fields) implements it for a struct, one bit a field
//! in declaration order, or for any type as one whole field.

/// A replicated record whose changes the engine finds field by field.
pub trait Fields {
    /// Bit `i` set where field `i` of `self` differs from `before`'s: 0
    /// when nothing changed. At most 32 fields. Records that are not the
    /// same kind of thing at all (different enum variants) differ in every
    /// field: `u32::MAX`.
    fn changed(&self, before: &Self) -> u32;
}

/// Implements [`Fields`] for a struct, one bit a field in the order given
/// (`fields!(Score { kills, deaths })`: bit 0 for `kills`, bit 1 for
/// `deaths`), or for a whole type as one field (`fields!(Phase)`: bit 0
/// when it differs at all).
#[macro_export]
macro_rules! fields {
    ($ty:ty { $($field:ident),+ $(,)? }) => {
        impl $crate::Fields for $ty {
            fn changed(&self, before: &Self) -> u32 {
                let mut mask = 0u32;
                let mut bit = 1u32;
                $(
                    if self.$field != before.$field {
                        mask |= bit;
                    }
                    bit <<= 1;
                )+
                let _ = bit;
                mask
            }
        }
    };
    ($($ty:ty),+ $(,)?) => {
        $(
            impl $crate::Fields for $ty {
                fn changed(&self, before: &Self) -> u32 {
                    u32::from(self != before)
                }
            }
        )+
    };
}

fields!((), bool, u8, u16, u32, u64, i32);

#[cfg(test)]
mod tests {
    use super::Fields;

    #[derive(Clone, PartialEq)]
    struct Score {
        kills: u32,
        deaths: u32,
        name: &'static str,
    }

    crate::fields!(Score {
        kills,
        deaths,
        name
    });

    #[test]
    fn a_mask_names_the_fields_that_differ() {
        let a = Score {
            kills: 1,
            deaths: 2,
            name: "x",
        };
        assert_eq!(a.changed(&a.clone()), 0);
        let b = Score {
            deaths: 3,
            ..a.clone()
        };
        assert_eq!(b.changed(&a), 0b010);
        let c = Score {
            kills: 9,
            name: "y",
            ..a.clone()
        };
        assert_eq!(c.changed(&a), 0b101);
        assert_eq!(5u32.changed(&5), 0);
        assert_eq!(5u32.changed(&6), 1);
    }
}
