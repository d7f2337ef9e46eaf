//! A model's suite scores as an SVG drawn on the server (no JavaScript,
//! like `http/ui/chart.rs`): one row per scored run, the success rate as a
//! dot on a 0–100% axis with its 95% clustered-bootstrap interval as a bar.
//! A threshold line is drawn on a row only when the caller passes one, and
//! the caller passes one only for a viewer the threshold policy's labels
//! admit (`workflows::frontier::thresholds::list` returns nothing to
//! anyone else), so a page for anyone else holds no threshold at all.

use std::fmt::Write;

/// One scored run.
pub struct Row {
    /// What the row is called (suite, version, run).
    pub label: String,
    pub point: f64,
    pub lower: f64,
    pub upper: f64,
    /// The suite's threshold in force, for cleared viewers only.
    pub threshold: Option<f64>,
}

/// Escapes text for SVG content and attributes.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn clamp(x: f64) -> f64 {
    if x.is_finite() {
        x.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// Renders the rows; the caller shows an empty state instead of a chart
/// without rows.
pub fn render_svg(rows: &[Row]) -> String {
    const W: f64 = 760.0;
    const LEFT: f64 = 250.0;
    const RIGHT: f64 = 20.0;
    const TOP: f64 = 14.0;
    const ROW_H: f64 = 26.0;
    const AXIS: f64 = 34.0;
    let plot_w = W - LEFT - RIGHT;
    let h = TOP + ROW_H * rows.len().max(1) as f64 + AXIS;
    let x = |v: f64| LEFT + clamp(v) * plot_w;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {h}" width="100%" role="img" aria-labelledby="score-chart-title" id="score-chart"><title id="score-chart-title">Success rate per scored run with its 95% interval</title>"#
    );
    let base = TOP + ROW_H * rows.len().max(1) as f64;
    for tick in 0..=4 {
        let v = f64::from(tick) / 4.0;
        let _ = write!(
            svg,
            r##"<line x1="{0:.1}" y1="{TOP}" x2="{0:.1}" y2="{base}" stroke="#e3e7ee"/><text x="{0:.1}" y="{1}" font-size="10" text-anchor="middle">{2}%</text>"##,
            x(v),
            base + 14.0,
            tick * 25
        );
    }
    let _ = write!(
        svg,
        r##"<text x="{}" y="{}" font-size="10" text-anchor="middle" fill="#555">success rate (dot) and 95% interval (bar)</text>"##,
        LEFT + plot_w / 2.0,
        base + 28.0
    );
    for (i, r) in rows.iter().enumerate() {
        let y = TOP + ROW_H * i as f64 + ROW_H / 2.0;
        let label = esc(&r.label);
        let short: String = label.chars().take(40).collect();
        let _ = write!(
            svg,
            r##"<text x="{}" y="{:.1}" font-size="11" text-anchor="end">{short}</text>"##,
            LEFT - 8.0,
            y + 4.0
        );
        let _ = write!(
            svg,
            r##"<g class="score-row" data-point="{:.4}" data-lower="{:.4}" data-upper="{:.4}"><title>{label}: {:.1}% [{:.1}%, {:.1}%]</title><line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#2a5db0" stroke-width="3"/><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#2a5db0"/><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#2a5db0"/><circle cx="{:.1}" cy="{y:.1}" r="4.5" fill="#142033"/></g>"##,
            clamp(r.point),
            clamp(r.lower),
            clamp(r.upper),
            clamp(r.point) * 100.0,
            clamp(r.lower) * 100.0,
            clamp(r.upper) * 100.0,
            x(r.lower),
            x(r.upper),
            x(r.lower),
            y - 5.0,
            x(r.lower),
            y + 5.0,
            x(r.upper),
            y - 5.0,
            x(r.upper),
            y + 5.0,
            x(r.point),
        );
        if let Some(t) = r.threshold {
            let _ = write!(
                svg,
                r##"<line class="threshold" x1="{0:.1}" y1="{1:.1}" x2="{0:.1}" y2="{2:.1}" stroke="#c0392b" stroke-width="2" stroke-dasharray="4 2"><title>threshold in force: {3:.1}%</title></line>"##,
                x(t),
                y - ROW_H / 2.0 + 2.0,
                y + ROW_H / 2.0 - 2.0,
                clamp(t) * 100.0
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(threshold: Option<f64>) -> Row {
        Row {
            label: "cybench v1 · <run> & co".into(),
            point: 0.4,
            lower: 0.2,
            upper: 0.6,
            threshold,
        }
    }

    #[test]
    fn threshold_lines_only_when_given() {
        let without = render_svg(&[row(None), row(None)]);
        assert!(without.starts_with("<svg") && without.ends_with("</svg>"));
        assert_eq!(without.matches("class=\"score-row\"").count(), 2);
        assert!(!without.contains("threshold"), "{without}");
        let with = render_svg(&[row(Some(0.35)), row(None)]);
        assert_eq!(with.matches("class=\"threshold\"").count(), 1);
        assert!(with.contains("35.0%"));
    }

    #[test]
    fn labels_are_escaped_and_values_clamped() {
        let svg = render_svg(&[Row {
            point: f64::NAN,
            upper: 1.7,
            ..row(None)
        }]);
        assert!(svg.contains("&lt;run&gt; &amp; co"));
        assert!(!svg.contains("<run>"));
        assert!(svg.contains(r#"data-point="0.0000""#));
        assert!(svg.contains(r#"data-upper="1.0000""#));
    }
}
