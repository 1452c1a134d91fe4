//! `docs/GAME_API.md` quotes real code, and this keeps it honest: every
//! fenced block whose first line is `// from PATH` (or `# from PATH` in
//! TOML) must appear verbatim, as whole lines, in that file of the
//! repository. A line `// ...` inside a quote stands for code left out:
//! the parts around it must appear in that order. So when the code
//! changes, the guide has to change with it.

use std::path::{Path, PathBuf};

/// The repository's root: this crate is `games/minimal`.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A quote from the guide: the file it names, its line in the guide, and
/// its parts (split at `// ...`).
struct Quote {
    path: String,
    line: usize,
    parts: Vec<String>,
}

/// Every marked fenced block of `guide`.
fn quotes(guide: &str) -> Vec<Quote> {
    let mut out = Vec::new();
    let mut lines = guide.lines().enumerate();
    while let Some((_, line)) = lines.next() {
        if !line.trim_start().starts_with("```") {
            continue;
        }
        // Inside a block, until its closing fence.
        let mut body: Vec<(usize, &str)> = Vec::new();
        for (i, l) in lines.by_ref() {
            if l.trim_start().starts_with("```") {
                break;
            }
            body.push((i, l));
        }
        let Some(&(first, marker)) = body.first() else {
            continue;
        };
        let marker = marker.trim();
        let Some(path) = marker
            .strip_prefix("// from ")
            .or_else(|| marker.strip_prefix("# from "))
        else {
            continue;
        };
        let mut parts = vec![Vec::new()];
        for &(_, l) in &body[1..] {
            if l.trim() == "// ..." {
                parts.push(Vec::new());
            } else {
                parts.last_mut().unwrap().push(l);
            }
        }
        out.push(Quote {
            path: path.trim().to_string(),
            line: first + 1,
            parts: parts
                .into_iter()
                .filter(|p| !p.is_empty())
                .map(|p| p.join("\n"))
                .collect(),
        });
    }
    out
}

/// Where `part` starts in `file` at or after `from`, as whole lines.
fn find_lines(file: &str, part: &str, from: usize) -> Option<usize> {
    let haystack = format!("\n{file}");
    let needle = format!("\n{part}\n");
    haystack.get(from..)?.find(&needle).map(|at| from + at)
}

#[test]
fn every_quote_in_the_guide_is_verbatim_from_its_file() {
    let guide = std::fs::read_to_string(root().join("docs/GAME_API.md")).unwrap();
    let quotes = quotes(&guide);
    let from_lib = quotes
        .iter()
        .filter(|q| q.path == "games/minimal/src/lib.rs")
        .count();
    assert!(
        from_lib >= 8,
        "the guide walks through the minimal game: {from_lib} quotes of lib.rs found"
    );
    let mut stale = Vec::new();
    for q in &quotes {
        let Ok(file) = std::fs::read_to_string(root().join(&q.path)) else {
            stale.push(format!("GAME_API.md:{}: no file {}", q.line, q.path));
            continue;
        };
        let mut at = 0;
        for part in &q.parts {
            match find_lines(&file, part, at) {
                Some(found) => at = found + part.len(),
                None => {
                    let first = part.lines().next().unwrap_or("");
                    stale.push(format!(
                        "GAME_API.md:{}: not in {} (in order, as whole lines): {first:?}…",
                        q.line, q.path
                    ));
                    break;
                }
            }
        }
    }
    assert!(stale.is_empty(), "stale quotes:\n{}", stale.join("\n"));
}

#[test]
fn the_checker_catches_a_changed_line_and_honours_elisions() {
    let file = "fn a() {\n    one();\n    two();\n}\n";
    assert_eq!(find_lines(file, "    one();", 0), Some(9));
    assert_eq!(find_lines(file, "    one()", 0), None, "whole lines only");
    assert_eq!(find_lines(file, "fn a() {", 1), None, "only after `from`");
    let guide =
        "text\n```rust\n// from x.rs\nfn a() {\n    // ...\n}\n```\n```rust\nfn b() {}\n```\n";
    let q = quotes(guide);
    assert_eq!(q.len(), 1, "unmarked blocks are not quotes");
    assert_eq!((q[0].path.as_str(), q[0].line), ("x.rs", 3));
    assert_eq!(q[0].parts, ["fn a() {", "}"]);
}
