//! The report's histograms: per-bot latency and prediction-error
//! histograms merged across bots and read off as percentiles.

use hdrhistogram::Histogram;

use super::{Latency, PredictionError};
use crate::outcome::BotResult;

/// Merges the per-bot error histograms and reads them off in world units.
pub(super) fn prediction_error(results: &[BotResult]) -> PredictionError {
    let mut all = crate::predict::error_histogram();
    for h in results
        .iter()
        .filter_map(|r| r.prediction_error.histogram())
    {
        // Cannot fail: `all` auto-resizes.
        let _ = all.add(h);
    }
    let skipped = results.iter().map(|r| r.prediction_skipped).sum();
    if all.is_empty() {
        return PredictionError {
            skipped,
            ..PredictionError::default()
        };
    }
    let units = |micro: u64| micro as f64 / 1e6;
    PredictionError {
        samples: all.len(),
        skipped,
        p50: units(all.value_at_quantile(0.50)),
        p99: units(all.value_at_quantile(0.99)),
        max: units(all.max()),
    }
}

/// Merges per-bot µs histograms and reads percentiles off in ms.
pub(super) fn latency<'a>(per_bot: impl Iterator<Item = &'a Histogram<u32>>) -> Latency {
    let mut all = Histogram::<u64>::new(2).expect("2 significant digits is a valid precision");
    for h in per_bot {
        for v in h.iter_recorded() {
            // Cannot fail: `all` auto-resizes.
            let _ = all.record_n(v.value_iterated_to(), u64::from(v.count_at_value()));
        }
    }
    if all.is_empty() {
        return Latency::default();
    }
    let ms = |us: u64| us as f64 / 1000.0;
    Latency {
        samples: all.len(),
        p50: ms(all.value_at_quantile(0.50)),
        p95: ms(all.value_at_quantile(0.95)),
        p99: ms(all.value_at_quantile(0.99)),
        max: ms(all.max()),
    }
}
