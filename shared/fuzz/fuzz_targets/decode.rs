//! Feeds arbitrary bytes to both decoders. Neither may panic, and whatever
//! decodes must survive a re-encode and decode unchanged. The comparison is
//! on bytes, not values: a decoded float may be NaN, which never equals
//! itself, and a decoder accepts wider varints than the encoder writes, so
//! the first re-encoding (the canonical form) is what must be stable.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rallypoint_shared::{decode_client, decode_server, encode_client, encode_server};

fuzz_target!(|data: &[u8]| {
    if let Ok(msg) = decode_client(data) {
        let canonical = encode_client(&msg).expect("a decoded client message re-encodes");
        assert!(canonical.len() <= data.len(), "canonical form grew");
        let again = decode_client(&canonical).expect("the canonical form decodes");
        assert_eq!(encode_client(&again).unwrap(), canonical);
    }
    if let Ok(msg) = decode_server(data) {
        let canonical = encode_server(&msg).expect("a decoded server message re-encodes");
        assert!(canonical.len() <= data.len(), "canonical form grew");
        let again = decode_server(&canonical).expect("the canonical form decodes");
        assert_eq!(encode_server(&again).unwrap(), canonical);
    }
});
