//! The browser client: the engine's page (`assets/web/`) and each game's
//! browser module (`games/<game>/web/`), embedded into the binary at build
//! time, so the server serves a playable page with nothing beside it on
//! disk. `GET /` is `index.html`; an engine file is served at its path
//! (`/js/app.js`), a game's at `/games/<game>/<file>`. Only embedded files
//! exist: a request can never reach the disk.
//!
//! The admin console (`assets/admin/`) is embedded the same way and served
//! at `/admin` and `/admin/<file>` wherever the admin API is (see
//! `admin::route`); the page holds no secret and asks the API for every
//! datum, with the operator's token.
//!
//! The whole `games/` folder is embedded, so that a new game's module is
//! served without touching this file, but only the files under a game's
//! `web/` are reachable: its Rust sources, maps and tests are not served.

use bytes::Bytes;
use http::{Response, header};
use http_body_util::Full;
use include_dir::{Dir, include_dir};

static WEB: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../assets/web");
static GAMES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../games");
static CONSOLE: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../assets/admin");

/// What the console's files may load and where they may be framed: only
/// this origin (the API, its scripts and styles), never inside another
/// site's frame (an operator's click there could be someone else's).
const CONSOLE_CSP: &str = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The folder of a game's browser module, inside the game's folder.
const GAME_WEB_DIR: &str = "web";

/// An embedded file and its content type, for a request path (`/`,
/// `/js/app.js`, `/games/four/index.js`). `None` for anything else,
/// including directories and paths with `..` or empty segments.
pub fn asset(path: &str) -> Option<(&'static [u8], &'static str)> {
    let path = path.strip_prefix('/')?;
    let path = if path.is_empty() { "index.html" } else { path };
    if !clean(path) {
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

/// An embedded console file for a request path under `/admin` that is not
/// the API (`/admin`, `/admin/`, `/admin/admin.js`), as a `200` response;
/// `None` for anything else.
pub fn console(path: &str) -> Option<Response<Full<Bytes>>> {
    let rest = path.strip_prefix("/admin")?;
    let file = match rest {
        "" | "/" => "index.html",
        _ => rest.strip_prefix('/')?,
    };
    if !clean(file) {
        return None;
    }
    let bytes = CONSOLE.get_file(file)?.contents();
    let mut response = file_response(bytes, content_type(file));
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(CONSOLE_CSP),
    );
    Some(response)
}

/// `200` with an embedded file.
pub fn file_response(bytes: &'static [u8], kind: &'static str) -> Response<Full<Bytes>> {
    Response::builder()
        .header(header::CONTENT_TYPE, kind)
        // Always revalidate: a new server build may bring new files.
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Full::new(Bytes::from_static(bytes)))
        .unwrap_or_default()
}

/// No empty, `.` or `..` segment: a path that can only name an embedded
/// file.
fn clean(path: &str) -> bool {
    !path
        .split('/')
        .any(|seg| seg.is_empty() || seg == "." || seg == "..")
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
    fn serves_the_console_under_admin_and_nothing_else() {
        let index = console("/admin").expect("the console's index.html is embedded");
        let kind = &index.headers()[header::CONTENT_TYPE];
        assert!(kind.to_str().unwrap().starts_with("text/html"));
        assert!(
            index
                .headers()
                .contains_key(header::CONTENT_SECURITY_POLICY)
        );
        assert!(console("/admin/").is_some());
        assert!(console("/admin/admin.js").is_some());
        assert!(console("/admin/vendor/uPlot.iife.min.js").is_some());
        for bad in [
            "/",
            "/adminx",
            "/admin//admin.js",
            "/admin/../Cargo.toml",
            "/admin/vendor/",
            "/admin/nope.js",
            "/index.html",
        ] {
            assert!(console(bad).is_none(), "{bad}");
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
