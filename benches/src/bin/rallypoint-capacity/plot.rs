//! `capacity.svg`: two panels against clients. Above, CPU as % of one
//! core: the server, the relay floor and the bot process, with the 95 %
//! line a step must stay under. Below, RTT p99 (left axis) and delivery
//! (right axis, with the 99 % line). SVG with plotters' built-in text
//! layout, so it needs no font library.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::hold::{MAX_SERVER_CPU_PCT, MIN_DELIVERY};
use crate::report::StepResult;

const WIDTH: u32 = 960;
const HEIGHT: u32 = 900;
const FONT: &str = "sans-serif";
const SERVER: RGBColor = RGBColor(0xd6, 0x27, 0x28);
const RELAY: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
const BOTS: RGBColor = RGBColor(0x7f, 0x7f, 0x7f);
const RTT: RGBColor = RGBColor(0x94, 0x67, 0xbd);
const DELIVERY: RGBColor = RGBColor(0x2c, 0xa0, 0x2c);

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

pub fn write_svg(path: &Path, steps: &[StepResult], title: &str) -> anyhow::Result<()> {
    let root = SVGBackend::new(path, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(title, (FONT, 22))?;
    let (upper, lower) = root.split_vertically(HEIGHT / 2 - 20);
    let x_max = steps.iter().map(|s| s.clients).max().unwrap_or(1) as f64 * 1.05;
    cpu_panel(&upper, steps, x_max)?;
    network_panel(&lower, steps, x_max)?;
    root.present()?;
    Ok(())
}

fn whole(x: &f64) -> String {
    format!("{x:.0}")
}

fn points(steps: &[StepResult], y: impl Fn(&StepResult) -> f64) -> Vec<(f64, f64)> {
    steps.iter().map(|s| (s.clients as f64, y(s))).collect()
}

fn legend_line(color: RGBColor) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
}

fn cpu_panel(area: &Area, steps: &[StepResult], x_max: f64) -> anyhow::Result<()> {
    let top = steps
        .iter()
        .flat_map(|s| [s.server_cpu_pct, s.relay_cpu_pct, s.bots_cpu_pct])
        .fold(100.0_f64, f64::max)
        * 1.08;
    let mut chart = ChartBuilder::on(area)
        .caption(
            "CPU, % of one core (server and relay on one core, bots on another)",
            (FONT, 16),
        )
        .margin(14)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(0.0..x_max, 0.0..top)?;
    chart
        .configure_mesh()
        .x_desc("clients")
        .y_desc("CPU %")
        .x_label_formatter(&whole)
        .y_label_formatter(&whole)
        .draw()?;
    let series = [
        (
            "rallypoint-server",
            SERVER,
            points(steps, |s| s.server_cpu_pct),
        ),
        ("relay floor", RELAY, points(steps, |s| s.relay_cpu_pct)),
        ("bots (own core)", BOTS, points(steps, |s| s.bots_cpu_pct)),
    ];
    for (label, color, pts) in series {
        chart
            .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))?
            .label(label)
            .legend(legend_line(color));
        chart.draw_series(pts.into_iter().map(|p| Circle::new(p, 3, color.filled())))?;
    }
    chart
        .draw_series(DashedLineSeries::new(
            [(0.0, MAX_SERVER_CPU_PCT), (x_max, MAX_SERVER_CPU_PCT)],
            6,
            4,
            BLACK.mix(0.5).stroke_width(1),
        ))?
        .label(format!("{MAX_SERVER_CPU_PCT}% limit"))
        .legend(legend_line(RGBColor(0x99, 0x99, 0x99)));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .label_font((FONT, 13))
        .draw()?;
    Ok(())
}

fn network_panel(area: &Area, steps: &[StepResult], x_max: f64) -> anyhow::Result<()> {
    let rtt_top = steps.iter().map(|s| s.rtt_p99_ms).fold(1.0_f64, f64::max) * 1.15;
    let delivery_floor = steps
        .iter()
        .map(|s| 100.0 * s.delivery)
        .fold(98.0_f64, f64::min)
        .floor()
        - 0.5;
    let mut chart = ChartBuilder::on(area)
        .caption("RTT p99 (left) and snapshot delivery (right)", (FONT, 16))
        .margin(14)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .right_y_label_area_size(56)
        .build_cartesian_2d(0.0..x_max, 0.0..rtt_top)?
        .set_secondary_coord(0.0..x_max, delivery_floor..100.5);
    chart
        .configure_mesh()
        .x_desc("clients")
        .y_desc("RTT p99, ms")
        .x_label_formatter(&whole)
        .draw()?;
    chart
        .configure_secondary_axes()
        .y_desc("delivery, %")
        .y_label_formatter(&|y| format!("{y:.1}"))
        .draw()?;
    let rtt = points(steps, |s| s.rtt_p99_ms);
    chart
        .draw_series(LineSeries::new(rtt.clone(), RTT.stroke_width(2)))?
        .label("RTT p99 (bots)")
        .legend(legend_line(RTT));
    chart.draw_series(rtt.into_iter().map(|p| Circle::new(p, 3, RTT.filled())))?;
    let delivery = points(steps, |s| 100.0 * s.delivery);
    chart
        .draw_secondary_series(LineSeries::new(delivery.clone(), DELIVERY.stroke_width(2)))?
        .label("delivery (bots, mean)")
        .legend(legend_line(DELIVERY));
    chart.draw_secondary_series(
        delivery
            .into_iter()
            .map(|p| Circle::new(p, 3, DELIVERY.filled())),
    )?;
    let limit = 100.0 * MIN_DELIVERY;
    chart
        .draw_secondary_series(DashedLineSeries::new(
            [(0.0, limit), (x_max, limit)],
            6,
            4,
            DELIVERY.mix(0.6).stroke_width(1),
        ))?
        .label(format!("{limit}% delivery limit"))
        .legend(legend_line(RGBColor(0x99, 0xcc, 0x99)));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .label_font((FONT, 13))
        .draw()?;
    Ok(())
}
