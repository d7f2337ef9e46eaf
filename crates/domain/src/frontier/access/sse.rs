//! Server-sent events read as they pass through the broker: complete lines
//! are split out of the chunks as they come and each event's `data:`
//! payload is handed to the caller (the `[DONE]` marker skipped). At most
//! one partial line is kept, bounded by [`MAX_LINE`]; a longer line is
//! dropped, and the caller told. The one scanner behind both the usage
//! counts (`usage`) and the transcript's assembled text (`transcript`).

/// Longest SSE line buffered; longer lines are skipped (a usage event is a
/// few hundred bytes).
pub const MAX_LINE: usize = 256 * 1024;

/// The line being read across chunks.
#[derive(Debug, Default)]
pub struct SseLines {
    line: Vec<u8>,
    overlong: bool,
}

/// The data payload of one line, if it is a `data:` line other than
/// `[DONE]`.
fn payload(line: &[u8]) -> Option<&[u8]> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let data = line.strip_prefix(b"data:")?;
    let data = data.strip_prefix(b" ").unwrap_or(data);
    (data != b"[DONE]").then_some(data)
}

impl SseLines {
    /// Reads a chunk: `data` is called with the payload of each data line
    /// it completes. Returns whether a line was dropped as overlong.
    pub fn feed(&mut self, chunk: &[u8], mut data: impl FnMut(&[u8])) -> bool {
        let mut dropped = false;
        let mut rest = chunk;
        while let Some(i) = rest.iter().position(|&b| b == b'\n') {
            let (part, tail) = rest.split_at(i);
            rest = &tail[1..];
            if self.overlong || self.line.len() + part.len() > MAX_LINE {
                dropped = true;
            } else if self.line.is_empty() {
                if let Some(p) = payload(part) {
                    data(p);
                }
            } else {
                self.line.extend_from_slice(part);
                if let Some(p) = payload(&self.line) {
                    data(p);
                }
            }
            self.line.clear();
            self.overlong = false;
        }
        if !self.overlong {
            if self.line.len() + rest.len() <= MAX_LINE {
                self.line.extend_from_slice(rest);
            } else {
                self.line.clear();
                self.overlong = true;
            }
        }
        dropped
    }

    /// The last line when the stream ended without a newline.
    pub fn finish(&mut self, mut data: impl FnMut(&[u8])) {
        if !self.overlong
            && let Some(p) = payload(&self.line)
        {
            data(p);
        }
        self.line.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(chunks: &[&[u8]]) -> (Vec<String>, bool) {
        let mut s = SseLines::default();
        let mut out = Vec::new();
        let mut dropped = false;
        for c in chunks {
            dropped |= s.feed(c, |d| out.push(String::from_utf8_lossy(d).into_owned()));
        }
        s.finish(|d| out.push(String::from_utf8_lossy(d).into_owned()));
        (out, dropped)
    }

    #[test]
    fn lines_across_chunks_done_and_comments_skipped() {
        let (got, dropped) = events(&[
            b": comment\ndata: a",
            b"b\r\n\r\ndata:c\nevent: x\ndata: [DONE]\n",
            b"data: tail",
        ]);
        assert_eq!(got, ["ab", "c", "tail"]);
        assert!(!dropped);
    }

    #[test]
    fn overlong_lines_are_dropped_and_said() {
        let long = vec![b'x'; MAX_LINE + 1];
        let (got, dropped) = events(&[b"data: ", &long, b"\ndata: ok\n"]);
        assert_eq!((got, dropped), (vec!["ok".to_owned()], true));
        let exact = [b"data:".as_slice(), &vec![b'y'; MAX_LINE - 5][..]].concat();
        let (got, dropped) = events(&[&exact, b"\n"]);
        assert_eq!((got.len(), dropped), (1, false));
    }
}
