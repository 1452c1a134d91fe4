//! [`Fields`]: how the engine tells which fields of a replicated record
//! changed, so that it, not the game, computes every delta (as naia's
//! `Property` marks the field it belongs to). Each replicated type (a
//! game's entity, row and singleton) says which of its fields differ from
//! a baseline's as a bit mask; the engine sends a record only when the mask
//! is not empty, and the game's spelling of it writes the fields the mask
//! names.
//!
//! It also says how its fields are spelled on the wire: a record carries
//! all of them (a new record) or those a mask names, each in the codec's
//! encoding, in field order. Clients read them back with [`Fields::read`]
//! into a [`Fields::blank`] value of the record's kind.
//!
//! [`fields!`](crate::fields) implements it for a struct, one bit a field
//! in declaration order, or for any type as one whole field.

pub use rallypoint_shared::codec::{CodecError, Reader};

/// The mask of a whole record: every field.
pub const ALL: u32 = u32::MAX;

/// A replicated record whose changes the engine finds field by field, and
/// whose fields it can write and a client read.
pub trait Fields: Sized {
    /// Bit `i` set where field `i` of `self` differs from `before`'s: 0
    /// when nothing changed. At most 32 fields. Records that are not the
    /// same kind of thing at all (different enum variants) differ in every
    /// field: [`ALL`].
    fn changed(&self, before: &Self) -> u32;

    /// Appends the fields `mask` names ([`ALL`]: every one), in field
    /// order, each in the codec's encoding.
    fn write(&self, mask: u32, out: &mut Vec<u8>) -> Result<(), CodecError>;

    /// Reads the fields `mask` names, as [`Fields::write`] wrote them, into
    /// `self`.
    fn read(&mut self, mask: u32, r: &mut Reader) -> Result<(), CodecError>;

    /// A value of entity kind `kind` (rows and singletons: 0) for a client
    /// to read a whole record into; `None` for a kind the game does not
    /// have, which the client refuses.
    fn blank(kind: u8) -> Option<Self>;
}

/// Implements [`Fields`] for a struct, one bit a field in the order given
/// (`fields!(Score { kills, deaths })`: bit 0 for `kills`, bit 1 for
/// `deaths`), or for a whole type as one field (`fields!(Phase)`: bit 0
/// when it differs at all). The fields must be `serde` types, the struct
/// (or type) `Default`: a client reads a new record into its default.
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

            fn write(
                &self,
                mask: u32,
                out: &mut Vec<u8>,
            ) -> Result<(), $crate::fields::CodecError> {
                let mut bit = 1u32;
                $(
                    if mask & bit != 0 {
                        $crate::encode_value_into(&self.$field, out)?;
                    }
                    bit <<= 1;
                )+
                let _ = bit;
                Ok(())
            }

            fn read(
                &mut self,
                mask: u32,
                r: &mut $crate::fields::Reader,
            ) -> Result<(), $crate::fields::CodecError> {
                let mut bit = 1u32;
                $(
                    if mask & bit != 0 {
                        self.$field = r.read()?;
                    }
                    bit <<= 1;
                )+
                let _ = bit;
                Ok(())
            }

            fn blank(_kind: u8) -> Option<Self> {
                Some(<$ty as Default>::default())
            }
        }
    };
    ($($ty:ty),+ $(,)?) => {
        $(
            impl $crate::Fields for $ty {
                fn changed(&self, before: &Self) -> u32 {
                    u32::from(self != before)
                }

                fn write(
                    &self,
                    mask: u32,
                    out: &mut Vec<u8>,
                ) -> Result<(), $crate::fields::CodecError> {
                    if mask & 1 != 0 {
                        $crate::encode_value_into(self, out)?;
                    }
                    Ok(())
                }

                fn read(
                    &mut self,
                    mask: u32,
                    r: &mut $crate::fields::Reader,
                ) -> Result<(), $crate::fields::CodecError> {
                    if mask & 1 != 0 {
                        *self = r.read()?;
                    }
                    Ok(())
                }

                fn blank(_kind: u8) -> Option<Self> {
                    Some(<$ty as Default>::default())
                }
            }
        )+
    };
}

fields!((), bool, u8, u16, u32, u64, i32);

#[cfg(test)]
mod tests {
    use super::Fields;

    #[derive(Clone, PartialEq, Debug, Default)]
    struct Score {
        kills: u32,
        deaths: u32,
        name: String,
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
            name: "x".into(),
        };
        assert_eq!(a.changed(&a.clone()), 0);
        let b = Score {
            deaths: 3,
            ..a.clone()
        };
        assert_eq!(b.changed(&a), 0b010);
        let c = Score {
            kills: 9,
            name: "y".into(),
            ..a.clone()
        };
        assert_eq!(c.changed(&a), 0b101);
        assert_eq!(5u32.changed(&5), 0);
        assert_eq!(5u32.changed(&6), 1);
    }

    #[test]
    fn a_record_writes_and_reads_back_the_fields_its_mask_names() {
        let a = Score {
            kills: 300,
            deaths: 2,
            name: "ada".into(),
        };
        let mut all = Vec::new();
        a.write(super::ALL, &mut all).unwrap();
        assert_eq!(all, [251, 44, 1, 2, 3, b'a', b'd', b'a']);
        let mut back = Score::blank(0).unwrap();
        let mut r = super::Reader::new(&all);
        back.read(super::ALL, &mut r).unwrap();
        assert!(r.is_empty());
        assert_eq!(back, a);

        let mut some = Vec::new();
        a.write(0b010, &mut some).unwrap();
        assert_eq!(some, [2]);
        let mut held = Score::default();
        held.read(0b010, &mut super::Reader::new(&some)).unwrap();
        assert_eq!((held.kills, held.deaths), (0, 2));
        assert!(
            held.read(0b001, &mut super::Reader::new(&[])).is_err(),
            "truncated"
        );
    }
}
