//! The browser client: the files of `assets/web/`, embedded into the binary
//! at build time, so the server serves a playable page with nothing beside
//! it on disk. `GET /` is `index.html`; every other file is served at its
//! path. Only embedded files exist: a request can never reach the disk.

use include_dir::{Dir, include_dir};

static WEB: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../assets/web");

/// An embedded file and its content type, for a request path (`/` or
/// `/js/app.js`). `None` for anything else, including directories and
/// paths with `..` or empty segments.
pub fn asset(path: &str) -> Option<(&'static [u8], &'static str)> {
    let path = path.strip_prefix('/')?;
    let path = if path.is_empty() { "index.html" } else { path };
    if path
        .split('/')
        .any(|seg| seg.is_empty() || seg == "." || seg == "..")
    {
        return None;
    }
    let file = WEB.get_file(path)?;
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
}
