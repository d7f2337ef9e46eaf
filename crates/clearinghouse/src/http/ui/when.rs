//! Times as people read them: `6 Dec 2026 14:05 UTC` inside a
//! `<time datetime="…" title="…">` element carrying the exact stored value
//! (RFC 3339), and ages ("12 days"). Templates call these as
//! `{{ crate::http::ui::when::time(x)|safe }}`; what they return is escaped.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn parse(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s.trim(), &Rfc3339)
        .ok()
        .map(|t| t.to_offset(time::UtcOffset::UTC))
}

/// `6 Dec 2026 14:05 UTC`, or the text as it is when it is not RFC 3339.
pub fn human(s: &str) -> String {
    match parse(s) {
        Some(t) => format!(
            "{} {} {} {:02}:{:02} UTC",
            t.day(),
            MONTHS[usize::from(u8::from(t.month())) - 1],
            t.year(),
            t.hour(),
            t.minute()
        ),
        None => s.to_owned(),
    }
}

/// A `<time>` element: the human form, with the exact value as its
/// `datetime` and `title` (hover to see it, select to copy it).
pub fn time<S: AsRef<str>>(s: S) -> String {
    let s = s.as_ref();
    if parse(s).is_none() {
        return escape(s);
    }
    let exact = escape(s.trim());
    format!(
        "<time datetime=\"{exact}\" title=\"{exact}\">{}</time>",
        escape(&human(s))
    )
}

/// How long ago `s` was, in whole days ("today", "1 day", "12 days").
pub fn age(s: &str, now: OffsetDateTime) -> String {
    match parse(s) {
        Some(t) => match (now - t).whole_days() {
            d if d < 1 => "today".to_owned(),
            1 => "1 day".to_owned(),
            d => format!("{d} days"),
        },
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readable_times_keep_the_exact_value() {
        assert_eq!(human("2026-12-06T14:05:09Z"), "6 Dec 2026 14:05 UTC");
        assert_eq!(human("2026-12-06T15:05:09+01:00"), "6 Dec 2026 14:05 UTC");
        assert_eq!(
            time("2026-01-02T03:04:05.123Z"),
            "<time datetime=\"2026-01-02T03:04:05.123Z\" title=\"2026-01-02T03:04:05.123Z\">2 Jan 2026 03:04 UTC</time>"
        );
        assert_eq!(time("<b>"), "&lt;b&gt;");
    }

    #[test]
    fn ages_in_days() {
        let now = parse("2026-12-06T00:00:00Z").expect("a time");
        assert_eq!(age("2026-12-05T12:00:00Z", now), "today");
        assert_eq!(age("2026-12-05T00:00:00Z", now), "1 day");
        assert_eq!(age("2026-11-24T00:00:00Z", now), "12 days");
    }
}

/// A time as people type it, as the RFC 3339 the workflows take (N5):
/// `2026-12-06 14:00`, a `datetime-local` input's `2026-12-06T14:00`
/// (seconds optional) or a bare date are UTC; RFC 3339 and anything
/// else pass unchanged (the workflow refuses those beside the field).
pub fn typed_utc(s: &str) -> String {
    let s = s.trim();
    if parse(s).is_some() {
        return s.to_owned();
    }
    let (date, clock) = match s.split_once([' ', 'T']) {
        Some((d, c)) => (d, c.trim()),
        None => (s, "00:00"),
    };
    let day = time::macros::format_description!("[year]-[month]-[day]");
    let date_ok = time::Date::parse(date, day).is_ok();
    let clock = match clock.len() {
        5 => format!("{clock}:00"),
        _ => clock.to_owned(),
    };
    let candidate = format!("{date}T{clock}Z");
    if date_ok && parse(&candidate).is_some() {
        candidate
    } else {
        s.to_owned()
    }
}

/// A time to the minute, as [`typed_utc`] reads it back (`2026-12-06 14:05`).
pub fn typed(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

#[cfg(test)]
mod typed_tests {
    use super::typed_utc;

    #[test]
    fn times_as_people_type_them() {
        assert_eq!(typed_utc("2026-12-06 14:00"), "2026-12-06T14:00:00Z");
        assert_eq!(typed_utc("2026-12-06T14:00"), "2026-12-06T14:00:00Z");
        assert_eq!(typed_utc(" 2026-12-06T14:00:30 "), "2026-12-06T14:00:30Z");
        assert_eq!(typed_utc("2026-12-06"), "2026-12-06T00:00:00Z");
        assert_eq!(
            typed_utc("2026-12-06T14:00:00+01:00"),
            "2026-12-06T14:00:00+01:00"
        );
        assert_eq!(typed_utc("06/12/2026 14:00"), "06/12/2026 14:00");
        assert_eq!(typed_utc("2026-13-06 14:00"), "2026-13-06 14:00");
    }
}
