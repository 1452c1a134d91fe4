//! Reading the server's `/metrics` (OpenMetrics text): samples by name, a
//! histogram's cumulative buckets, and a quantile over a window from the
//! bucket counts of two scrapes.
//!
//! The quantile is a bucket's upper bound, not an interpolation: the
//! server's tick histograms double from 50 µs (…, 0.8 ms, 1.6 ms, 3.2 ms,
//! …), so "p99 ≤ 1.6 ms" is what the counts prove and "p99 ≈ 2.1 ms"
//! would be a guess.

use anyhow::{Context, bail, ensure};

/// One histogram's buckets: (upper bound `le`, cumulative count),
/// ascending by bound, the last one `+Inf`.
pub type Buckets = Vec<(f64, u64)>;

/// Where a quantile fell.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Quantile {
    /// No observations in the window.
    NoSamples,
    /// At most this bound (the upper bound of its bucket).
    AtMost(f64),
    /// Above the largest finite bound, which is given.
    Above(f64),
}

impl Quantile {
    /// The bound in milliseconds, for a bound in seconds; `None` when
    /// there were no samples or the quantile is past the last bucket.
    pub fn at_most_ms(self) -> Option<f64> {
        match self {
            Quantile::AtMost(s) => Some(s * 1000.0),
            Quantile::NoSamples | Quantile::Above(_) => None,
        }
    }

    /// How a table shows it, in milliseconds.
    pub fn describe_ms(self) -> String {
        match self {
            Quantile::NoSamples => "-".into(),
            Quantile::AtMost(s) => format!("≤{}", trim_float(s * 1000.0)),
            Quantile::Above(s) => format!(">{}", trim_float(s * 1000.0)),
        }
    }
}

fn trim_float(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Splits a sample line into its name, its labels (the text between the
/// braces, empty if none) and its value.
fn sample(line: &str) -> Option<(&str, &str, f64)> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let (series, rest) = match line.find('{') {
        Some(open) => {
            let close = open + line[open..].find('}')?;
            (&line[..open], (&line[open + 1..close], &line[close + 1..]))
        }
        None => {
            let space = line.find(' ')?;
            (&line[..space], ("", &line[space..]))
        }
    };
    let (labels, rest) = rest;
    let value = rest.split_whitespace().next()?;
    Some((series, labels, parse_number(value)?))
}

fn parse_number(text: &str) -> Option<f64> {
    match text {
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => text.parse().ok(),
    }
}

/// The value of the unlabelled sample `name` (e.g.
/// `rallypoint_frames_out_total`).
pub fn value(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .filter_map(sample)
        .find(|(n, labels, _)| *n == name && labels.is_empty())
        .map(|(_, _, v)| v)
}

/// The cumulative buckets of histogram `name` (without `_bucket`).
pub fn histogram(text: &str, name: &str) -> anyhow::Result<Buckets> {
    let series = format!("{name}_bucket");
    let mut buckets = Buckets::new();
    for (n, labels, v) in text.lines().filter_map(sample) {
        if n != series {
            continue;
        }
        let le = labels
            .split(',')
            .find_map(|l| l.trim().strip_prefix("le="))
            .map(|q| q.trim_matches('"'))
            .and_then(parse_number)
            .with_context(|| format!("{series} sample without a valid le: {{{labels}}}"))?;
        buckets.push((le, v as u64));
    }
    ensure!(!buckets.is_empty(), "no {series} samples in the scrape");
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    ensure!(
        buckets.last().is_some_and(|b| b.0.is_infinite()),
        "{series} has no +Inf bucket"
    );
    Ok(buckets)
}

/// Quantile `q` (0 < q ≤ 1) of the observations made between two scrapes
/// of the same histogram: the upper bound of the first bucket whose
/// cumulative count grew by at least `q` of all the growth.
pub fn window_quantile(start: &Buckets, end: &Buckets, q: f64) -> anyhow::Result<Quantile> {
    ensure!(
        start.len() == end.len() && start.iter().zip(end).all(|(a, b)| a.0 == b.0),
        "the two scrapes have different buckets"
    );
    let mut deltas = Vec::with_capacity(end.len());
    for (a, b) in start.iter().zip(end) {
        let Some(d) = b.1.checked_sub(a.1) else {
            bail!("bucket le={} went down: the server restarted?", a.0);
        };
        deltas.push((b.0, d));
    }
    let total = deltas.last().map_or(0, |d| d.1);
    if total == 0 {
        return Ok(Quantile::NoSamples);
    }
    let need = q * total as f64;
    let (bound, _) = deltas
        .iter()
        .find(|(_, d)| *d as f64 >= need)
        .copied()
        .unwrap_or((f64::INFINITY, total));
    if bound.is_finite() {
        return Ok(Quantile::AtMost(bound));
    }
    let last_finite = deltas
        .iter()
        .rev()
        .map(|d| d.0)
        .find(|b| b.is_finite())
        .unwrap_or(0.0);
    Ok(Quantile::Above(last_finite))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scrape(counts: [u64; 4], frames: u64) -> String {
        format!(
            "# HELP rallypoint_tick_lateness_seconds How late.\n\
             # TYPE rallypoint_tick_lateness_seconds histogram\n\
             rallypoint_tick_lateness_seconds_sum 1.5\n\
             rallypoint_tick_lateness_seconds_count {c3}\n\
             rallypoint_tick_lateness_seconds_bucket{{le=\"0.0008\"}} {c0}\n\
             rallypoint_tick_lateness_seconds_bucket{{le=\"0.0016\"}} {c1}\n\
             rallypoint_tick_lateness_seconds_bucket{{le=\"0.0032\"}} {c2}\n\
             rallypoint_tick_lateness_seconds_bucket{{le=\"+Inf\"}} {c3}\n\
             rallypoint_frames_out_total {frames}\n\
             rallypoint_disconnects_total{{reason=\"kicked\"}} 3\n\
             # EOF\n",
            c0 = counts[0],
            c1 = counts[1],
            c2 = counts[2],
            c3 = counts[3],
        )
    }

    #[test]
    fn parses_buckets_and_counters() {
        let text = scrape([1, 2, 3, 4], 77);
        let b = histogram(&text, "rallypoint_tick_lateness_seconds").unwrap();
        assert_eq!(
            b,
            vec![(0.0008, 1), (0.0016, 2), (0.0032, 3), (f64::INFINITY, 4)]
        );
        assert_eq!(value(&text, "rallypoint_frames_out_total"), Some(77.0));
        assert_eq!(value(&text, "rallypoint_disconnects_total"), None);
        assert!(histogram(&text, "rallypoint_nothing").is_err());
    }

    #[test]
    fn quantile_comes_from_the_window_not_the_whole_run() {
        let name = "rallypoint_tick_lateness_seconds";
        // Before the window: 1000 slow ticks. In it: 990 fast, 10 at 1.6 ms.
        let a = histogram(&scrape([0, 0, 1000, 1000], 0), name).unwrap();
        let b = histogram(&scrape([990, 1000, 2000, 2000], 0), name).unwrap();
        assert_eq!(
            window_quantile(&a, &b, 0.99).unwrap(),
            Quantile::AtMost(0.0008)
        );
        assert_eq!(
            window_quantile(&a, &b, 0.995).unwrap(),
            Quantile::AtMost(0.0016)
        );
        assert_eq!(
            window_quantile(&a, &b, 1.0).unwrap(),
            Quantile::AtMost(0.0016)
        );
    }

    #[test]
    fn quantile_edge_cases() {
        let name = "rallypoint_tick_lateness_seconds";
        let a = histogram(&scrape([5, 5, 5, 5], 0), name).unwrap();
        assert_eq!(window_quantile(&a, &a, 0.99).unwrap(), Quantile::NoSamples);
        let over = histogram(&scrape([5, 5, 5, 105], 0), name).unwrap();
        let q = window_quantile(&a, &over, 0.99).unwrap();
        assert_eq!(q, Quantile::Above(0.0032));
        assert_eq!(
            (q.at_most_ms(), q.describe_ms()),
            (None, ">3.2".to_string())
        );
        assert_eq!(Quantile::AtMost(0.0016).describe_ms(), "≤1.6");
        assert!(
            window_quantile(&over, &a, 0.99).is_err(),
            "counts went down"
        );
    }
}
