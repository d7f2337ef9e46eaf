//! A call's transcript, for windows whose terms say to keep them: the
//! completion assembled from an OpenAI-compatible answer as it passes
//! through the broker (the `choices[0].delta.content` / `choices[0].text`
//! of each server-sent event, or `choices[0].message.content` / `.text` of
//! a whole JSON answer). The broker forwards every chunk at once and hands
//! a reference to [`Assembler::feed`]; only the assembled text (at most
//! [`MAX_TRANSCRIPT_BYTES`]) and one partial line are kept here, never the
//! pass-through itself. The caller seals the result (`envelope`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::sse::SseLines;

/// The most of a prompt or a completion a transcript keeps; beyond it the
/// transcript is marked `truncated`.
pub const MAX_TRANSCRIPT_BYTES: usize = 1024 * 1024;

/// What is sealed for one call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transcript {
    /// The request body as the grantee sent it (its messages or prompt).
    pub prompt: String,
    /// The model's answer text, assembled from the stream if it streamed.
    pub completion: String,
    /// Either side was longer than [`MAX_TRANSCRIPT_BYTES`] and was cut.
    pub truncated: bool,
}

/// Pushes `text` onto `out` without passing `MAX_TRANSCRIPT_BYTES` (cut
/// at a character boundary); returns false when it had to cut.
fn push_bounded(out: &mut String, text: &str) -> bool {
    let room = MAX_TRANSCRIPT_BYTES.saturating_sub(out.len());
    if text.len() <= room {
        out.push_str(text);
        return true;
    }
    let mut end = room;
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    out.push_str(&text[..end]);
    false
}

/// The prompt side: the request body, bounded, as text.
pub fn prompt_text(body: &[u8]) -> (String, bool) {
    let text = String::from_utf8_lossy(body);
    let mut out = String::new();
    let whole = push_bounded(&mut out, &text);
    (out, !whole)
}

/// Assembles the completion of an answer fed chunk by chunk.
#[derive(Debug, Default)]
pub struct Assembler {
    sse: bool,
    lines: SseLines,
    /// A whole JSON answer, up to [`MAX_TRANSCRIPT_BYTES`].
    body: Vec<u8>,
    text: String,
    truncated: bool,
}

fn choice_text(v: &Value) -> Option<&str> {
    let c = v.get("choices")?.get(0)?;
    c.get("delta")
        .and_then(|d| d.get("content"))
        .or_else(|| c.get("message").and_then(|m| m.get("content")))
        .or_else(|| c.get("text"))
        .and_then(Value::as_str)
}

/// One event's text onto the completion.
fn event(text: &mut String, truncated: &mut bool, data: &[u8]) {
    if let Ok(v) = serde_json::from_slice::<Value>(data)
        && let Some(t) = choice_text(&v)
        && !push_bounded(text, t)
    {
        *truncated = true;
    }
}

impl Assembler {
    /// `sse`: the answer's content type is `text/event-stream`.
    pub fn new(sse: bool) -> Assembler {
        Assembler {
            sse,
            ..Assembler::default()
        }
    }

    pub fn feed(&mut self, chunk: &[u8]) {
        if !self.sse {
            if self.body.len() + chunk.len() <= MAX_TRANSCRIPT_BYTES {
                self.body.extend_from_slice(chunk);
            } else {
                let room = MAX_TRANSCRIPT_BYTES - self.body.len();
                self.body.extend_from_slice(&chunk[..room.min(chunk.len())]);
                self.truncated = true;
            }
            return;
        }
        let (text, truncated) = (&mut self.text, &mut self.truncated);
        if self.lines.feed(chunk, |d| event(text, truncated, d)) {
            *truncated = true;
        }
    }

    /// The transcript of the call whose request body was `request`.
    pub fn finish(mut self, request: &[u8]) -> Transcript {
        if self.sse {
            let (text, truncated) = (&mut self.text, &mut self.truncated);
            self.lines.finish(|d| event(text, truncated, d));
        } else {
            // A whole answer: its text if it is an OpenAI answer, else the
            // body as it came (an error document, say).
            let parsed = serde_json::from_slice::<Value>(&self.body).ok();
            match parsed.as_ref().and_then(choice_text) {
                Some(t) => {
                    push_bounded(&mut self.text, t);
                }
                None => {
                    push_bounded(&mut self.text, &String::from_utf8_lossy(&self.body));
                }
            }
        }
        let (prompt, cut) = prompt_text(request);
        Transcript {
            prompt,
            completion: self.text,
            truncated: self.truncated || cut,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn streamed(chunks: &[&[u8]]) -> Transcript {
        let mut a = Assembler::new(true);
        for c in chunks {
            a.feed(c);
        }
        a.finish(b"{\"messages\":[]}")
    }

    #[test]
    fn a_stream_is_assembled_across_chunk_boundaries() {
        let t = streamed(&[
            b"data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n",
            b"data: {\"choices\":[{\"delta\":{\"content\":\"Hel",
            b"lo\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\", world\"}}]}\r\n\r\n",
            b"data: {\"choices\":[],\"usage\":{\"total_tokens\":3}}\n\ndata: [DONE]\n\n",
        ]);
        assert_eq!(t.completion, "Hello, world");
        assert_eq!(t.prompt, "{\"messages\":[]}");
        assert!(!t.truncated);
    }

    #[test]
    fn completions_streams_use_text() {
        let t = streamed(&[
            b"data: {\"choices\":[{\"text\":\"a\"}]}\n",
            b"data: {\"choices\":[{\"text\":\"b\"}]}",
        ]);
        assert_eq!(t.completion, "ab");
    }

    #[test]
    fn a_whole_answer_gives_its_message() {
        let mut a = Assembler::new(false);
        a.feed(b"{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"Hi");
        a.feed(b" there\"}}]}");
        let t = a.finish(b"p");
        assert_eq!(t.completion, "Hi there");
        let mut a = Assembler::new(false);
        a.feed(b"{\"error\":\"no\"}");
        assert_eq!(a.finish(b"p").completion, "{\"error\":\"no\"}");
    }

    #[test]
    fn long_sides_are_cut_and_marked() {
        let big = "x".repeat(MAX_TRANSCRIPT_BYTES + 10);
        let (p, cut) = prompt_text(big.as_bytes());
        assert!(cut && p.len() == MAX_TRANSCRIPT_BYTES);
        let mut a = Assembler::new(true);
        // 200 kB events (under the line bound), six of them: over 1 MiB.
        let event = format!(
            "data: {{\"choices\":[{{\"delta\":{{\"content\":\"{}\"}}}}]}}\n",
            "é".repeat(100_001)
        );
        for _ in 0..6 {
            a.feed(event.as_bytes());
        }
        let t = a.finish(b"");
        assert!(t.truncated);
        assert!(t.completion.len() <= MAX_TRANSCRIPT_BYTES);
        assert!(
            t.completion.len() > MAX_TRANSCRIPT_BYTES - 2,
            "cut at a character"
        );
        assert!(t.completion.chars().all(|c| c == 'é'));
    }
}
