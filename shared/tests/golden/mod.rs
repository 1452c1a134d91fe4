//! The golden vectors, as one JSON document: what `tests/web/golden.json`
//! holds. Each part is built by running the real Rust code (the codec, the
//! record heads, each game's `Fields` and payload types, `View`,
//! `Baselines`, arena's movement) on hand-picked inputs.

mod baselines;
mod client;
mod games;
mod js;
mod movement;
mod sweeps;
mod views;
mod wire;

use rallypoint_arena::movement::{PLAYER_RADIUS, PLAYER_SPEED};
use rallypoint_shared::codec::{MAX_CLIENT_MSG_BYTES, MAX_SERVER_MSG_BYTES};
use rallypoint_shared::snapshot::{BASELINE_WINDOW, FIXED_SCALE, MAX_KINDS, POSITION_TOLERANCE};
use rallypoint_shared::{MAX_INPUTS_PER_MESSAGE, MAX_TICKET_BYTES, PROTOCOL_VERSION};
use serde_json::{Value, json};

const ABOUT: &str = "Golden vectors for the browser client's JS modules \
(the engine's assets/web/js/{codec,records,views,baselines}.js and the games' \
games/{arena,four}/web/{protocol,movement}.js), written by \
shared/tests/golden_vectors.rs from the Rust code and checked by \
tests/web/*.test.mjs. Do not edit: regenerate with \
`RALLYPOINT_BLESS=1 cargo test -p rallypoint-shared --test golden_vectors`. \
Shapes are the JS API's (tests/web/README.md); u64s are decimal strings \
(BigInt), byte arrays and payloads hex, f32s numbers or \
\"NaN\"/\"Infinity\"/\"-Infinity\", except in \"movement\" and where a key \
says bits: f32 bit patterns.";

pub fn all() -> Value {
    json!({
        "about": ABOUT,
        "constants": {
            "PROTOCOL_VERSION": PROTOCOL_VERSION,
            "MAX_CLIENT_MSG_BYTES": MAX_CLIENT_MSG_BYTES,
            "MAX_SERVER_MSG_BYTES": MAX_SERVER_MSG_BYTES,
            "MAX_INPUTS_PER_MESSAGE": MAX_INPUTS_PER_MESSAGE,
            "MAX_TICKET_BYTES": MAX_TICKET_BYTES,
            "FIXED_SCALE": FIXED_SCALE,
            "BASELINE_WINDOW": BASELINE_WINDOW,
            "POSITION_TOLERANCE": POSITION_TOLERANCE,
            "MAX_KINDS": MAX_KINDS,
            "PLAYER_RADIUS": PLAYER_RADIUS,
            "PLAYER_SPEED": PLAYER_SPEED,
        },
        "server": wire::server_vectors(),
        "server_lenient": wire::lenient_vectors(),
        "server_malformed": wire::malformed_vectors(),
        "client": client::client_vectors(),
        "client_refused": client::client_refused(),
        "views": views::all(),
        "games": games::all(),
        "movement": movement::all(),
    })
}
