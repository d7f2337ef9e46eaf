//! Token counts from an OpenAI-compatible answer, without keeping its text:
//! the `usage` object of a whole JSON answer, or of the last server-sent
//! event that carries one (`stream_options.include_usage`). The scanner is
//! fed the stream chunk by chunk as it passes through the broker; it keeps
//! at most one partial line (`sse`, bounded by [`MAX_LINE`]) and the counts.

use serde_json::Value;

pub use super::sse::MAX_LINE;
use super::sse::SseLines;

/// Token counts as the endpoint reported them (`None`: not reported).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenCounts {
    pub prompt: Option<i64>,
    pub completion: Option<i64>,
    pub total: Option<i64>,
}

impl TokenCounts {
    /// The `usage` object of an answer, if it has one.
    pub fn from_answer(v: &Value) -> Option<TokenCounts> {
        let u = v.get("usage")?.as_object()?;
        let n = |k: &str| u.get(k).and_then(Value::as_i64).filter(|x| *x >= 0);
        let (prompt, completion) = (n("prompt_tokens"), n("completion_tokens"));
        let total = n("total_tokens").or_else(|| Some(prompt? + completion?));
        Some(TokenCounts {
            prompt,
            completion,
            total,
        })
    }

    /// What to charge when the answer reported no usage (a stream whose
    /// endpoint ignored `include_usage`, a body too large to read): about
    /// four bytes a token over the request and the answer, at least one,
    /// so a token quota always trips.
    pub fn estimate(request_bytes: i64, response_bytes: i64) -> TokenCounts {
        let bytes = request_bytes.max(0).saturating_add(response_bytes.max(0));
        TokenCounts {
            prompt: None,
            completion: None,
            total: Some((bytes / 4).max(1)),
        }
    }

    /// Tokens to charge against a quota.
    pub fn charged(&self) -> i64 {
        self.total
            .or_else(|| Some(self.prompt.unwrap_or(0) + self.completion.unwrap_or(0)))
            .unwrap_or(0)
    }
}

/// Reads `usage` from an answer passing through, streamed or not.
#[derive(Debug, Default)]
pub struct UsageScanner {
    lines: SseLines,
    /// A whole (non-SSE) JSON body, kept only up to `MAX_LINE`.
    body: Vec<u8>,
    /// The whole body was longer than `MAX_LINE` (not read).
    overlong: bool,
    sse: bool,
    counts: Option<TokenCounts>,
    events: u64,
}

fn event(counts: &mut Option<TokenCounts>, events: &mut u64, data: &[u8]) {
    *events += 1;
    // Only an event that may carry `usage` is parsed (most carry text).
    if memmem(data, b"\"usage\"")
        && let Ok(v) = serde_json::from_slice::<Value>(data)
        && let Some(c) = TokenCounts::from_answer(&v)
    {
        *counts = Some(c);
    }
}

/// Whether `needle` occurs in `hay`.
fn memmem(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

impl UsageScanner {
    /// `sse`: the answer's content type is `text/event-stream`.
    pub fn new(sse: bool) -> UsageScanner {
        UsageScanner {
            sse,
            ..UsageScanner::default()
        }
    }

    pub fn feed(&mut self, chunk: &[u8]) {
        if !self.sse {
            if self.body.len() + chunk.len() <= MAX_LINE {
                self.body.extend_from_slice(chunk);
            } else {
                self.overlong = true;
            }
            return;
        }
        let (counts, events) = (&mut self.counts, &mut self.events);
        self.lines.feed(chunk, |d| event(counts, events, d));
    }

    /// Data events seen so far (streamed answers).
    pub fn events(&self) -> u64 {
        self.events
    }

    /// The counts, once the answer has ended.
    pub fn finish(mut self) -> Option<TokenCounts> {
        if self.sse {
            let (counts, events) = (&mut self.counts, &mut self.events);
            self.lines.finish(|d| event(counts, events, d));
            self.counts
        } else if self.overlong {
            None
        } else {
            serde_json::from_slice::<Value>(&self.body)
                .ok()
                .and_then(|v| TokenCounts::from_answer(&v))
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn estimate_charges_a_quarter_of_the_bytes() {
        use super::TokenCounts;
        assert_eq!(TokenCounts::estimate(400, 3600).total, Some(1000));
        assert_eq!(TokenCounts::estimate(0, 0).total, Some(1));
        assert_eq!(TokenCounts::estimate(-5, 8).charged(), 2);
        assert_eq!(
            TokenCounts::estimate(i64::MAX, i64::MAX).total,
            Some(i64::MAX / 4)
        );
    }

    use super::*;
    use serde_json::json;

    #[test]
    fn whole_answer() {
        let mut s = UsageScanner::new(false);
        let body = json!({"choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12}});
        let bytes = serde_json::to_vec(&body).unwrap();
        let (a, b) = bytes.split_at(9);
        s.feed(a);
        s.feed(b);
        let c = s.finish().unwrap();
        assert_eq!(
            (c.prompt, c.completion, c.total),
            (Some(5), Some(7), Some(12))
        );
        assert_eq!(c.charged(), 12);
    }

    #[test]
    fn total_is_summed_when_missing_and_negative_ignored() {
        let c = TokenCounts::from_answer(
            &json!({"usage": {"prompt_tokens": 2, "completion_tokens": 3}}),
        )
        .unwrap();
        assert_eq!(c.total, Some(5));
        let c = TokenCounts::from_answer(&json!({"usage": {"prompt_tokens": -2}})).unwrap();
        assert_eq!(c.prompt, None);
        assert_eq!(c.charged(), 0);
        assert!(TokenCounts::from_answer(&json!({"choices": []})).is_none());
    }

    #[test]
    fn stream_split_anywhere() {
        let stream = "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n\
            data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,\"total_tokens\":7}}\r\n\r\n\
            data: [DONE]\n\n";
        for cut in 0..stream.len() {
            let mut s = UsageScanner::new(true);
            s.feed(&stream.as_bytes()[..cut]);
            s.feed(&stream.as_bytes()[cut..]);
            assert_eq!(s.events(), 2, "cut {cut}");
            assert_eq!(s.finish().unwrap().total, Some(7), "cut {cut}");
        }
    }

    #[test]
    fn stream_without_usage_and_overlong_lines() {
        let mut s = UsageScanner::new(true);
        s.feed(b"data: {\"choices\":[]}\n\n");
        assert_eq!(s.finish(), None);
        let mut s = UsageScanner::new(true);
        s.feed(&vec![b'x'; MAX_LINE + 10]);
        s.feed(b"\ndata: {\"usage\":{\"total_tokens\":1}}\n");
        assert_eq!(s.finish().unwrap().total, Some(1));
    }
}
