//! Golden vectors for the browser client. The JS ports of the envelope
//! codec, the snapshot records and views (`assets/web/js/`) and of each
//! game's payloads, fields and movement rules (`games/*/web/`) cannot call
//! Rust, so this test writes down what the Rust code does, on inputs
//! chosen where a port goes wrong, as `tests/web/golden.json`, and the Node
//! tests in `tests/web/` hold the JS to it. It reads the games' crates
//! (dev-dependencies) for their `Fields`, payloads and movement.
//!
//! The file is committed. When the protocol changes, this test fails until
//! the file is regenerated (`RALLYPOINT_BLESS=1`), and then the Node tests
//! fail until the JS follows: neither side can drift alone.

mod common;
mod golden;

use std::path::PathBuf;

use serde_json::Value;

/// Width under which a value is written on one line.
const LINE_WIDTH: usize = 100;

/// Where the vectors live, from this crate's directory.
fn golden_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/web/golden.json")
}

/// JSON with every value that fits in [`LINE_WIDTH`] on one line and the
/// rest spread one item a line: short enough to review, and a change to a
/// vector shows in a diff as the lines of that vector.
fn to_text(value: &Value, indent: usize, out: &mut String) {
    let compact = serde_json::to_string(value).unwrap();
    let (open, close, items): (_, _, Vec<(Option<&String>, &Value)>) = match value {
        Value::Array(items) if indent + compact.len() > LINE_WIDTH => {
            ('[', ']', items.iter().map(|v| (None, v)).collect())
        }
        Value::Object(fields) if indent + compact.len() > LINE_WIDTH => {
            ('{', '}', fields.iter().map(|(k, v)| (Some(k), v)).collect())
        }
        _ => {
            out.push_str(&compact);
            return;
        }
    };
    out.push(open);
    for (i, (key, item)) in items.iter().enumerate() {
        out.push('\n');
        out.push_str(&" ".repeat(indent + 2));
        if let Some(key) = key {
            out.push_str(&serde_json::to_string(key).unwrap());
            out.push_str(": ");
        }
        to_text(item, indent + 2, out);
        if i + 1 < items.len() {
            out.push(',');
        }
    }
    out.push('\n');
    out.push_str(&" ".repeat(indent));
    out.push(close);
}

/// The first line where two texts differ, 1-based, with both versions.
fn first_difference(committed: &str, generated: &str) -> String {
    let mut committed_lines = committed.lines();
    for (n, new) in generated.lines().enumerate() {
        match committed_lines.next() {
            Some(old) if old == new => {}
            old => {
                return format!(
                    "line {}:\n  committed: {}\n  generated: {new}",
                    n + 1,
                    old.unwrap_or("<end of file>")
                );
            }
        }
    }
    format!(
        "the committed file has extra lines after line {}",
        generated.lines().count()
    )
}

#[test]
fn golden_vectors_match_the_committed_file() {
    let mut generated = String::new();
    to_text(&golden::all(), 0, &mut generated);
    generated.push('\n');
    let path = golden_path();
    if std::env::var_os("RALLYPOINT_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("write the golden vectors");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "tests/web/golden.json is out of date with the Rust protocol code.\n\
         Regenerate it with\n  \
         RALLYPOINT_BLESS=1 cargo test -p rallypoint-shared --test golden_vectors\n\
         then make the JS follow: node --test tests/web/\n\
         First difference: {}",
        first_difference(&committed, &generated),
    );
}
