//! The house rules of the workspace's layout, checked: the engine never
//! imports a game, games build on the engine's pure API (never on the
//! server), and `shared` stays at the bottom. Only the server's binary
//! (`src/main.rs`) may name a game; the engine's own unit tests may use
//! arena as a fixture (code after `#[cfg(test)]`, and `tests.rs` files),
//! since that code is never part of the library a game links.

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every game crate's name in `games/`, as Rust spells it.
fn game_crates() -> Vec<String> {
    let mut names = Vec::new();
    for entry in fs::read_dir(root().join("games")).unwrap() {
        let manifest = entry.unwrap().path().join("Cargo.toml");
        let Ok(text) = fs::read_to_string(&manifest) else {
            continue;
        };
        let name = text
            .lines()
            .find_map(|l| l.strip_prefix("name = \""))
            .and_then(|l| l.strip_suffix('"'))
            .unwrap_or_else(|| panic!("{manifest:?} has a name"));
        names.push(name.replace('-', "_"));
    }
    assert!(names.iter().any(|n| n == "rallypoint_arena"), "{names:?}");
    names
}

#[test]
fn the_engine_library_imports_no_game() {
    let games = game_crates();
    let mut files = Vec::new();
    for dir in ["server/src", "server/game-api/src", "shared/src"] {
        rust_files(&root().join(dir), &mut files);
    }
    assert!(files.len() > 20, "{} files", files.len());
    for file in files {
        if file.ends_with("server/src/main.rs") || file.ends_with("tests.rs") {
            continue; // the binary wires the games in; tests use fixtures
        }
        let whole = fs::read_to_string(&file).unwrap();
        let text = whole.split("#[cfg(test)]").next().unwrap();
        for game in &games {
            assert!(!text.contains(game.as_str()), "{file:?} names {game}");
        }
    }
}

#[test]
fn games_build_on_the_pure_api_and_shared_on_nothing() {
    for entry in fs::read_dir(root().join("games")).unwrap() {
        let dir = entry.unwrap().path();
        let Ok(manifest) = fs::read_to_string(dir.join("Cargo.toml")) else {
            continue;
        };
        let deps = manifest.split("[dev-dependencies]").next().unwrap();
        assert!(
            deps.contains("rallypoint-game"),
            "{dir:?} uses the Game trait"
        );
        assert!(
            !manifest.contains("rallypoint-server"),
            "{dir:?} imports the server"
        );
        assert!(!deps.contains("tokio"), "{dir:?} is pure: no tokio");
    }
    let api = fs::read_to_string(root().join("server/game-api/Cargo.toml")).unwrap();
    assert!(!api.contains("tokio") && !api.contains("rallypoint-server"));
    // The library's own dependencies, up to the next table: its tests (the
    // golden vectors for the browser client) may use the games, the
    // library may not.
    let shared = fs::read_to_string(root().join("shared/Cargo.toml")).unwrap();
    let (_, after) = shared.split_once("[dependencies]").unwrap();
    let shared_deps = after.split("\n[").next().unwrap();
    assert!(shared_deps.contains("bincode"), "the table was found");
    assert!(
        !shared_deps.contains("rallypoint-"),
        "shared depends on nothing of ours"
    );
}
