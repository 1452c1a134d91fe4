use super::*;

/// A scrape as the server writes it: the gauges, both tick histograms
/// with these cumulative counts at 0.05, 0.25, 1 and 33 ms and +Inf, the
/// counters, and the families' members.
fn scrape(
    gauges: [u64; 3],
    duration: [u64; 5],
    lateness: [u64; 5],
    frames_out: u64,
    disconnects: &[(&str, u64)],
) -> Scrape {
    let mut text = format!(
        "# TYPE rallypoint_connections gauge\n\
         rallypoint_connections {}\n\
         rallypoint_lobbies {}\n\
         rallypoint_players {}\n",
        gauges[0], gauges[1], gauges[2]
    );
    for (name, counts) in [(TICK_DURATION, duration), (TICK_LATENESS, lateness)] {
        text += &format!("# TYPE {name} histogram\n{name}_count {}\n", counts[4]);
        for (le, count) in ["0.00005", "0.00025", "0.001", "0.033", "+Inf"]
            .iter()
            .zip(counts)
        {
            text += &format!("{name}_bucket{{le=\"{le}\"}} {count}\n");
        }
    }
    text += &format!(
        "rallypoint_frames_out_total {frames_out}\n\
         rallypoint_bytes_out_total {}\n\
         rallypoint_frames_in_total 10\n\
         rallypoint_bytes_in_total 100\n\
         rallypoint_snapshots_replaced_total 1\n",
        frames_out * 50
    );
    for (reason, n) in disconnects {
        text += &format!("rallypoint_disconnects_total{{reason=\"{reason}\"}} {n}\n");
    }
    text += "# EOF\n";
    Scrape::parse(&text).unwrap()
}

#[test]
fn counts_are_the_runs_and_gauges_each_scrapes() {
    // Before: a server that already ran 1000 slow ticks.
    let before = scrape(
        [0, 0, 0],
        [0, 0, 0, 1000, 1000],
        [0; 5],
        500,
        &[("closed", 4)],
    );
    let mid = scrape([800, 50, 800], [0; 5], [0; 5], 0, &[]);
    // During the run: 98 ticks ≤ 0.05 ms, 1 ≤ 0.25 ms, 1 ≤ 1 ms.
    let end = scrape(
        [0, 0, 0],
        [98, 99, 100, 1100, 1100],
        [90, 100, 100, 100, 100],
        2_500,
        &[("closed", 804), ("peer_timeout", 2)],
    );
    let r = ServerReport::build("u".into(), Ok(before), Ok(mid), Ok(end));
    assert_eq!(r.warnings, Vec::<String>::new());
    assert_eq!(
        r.mid_run,
        Some(ServerGauges {
            connections: 800,
            lobbies: 50,
            players: 800
        })
    );
    assert_eq!(r.at_end.unwrap().connections, 0);
    let run = r.run.unwrap();
    assert!(!run.since_server_start);
    assert_eq!(run.ticks, 100);
    // The 1000 slow ticks before the run are not in its quantiles.
    assert_eq!(run.tick_duration_ms.p50, Some(Bound::Le(0.05)));
    assert_eq!(run.tick_duration_ms.p99, Some(Bound::Le(0.25)));
    assert_eq!(run.tick_lateness_ms.p99, Some(Bound::Le(0.25)));
    assert_eq!((run.frames_out, run.bytes_out), (2_000, 100_000));
    assert_eq!(
        (run.frames_in, run.bytes_in, run.snapshots_replaced),
        (0, 0, 0)
    );
    assert_eq!(run.disconnects["closed"], 800);
    assert_eq!(run.disconnects["peer_timeout"], 2);
    assert!(run.inputs_rejected.is_empty());
}

#[test]
fn quantiles_are_bucket_upper_bounds() {
    let b = |counts: [f64; 3]| -> Buckets {
        vec![
            (0.001, counts[0]),
            (0.002, counts[1]),
            (f64::INFINITY, counts[2]),
        ]
    };
    assert_eq!(quantile(&b([0.0; 3]), 0.5), None);
    assert_eq!(
        quantile(&b([50.0, 100.0, 100.0]), 0.5),
        Some(Bound::Le(1.0))
    );
    assert_eq!(
        quantile(&b([49.0, 100.0, 100.0]), 0.5),
        Some(Bound::Le(2.0))
    );
    assert_eq!(
        quantile(&b([49.0, 98.0, 100.0]), 0.99),
        Some(Bound::Gt(2.0))
    );
    assert_eq!(Bound::Le(0.25).to_string(), "≤0.25 ms");
    assert_eq!(Bound::Gt(533.0).to_string(), ">533 ms");
    let a = b([10.0, 10.0, 10.0]);
    assert!(window(Some(&a), &b([5.0, 10.0, 10.0])).is_err());
    assert!(window(Some(&a[..2].to_vec()), &b([5.0, 10.0, 10.0])).is_err());
    assert_eq!(window(None, &a), Ok(a.clone()));
}

#[test]
fn failed_scrapes_are_warnings_and_the_rest_still_reports() {
    let end = scrape([3, 1, 3], [5; 5], [5; 5], 70, &[]);
    let r = ServerReport::build(
        "u".into(),
        Err("scrape before the run: connect: refused".into()),
        Err("scrape mid-run: no answer within 2s".into()),
        Ok(end),
    );
    assert_eq!(r.mid_run, None);
    assert_eq!(r.at_end.unwrap().players, 3);
    let run = r.run.as_ref().unwrap();
    assert!(run.since_server_start);
    assert_eq!(run.frames_out, 70);
    assert_eq!(r.warnings.len(), 2, "{:?}", r.warnings);
    assert!(r.warnings[0].contains("since the server started"));

    let r = ServerReport::build(
        "u".into(),
        Ok(Scrape::default()),
        Ok(Scrape::default()),
        Err("scrape at the end: status 404".into()),
    );
    assert_eq!((r.mid_run, r.at_end, r.run), (None, None, None));
    assert_eq!(r.warnings.len(), 2, "{:?}", r.warnings);
}

#[test]
fn missing_metrics_are_named() {
    let r = ServerReport::build(
        "u".into(),
        Ok(Scrape::default()),
        Ok(Scrape::default()),
        Ok(Scrape::parse("rallypoint_connections 1\n").unwrap()),
    );
    let run = r.run.unwrap();
    assert_eq!(run.ticks, 0);
    assert_eq!(run.tick_duration_ms, Quantiles::default());
    let all = r.warnings.join("\n");
    for name in [
        "rallypoint_lobbies",
        "rallypoint_frames_out",
        "rallypoint_tick_duration_seconds",
        "rallypoint_tick_lateness_seconds",
    ] {
        assert!(all.contains(name), "{name} in {all}");
    }
}

#[test]
fn text_lines() {
    let before = scrape([0, 0, 0], [0; 5], [0; 5], 0, &[]);
    let mid = scrape([8, 1, 8], [0; 5], [0; 5], 0, &[]);
    let end = scrape(
        [0, 1, 0],
        [100; 5],
        [98, 98, 98, 100, 100],
        12_345,
        &[("kicked", 1)],
    );
    let r = ServerReport::build("http://x/metrics".into(), Ok(before), Ok(mid), Ok(end));
    struct Lines<'a>(&'a ServerReport);
    impl fmt::Display for Lines<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.0.lines(f)
        }
    }
    let text = Lines(&r).to_string();
    for line in [
        "  server        mid-run 8 connections, 1 lobbies, 8 players; \
         at end 0 connections, 1 lobbies, 0 players (http://x/metrics)\n",
        "  server ticks  100 ticks: duration p50 ≤0.05 ms, p99 ≤0.05 ms; lateness p99 ≤33 ms \
         (bucket upper bounds)\n",
        "  server io     out 12345 frames, 617.2 kB; in 0 frames, 0 B; 0 snapshots replaced\n",
        "  server ends   disconnects kicked 1; inputs rejected none\n",
    ] {
        assert!(text.contains(line), "{line:?} in\n{text}");
    }
    assert!(!text.contains("warn"), "{text}");
}
