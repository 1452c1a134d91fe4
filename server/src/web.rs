//! The browser client: the engine's page (`assets/web/`) and each game's
//! browser module (`games/<game>/web/`), embedded into the binary at build
//! time, so the server serves a playable page with nothing beside it on
//! disk. `GET /` is `index.html`; an engine file is served at its path
//! (`/js/app.js`), a game's at `/games/<game>/<file>`. Only embedded files
//! exist: a request can never reach the disk.
//!
//! The whole `games/` folder is embedded, so that a new game's module is
//! served without touching this file, but only the files under a game's
//! `web/` are reachable: its Rust sources, maps and tests are not served.

use include_dir::{Dir, include_dir};

static WEB: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../assets/web");
static GAMES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../games");

/// The folder of a game's browser module, inside the game's folder.
const GAME_WEB_DIR: &str = "web";

/// An embedded file and its content type, for a request path (`/`,
/// `/js/app.js`, `/games/four/index.js`). `None` for anything else,
/// including directories and paths with `..` or empty segments.
pub fn asset(path: &str) -> Option<(&'static [u8], &'static str)> {
    let path = path.strip_prefix('/')?;
    let path = if path.is_empty() { "index.html" } else { path };
    if path
        .split('/')
        .any(|seg| seg.is_empty() || seg == "." || seg == "..")
    {
        return None;
    }
    let file = match path.strip_prefix("games/") {
        Some(rest) => {
            let (game, file) = rest.split_once('/')?;
            GAMES.get_file(format!("{game}/{GAME_WEB_DIR}/{file}"))?
        }
        None => WEB.get_file(path)?,
    };
    Some((file.contents(), content_type(path)))
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_the_index_and_modules_and_nothing_else() {
        let (index, kind) = asset("/").expect("index.html is embedded");
        assert!(kind.starts_with("text/html"));
        assert_eq!(asset("/index.html").unwrap().0, index);
        assert!(
            asset("/js/codec.js")
                .unwrap()
                .1
                .starts_with("text/javascript")
        );
        for bad in [
            "",
            "js/codec.js",
            "/../Cargo.toml",
            "/js/../index.html",
            "//etc/passwd",
            "/js/",
            "/nope.js",
        ] {
            assert!(asset(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn serves_a_games_web_files_and_nothing_else_of_the_game() {
        let (module, kind) = asset("/games/four/index.js").expect("four's module is embedded");
        assert!(kind.starts_with("text/javascript"));
        assert_eq!(
            module,
            include_bytes!("../../games/four/web/index.js").as_slice()
        );
        assert!(asset("/games/arena/index.js").is_some());
        assert!(
            asset("/games/four/four.css")
                .unwrap()
                .1
                .starts_with("text/css")
        );
        for bad in [
            "/games/four/Cargo.toml",
            "/games/four/src/lib.rs",
            "/games/four/web/index.js",
            "/games/four/../arena/Cargo.toml",
            "/games/arena/maps/arena.toml",
            "/games/four",
            "/games/four/",
            "/games/",
            "/games/nope/index.js",
        ] {
            assert!(asset(bad).is_none(), "{bad}");
        }
    }
}
