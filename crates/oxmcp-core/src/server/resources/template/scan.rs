//! The matcher's only view of the URI. Each method hands at most the bytes it names to a
//! linear-time `std` routine (`starts_with`, `ends_with`, two-way `find`, slicing), and in tests
//! adds those bytes, at least one per call, to a work counter. A matcher that retried split
//! points would scan the same bytes again through these methods, so its count would grow faster
//! than the URI: the tests bound the count instead of timing the match, and stop a match that
//! exceeds the bound rather than wait for it.

/// A URI being matched, with the bytes looked at so far (counted in tests only).
pub(super) struct Scan<'a> {
    uri: &'a str,
    #[cfg(test)]
    work: usize,
    #[cfg(test)]
    budget: usize,
}

impl<'a> Scan<'a> {
    /// A scan of `uri`, not counted outside tests.
    pub(super) fn new(uri: &'a str) -> Self {
        Self {
            uri,
            #[cfg(test)]
            work: 0,
            #[cfg(test)]
            budget: usize::MAX,
        }
    }

    /// A scan that panics once more than `budget` bytes have been looked at.
    #[cfg(test)]
    pub(super) fn with_budget(uri: &'a str, budget: usize) -> Self {
        Self {
            uri,
            work: 0,
            budget,
        }
    }

    /// Counts `bytes` (at least one: every call is a step).
    fn charge(&mut self, bytes: usize) {
        #[cfg(test)]
        {
            self.work += bytes.max(1);
            assert!(
                self.work <= self.budget,
                "the matcher looked at more than {} bytes of a {}-byte URI",
                self.budget,
                self.uri.len()
            );
        }
        #[cfg(not(test))]
        let _ = bytes;
    }

    /// Bytes looked at so far.
    #[cfg(test)]
    pub(super) fn work(&self) -> usize {
        self.work
    }

    /// The URI's length.
    pub(super) fn len(&self) -> usize {
        self.uri.len()
    }

    /// The text from `pos` to `end`, which the caller then reads once.
    pub(super) fn slice(&mut self, pos: usize, end: usize) -> &'a str {
        self.charge(end - pos);
        &self.uri[pos..end]
    }

    /// Whether the URI has `literal` at `pos`.
    pub(super) fn has_at(&mut self, pos: usize, literal: &str) -> bool {
        self.charge(literal.len());
        self.uri[pos..].starts_with(literal)
    }

    /// Whether the URI from `pos` on is exactly `literal`.
    pub(super) fn is_rest(&mut self, pos: usize, literal: &str) -> bool {
        self.charge(literal.len());
        &self.uri[pos..] == literal
    }

    /// Where `literal` starts if the URI from `pos` on ends with it.
    pub(super) fn suffix_from(&mut self, pos: usize, literal: &str) -> Option<usize> {
        self.charge(literal.len());
        self.uri[pos..]
            .ends_with(literal)
            .then(|| self.uri.len() - literal.len())
    }

    /// The length of the character at `pos` (0 at the end).
    pub(super) fn char_len_at(&mut self, pos: usize) -> usize {
        self.charge(1);
        self.uri[pos..].chars().next().map_or(0, char::len_utf8)
    }

    /// Where `needle` first occurs at or after `pos`. Counts the bytes up to the end of the
    /// occurrence, or to the end of the URI when there is none.
    pub(super) fn find_from(&mut self, pos: usize, needle: &str) -> Option<usize> {
        let found = self.uri[pos..].find(needle).map(|at| pos + at);
        let scanned = found.map_or(self.uri.len(), |at| at + needle.len()) - pos;
        self.charge(scanned);
        found
    }
}
