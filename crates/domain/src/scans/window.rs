//! Time windows as half-open intervals `[start, end)` of Unix seconds:
//! a window is at least one second long, two windows intersect when they
//! share a second, and a grant's window covers a campaign's only when it
//! holds all of it.

use super::ScanError;

/// `[start, end)` in Unix seconds, `start < end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: i64,
    pub end: i64,
}

impl Window {
    /// A window; an inverted or zero-length one is refused naming `field`.
    pub fn new(field: &str, start: i64, end: i64) -> Result<Window, ScanError> {
        if end <= start {
            return Err(ScanError::new(
                field,
                if end == start {
                    "the window is empty: the end must be after the start".to_owned()
                } else {
                    "the window is inverted: the end is before the start".to_owned()
                },
            ));
        }
        Ok(Window { start, end })
    }

    /// Whether the two windows share a moment.
    pub fn intersects(&self, other: &Window) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// The shared part, if any.
    pub fn intersection(&self, other: &Window) -> Option<Window> {
        let start = self.start.max(other.start);
        let end = self.end.min(other.end);
        (start < end).then_some(Window { start, end })
    }

    /// Whether this window holds every moment of `inner`.
    pub fn covers(&self, inner: &Window) -> bool {
        self.start <= inner.start && inner.end <= self.end
    }

    /// Whether the moment `t` is in the window.
    pub fn contains(&self, t: i64) -> bool {
        self.start <= t && t < self.end
    }
}
