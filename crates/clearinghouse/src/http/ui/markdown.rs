//! SARIF message text as HTML: CommonMark through `pulldown-cmark`, with
//! every piece of raw HTML in the text escaped (shown, never interpreted),
//! links kept only to `http`, `https` and `mailto`, images shown as their
//! alternative text, and SARIF's embedded links to related locations
//! (`[a user-provided value](1)`) turned into the text with a note of the
//! location they point to.

use pulldown_cmark::{CowStr, Event, Parser, Tag, TagEnd, html};

fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:")
}

/// Renders `text` to safe HTML.
pub fn render(text: &str) -> String {
    let mut events: Vec<Event<'_>> = Vec::new();
    // Closing events to replace, innermost last: what each open link became.
    let mut links: Vec<Option<String>> = Vec::new();
    for event in Parser::new(text) {
        match event {
            Event::Html(h) | Event::InlineHtml(h) => events.push(Event::Text(h)),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                if !dest_url.is_empty() && dest_url.chars().all(|c| c.is_ascii_digit()) {
                    // A SARIF placeholder: the text, then the related location's number.
                    links.push(Some(format!(" (related location {dest_url})")));
                } else if safe_url(&dest_url) {
                    links.push(None);
                    events.push(Event::Start(Tag::Link {
                        link_type,
                        dest_url,
                        title,
                        id,
                    }));
                } else {
                    links.push(Some(String::new()));
                }
            }
            Event::End(TagEnd::Link) => match links.pop().flatten() {
                Some(note) if note.is_empty() => {}
                Some(note) => events.push(Event::Text(CowStr::from(note))),
                None => events.push(Event::End(TagEnd::Link)),
            },
            // An image shows as its alternative text (the events between).
            Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => {}
            other => events.push(other),
        }
    }
    let mut out = String::new();
    html::push_html(&mut out, events.into_iter());
    out
}

/// The description without a first line that repeats the title (SARIF
/// titles are the message's first line), so a page does not say it twice.
pub fn without_title<'a>(description: &'a str, title: &str) -> &'a str {
    let d = description.trim_start();
    match d.strip_prefix(title.trim()) {
        Some(rest) if rest.is_empty() || rest.starts_with('\n') || rest.starts_with("\r\n") => {
            rest.trim_start()
        }
        _ => description,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_text_with_their_location() {
        let html = render("This query depends on [a user-provided value](1).");
        assert_eq!(
            html.trim(),
            "<p>This query depends on a user-provided value (related location 1).</p>"
        );
    }

    #[test]
    fn raw_html_is_escaped_and_unsafe_links_dropped() {
        let html = render("<script>alert(1)</script> and [x](javascript:alert(1)) <b>b</b>");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        let html = render("click [x](javascript:alert(1)) or [y](data:text/html,hi)");
        assert!(!html.contains("<a"), "{html}");
        assert!(html.contains("click x or y"), "{html}");
        let html = render("see [docs](https://example.org/a) and ![pic](https://t.example/p.png)");
        assert!(
            html.contains("<a href=\"https://example.org/a\">docs</a>"),
            "{html}"
        );
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("pic"), "{html}");
    }

    #[test]
    fn markdown_renders() {
        let html = render("Use `exec` **carefully**:\n\n- one\n- two");
        assert!(html.contains("<code>exec</code>"), "{html}");
        assert!(html.contains("<strong>carefully</strong>"), "{html}");
        assert!(html.contains("<li>one</li>"), "{html}");
    }

    #[test]
    fn title_line_is_not_repeated() {
        assert_eq!(
            without_title("Bad thing\nMore words.", "Bad thing"),
            "More words."
        );
        assert_eq!(without_title("Bad thing", "Bad thing"), "");
        assert_eq!(
            without_title("Bad things happen", "Bad thing"),
            "Bad things happen"
        );
    }
}
