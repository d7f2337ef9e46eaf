//! The chart of open exposures over time, stacked by SSVC decision, as an
//! SVG drawn on the server (no JavaScript, works air-gapped). Written by
//! hand: a stacked bar chart is a few rectangles, and a plotting crate
//! would add more to the build than it saves here.

use std::fmt::Write;

use time::{Date, Duration, OffsetDateTime};

/// The stacking order, most urgent on top.
pub const DECISIONS: [&str; 4] = ["track", "track*", "attend", "act"];
const COLOURS: [&str; 4] = ["#8aa1b1", "#d9b44a", "#e07b39", "#c0392b"];

/// Open exposures per day and decision: `days` columns ending on `today`.
/// An exposure is open on a day when it was first seen by the end of that
/// day and not resolved by then. Each counts under its current decision.
pub fn open_per_day(
    rows: &[(String, Option<String>, String)],
    today: Date,
    days: u16,
) -> Vec<(Date, [u32; 4])> {
    let parsed: Vec<(OffsetDateTime, Option<OffsetDateTime>, usize)> = rows
        .iter()
        .filter_map(|(first, resolved, decision)| {
            let first = crate::clock::parse(first)?;
            let resolved = resolved.as_deref().and_then(crate::clock::parse);
            let slot = DECISIONS.iter().position(|d| d == decision)?;
            Some((first, resolved, slot))
        })
        .collect();
    (0..days)
        .rev()
        .map(|back| {
            let day = today - Duration::days(i64::from(back));
            let end = day.midnight().assume_utc() + Duration::days(1);
            let mut counts = [0u32; 4];
            for (first, resolved, slot) in &parsed {
                if *first < end && resolved.is_none_or(|r| r >= end) {
                    counts[*slot] += 1;
                }
            }
            (day, counts)
        })
        .collect()
}

/// What a stacked chart's four series are called and drawn with, its
/// title and its element id.
pub struct Legend {
    pub names: [&'static str; 4],
    pub colours: [&'static str; 4],
    /// The accessible title; `{max}` is replaced by the peak.
    pub title: &'static str,
    pub id: &'static str,
}

/// The open-exposures chart's legend.
pub const EXPOSURES: Legend = Legend {
    names: DECISIONS,
    colours: COLOURS,
    title: "Open exposures per day by SSVC decision (peak {max})",
    id: "exposure-chart",
};

/// A directive's obligations per day by state (the compliance trend).
pub const OBLIGATIONS: Legend = Legend {
    names: ["satisfied", "excepted", "on time", "overdue"],
    colours: ["#4c9a6a", "#8aa1b1", "#d9b44a", "#c0392b"],
    title: "Obligations per day by state (peak {max})",
    id: "compliance-chart",
};

/// A case's exposed operators per deadline by remediation status.
pub const REMEDIATION: Legend = Legend {
    names: ["patched", "mitigated", "accepted risk", "not acted"],
    colours: ["#4c9a6a", "#8aa1b1", "#d9b44a", "#c0392b"],
    title: "Exposed operators per deadline by remediation status (peak {max})",
    id: "progress-chart",
};

/// Renders the series as a stacked bar chart with a legend and axis labels.
pub fn render_svg(series: &[(Date, [u32; 4])]) -> String {
    render_stacked(series, &EXPOSURES)
}

/// Renders any four stacked series, drawn and named by `legend`.
pub fn render_stacked(series: &[(Date, [u32; 4])], legend: &Legend) -> String {
    const W: f64 = 720.0;
    const H: f64 = 220.0;
    const LEFT: f64 = 40.0;
    const BOTTOM: f64 = 24.0;
    const TOP: f64 = 24.0;
    let max = series
        .iter()
        .map(|(_, c)| c.iter().sum::<u32>())
        .max()
        .unwrap_or(0)
        .max(1);
    let plot_h = H - BOTTOM - TOP;
    let n = series.len().max(1) as f64;
    let slot_w = (W - LEFT - 8.0) / n;
    let bar_w = (slot_w * 0.8).max(1.0);
    let mut svg = String::new();
    let title = legend.title.replace("{max}", &max.to_string());
    let id = legend.id;
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="100%" role="img" aria-labelledby="{id}-title" id="{id}"><title id="{id}-title">{title}</title>"#
    );
    let _ = write!(
        svg,
        r##"<line x1="{LEFT}" y1="{}" x2="{W}" y2="{}" stroke="#999"/><text x="{}" y="{}" font-size="10" text-anchor="end">{max}</text><text x="{}" y="{}" font-size="10" text-anchor="end">0</text>"##,
        H - BOTTOM,
        H - BOTTOM,
        LEFT - 4.0,
        TOP + 8.0,
        LEFT - 4.0,
        H - BOTTOM
    );
    for (i, (day, counts)) in series.iter().enumerate() {
        let x = LEFT + i as f64 * slot_w;
        let mut y = H - BOTTOM;
        for (slot, count) in counts.iter().enumerate() {
            if *count == 0 {
                continue;
            }
            let h = plot_h * f64::from(*count) / f64::from(max);
            y -= h;
            let _ = write!(
                svg,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{bar_w:.1}" height="{h:.1}" fill="{}" data-day="{day}" data-decision="{}"><title>{day}: {count} {}</title></rect>"#,
                legend.colours[slot], legend.names[slot], legend.names[slot]
            );
        }
        // Every 7th day, and the last one unless it would touch the one before.
        if i % 7 == 0 || (i + 1 == series.len() && i % 7 >= 3) {
            let _ = write!(
                svg,
                r#"<text x="{:.1}" y="{}" font-size="9" text-anchor="middle">{}</text>"#,
                x + bar_w / 2.0,
                H - 8.0,
                &day.to_string()[5..]
            );
        }
    }
    for (slot, name) in legend.names.iter().enumerate().rev() {
        let lx = LEFT + (3 - slot) as f64 * 80.0;
        let _ = write!(
            svg,
            r#"<rect x="{lx}" y="4" width="10" height="10" fill="{}"/><text x="{}" y="13" font-size="10">{name}</text>"#,
            legend.colours[slot],
            lx + 14.0
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn row(
        first: &str,
        resolved: Option<&str>,
        decision: &str,
    ) -> (String, Option<String>, String) {
        (first.into(), resolved.map(Into::into), decision.into())
    }

    #[test]
    fn an_exposure_counts_from_the_day_it_appears_until_the_day_it_is_resolved() {
        let rows = vec![
            row("2026-11-20T10:00:00.000000Z", None, "act"),
            row(
                "2026-11-19T10:00:00.000000Z",
                Some("2026-11-21T09:00:00.000000Z"),
                "track",
            ),
            row("2026-11-21T00:00:00.000000Z", None, "nonsense"),
        ];
        let s = open_per_day(&rows, date!(2026 - 11 - 22), 4);
        let days: Vec<String> = s.iter().map(|(d, _)| d.to_string()).collect();
        assert_eq!(
            days,
            ["2026-11-19", "2026-11-20", "2026-11-21", "2026-11-22"]
        );
        assert_eq!(s[0].1, [1, 0, 0, 0]);
        assert_eq!(s[1].1, [1, 0, 0, 1]);
        assert_eq!(s[2].1, [0, 0, 0, 1], "resolved during the 21st");
        assert_eq!(s[3].1, [0, 0, 0, 1]);
    }

    #[test]
    fn the_svg_has_one_rectangle_per_nonzero_stack_segment_and_a_legend() {
        let s = vec![
            (date!(2026 - 11 - 21), [2, 0, 1, 0]),
            (date!(2026 - 11 - 22), [0, 0, 0, 0]),
        ];
        let svg = render_svg(&s);
        assert!(svg.starts_with("<svg"));
        assert!(svg.ends_with("</svg>"));
        assert_eq!(svg.matches("data-day=").count(), 2);
        assert!(svg.contains(r#"data-decision="attend""#));
        assert!(svg.contains("peak 3"));
        assert_eq!(svg.matches("<rect").count(), 2 + 4, "bars and legend");
    }
}
