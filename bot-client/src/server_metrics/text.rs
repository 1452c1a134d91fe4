//! A parser for the sample lines of the Prometheus text exposition format
//! and of OpenMetrics text (what the server's `prometheus-client` writes),
//! and the few look-ups the report needs: a plain value, a counter, a
//! family by one label, and a histogram's cumulative buckets.
//!
//! Why not a crate: the parsers on crates.io (`prometheus-parse` and its
//! forks) are lightly maintained, pull in `regex` and `chrono` for what is
//! a line format, and predate OpenMetrics' `# EOF` and `_total` rules. The
//! grammar needed here is small: `name{label="value",…} value [timestamp]`,
//! with `#` lines (HELP, TYPE, UNIT, EOF) skipped and exemplars (` # {…}`
//! after the value) ignored. A line that does not fit is an error naming
//! its line number: it is the server's own output, so a bad line means a
//! broken endpoint, not one to guess around.

use std::collections::BTreeMap;

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sample {
    pub name: String,
    /// In the order written; values unescaped.
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

/// A histogram's buckets: (upper bound `le`, cumulative count), ascending
/// by bound, the last one `+Inf`.
pub(crate) type Buckets = Vec<(f64, f64)>;

/// Why a scrape's text was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct ParseError {
    /// 1-based.
    pub line: usize,
    pub reason: &'static str,
}

/// A parsed scrape.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Scrape {
    pub samples: Vec<Sample>,
}

impl Scrape {
    /// Parses a whole exposition.
    pub(crate) fn parse(text: &str) -> Result<Self, ParseError> {
        let mut samples = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let sample = parse_line(line).map_err(|reason| ParseError {
                line: i + 1,
                reason,
            })?;
            samples.push(sample);
        }
        Ok(Self { samples })
    }

    /// The value of the sample `name` without labels.
    pub(crate) fn value(&self, name: &str) -> Option<f64> {
        self.samples
            .iter()
            .find(|s| s.name == name && s.labels.is_empty())
            .map(|s| s.value)
    }

    /// A counter without labels: `name_total` (OpenMetrics, and the usual
    /// Prometheus naming) or else `name`.
    pub(crate) fn counter(&self, name: &str) -> Option<f64> {
        self.value(&format!("{name}_total"))
            .or_else(|| self.value(name))
    }

    /// A counter family by the value of its one label `label` (samples
    /// `name_total` or `name`), e.g. disconnects by reason. Empty when the
    /// family has no member yet (it shows none until one is counted).
    pub(crate) fn by_label(&self, name: &str, label: &str) -> BTreeMap<String, f64> {
        let total = format!("{name}_total");
        self.samples
            .iter()
            .filter(|s| s.name == total || s.name == name)
            .filter_map(|s| match s.labels.as_slice() {
                [(key, value)] if key == label => Some((value.clone(), s.value)),
                _ => None,
            })
            .collect()
    }

    /// The cumulative buckets of histogram `name` (samples `name_bucket`),
    /// or `None` if it has none or no `+Inf` bucket.
    pub(crate) fn buckets(&self, name: &str) -> Option<Buckets> {
        let series = format!("{name}_bucket");
        let mut buckets: Buckets = self
            .samples
            .iter()
            .filter(|s| s.name == series)
            .filter_map(|s| match s.labels.as_slice() {
                [(key, le)] if key == "le" => Some((parse_value(le)?, s.value)),
                _ => None,
            })
            .collect();
        buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
        buckets
            .last()
            .is_some_and(|b| b.0 == f64::INFINITY)
            .then_some(buckets)
    }
}

fn parse_line(line: &str) -> Result<Sample, &'static str> {
    let name_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(line.len());
    let name = &line[..name_end];
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("no metric name");
    }
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(inner) = rest.strip_prefix('{') {
        rest = parse_labels(inner, &mut labels)?;
    }
    if !rest.starts_with([' ', '\t']) {
        return Err("no space before the value");
    }
    let mut fields = rest.split_whitespace();
    let value = fields
        .next()
        .and_then(parse_value)
        .ok_or("the value is not a number")?;
    match fields.next() {
        // An exemplar follows: not needed.
        None | Some("#") => {}
        Some(timestamp) => {
            timestamp
                .parse::<f64>()
                .map_err(|_| "the timestamp is not a number")?;
            if fields.next().is_some_and(|f| f != "#") {
                return Err("text after the timestamp");
            }
        }
    }
    Ok(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

/// Parses `name="value",…}` into `labels`; returns what follows the `}`.
fn parse_labels<'a>(
    mut rest: &'a str,
    labels: &mut Vec<(String, String)>,
) -> Result<&'a str, &'static str> {
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix('}') {
            return Ok(after);
        }
        let eq = rest.find('=').ok_or("a label without '='")?;
        let key = rest[..eq].trim();
        let valid_key = key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid_key {
            return Err("a bad label name");
        }
        let quoted = rest[eq + 1..]
            .trim_start()
            .strip_prefix('"')
            .ok_or("a label value without quotes")?;
        let (value, after) = unescape(quoted)?;
        labels.push((key.to_owned(), value));
        rest = after.trim_start();
        rest = match rest.strip_prefix(',') {
            Some(more) => more,
            None if rest.starts_with('}') => rest,
            None => return Err("labels not separated by ','"),
        };
    }
}

/// Reads a label value up to its closing quote, undoing `\\`, `\"` and
/// `\n`; returns it and what follows the quote.
fn unescape(quoted: &str) -> Result<(String, &str), &'static str> {
    let mut value = String::new();
    let mut chars = quoted.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((value, &quoted[i + 1..])),
            '\\' => match chars.next() {
                Some((_, 'n')) => value.push('\n'),
                Some((_, escaped @ ('\\' | '"'))) => value.push(escaped),
                _ => return Err("a bad escape in a label value"),
            },
            c => value.push(c),
        }
    }
    Err("an unterminated label value")
}

fn parse_value(text: &str) -> Option<f64> {
    match text {
        "+Inf" | "Inf" | "+inf" | "inf" => Some(f64::INFINITY),
        "-Inf" | "-inf" => Some(f64::NEG_INFINITY),
        "NaN" | "nan" => Some(f64::NAN),
        _ => text.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the server's `prometheus-client` writes (abridged), with a
    /// family that has members.
    const SCRAPE: &str = "\
# HELP rallypoint_connections Open WebSocket connections.
# TYPE rallypoint_connections gauge
rallypoint_connections 12
# HELP rallypoint_tick_duration_seconds Time one lobby tick takes.
# TYPE rallypoint_tick_duration_seconds histogram
rallypoint_tick_duration_seconds_sum 0.25
rallypoint_tick_duration_seconds_count 100
rallypoint_tick_duration_seconds_bucket{le=\"0.001\"} 90
rallypoint_tick_duration_seconds_bucket{le=\"+Inf\"} 100
rallypoint_tick_duration_seconds_bucket{le=\"0.0005\"} 40
# TYPE rallypoint_frames_out counter
rallypoint_frames_out_total 3000
# TYPE rallypoint_disconnects counter
rallypoint_disconnects_total{reason=\"closed\"} 7
rallypoint_disconnects_total{reason=\"peer_timeout\"} 2
# EOF
";

    #[test]
    fn reads_gauges_counters_families_and_buckets() {
        let s = Scrape::parse(SCRAPE).unwrap();
        assert_eq!(s.samples.len(), 9);
        assert_eq!(s.value("rallypoint_connections"), Some(12.0));
        assert_eq!(s.counter("rallypoint_frames_out"), Some(3000.0));
        assert_eq!(s.counter("rallypoint_connections"), Some(12.0));
        assert_eq!(s.counter("rallypoint_bytes_out"), None);
        let reasons = s.by_label("rallypoint_disconnects", "reason");
        assert_eq!(
            reasons.into_iter().collect::<Vec<_>>(),
            vec![("closed".to_owned(), 7.0), ("peer_timeout".to_owned(), 2.0)]
        );
        assert!(
            s.by_label("rallypoint_inputs_rejected", "reason")
                .is_empty()
        );
        // Sorted by bound, whatever the order written.
        assert_eq!(
            s.buckets("rallypoint_tick_duration_seconds"),
            Some(vec![(0.0005, 40.0), (0.001, 90.0), (f64::INFINITY, 100.0)])
        );
        assert_eq!(s.buckets("rallypoint_tick_lateness_seconds"), None);
    }

    #[test]
    fn a_histogram_without_an_inf_bucket_is_not_one() {
        let s = Scrape::parse("h_bucket{le=\"1\"} 3\n").unwrap();
        assert_eq!(s.buckets("h"), None);
    }

    #[test]
    fn labels_escapes_timestamps_and_exemplars() {
        let s = Scrape::parse(
            "a{x=\"q\\\"uote\\\\d\\n\", y = \"2\",} 1.5e3 1700000000\n\
             b_bucket{le=\"0.1\"} 4 # {trace_id=\"abc\"} 0.05\n\
             c -Inf\n\
             d NaN\n",
        )
        .unwrap();
        let a = &s.samples[0];
        assert_eq!(a.name, "a");
        assert_eq!(
            a.labels,
            vec![
                ("x".to_owned(), "q\"uote\\d\n".to_owned()),
                ("y".to_owned(), "2".to_owned())
            ]
        );
        assert_eq!(a.value, 1500.0);
        assert_eq!(s.samples[1].value, 4.0);
        assert_eq!(s.value("c"), Some(f64::NEG_INFINITY));
        assert!(s.value("d").unwrap().is_nan());
    }

    #[test]
    fn bad_lines_are_errors_with_their_line_number() {
        for (text, reason) in [
            ("# ok\n{x=\"1\"} 2\n", "no metric name"),
            ("a 1\nb{x=1} 2\n", "a label value without quotes"),
            ("a 1\nb{x=\"1\" 2\n", "labels not separated by ','"),
            ("a 1\nb{x=\"1} 2\n", "an unterminated label value"),
            ("a 1\nb{x=\"\\t\"} 2\n", "a bad escape in a label value"),
            ("a 1\nb{9=\"1\"} 2\n", "a bad label name"),
            ("a 1\nb twelve\n", "the value is not a number"),
            ("a 1\nb\n", "no space before the value"),
            ("a 1\nb 1 later\n", "the timestamp is not a number"),
            ("a 1\nb 1 2 3\n", "text after the timestamp"),
        ] {
            assert_eq!(
                Scrape::parse(text),
                Err(ParseError { line: 2, reason }),
                "{text:?}"
            );
        }
    }
}
