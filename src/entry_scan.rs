//! Settings lists kept as the raw JSON they arrived in, read by a byte scan.
//!
//! Settings arrive with every request, and a list of 1,000 registries would
//! otherwise be deserialized string by string (UTF-8 checked, collected) on
//! every call, although only the few entries naming the request's registries
//! matter. An [`EntryList`] borrows the list's bytes; [`EntryList::select`]
//! walks them once, finding each string's end eight bytes at a time, and hands
//! out only the entries a filter keeps. Anything but a plain array of strings
//! without escapes (a `\`, a control character, a number, a nested value) takes
//! the full read instead: the JSON reader reads the whole list, so escapes are
//! decoded and shape errors are named.

use std::cell::OnceCell;
use std::fmt;

use crate::bytes::{bytes_below, bytes_equal};
use crate::candidates::{Candidates, Shape};
use crate::json::Text;
use crate::json_reader::Reader;

/// A JSON list of strings, unread until asked for.
pub struct EntryList<'a> {
    raw: &'a [u8],
    /// The entries a first look kept while the list was read, if it had one.
    sifted: Option<Vec<(usize, &'a str)>>,
    /// The list as the JSON reader reads it, filled only when the scan gives up.
    decoded: OnceCell<Result<Vec<Text<'a>>, String>>,
}

impl fmt::Debug for EntryList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(self.raw))
    }
}

impl<'a> EntryList<'a> {
    /// The list whose JSON text is `raw` (not read yet).
    pub fn new(raw: &'a [u8]) -> Self {
        EntryList {
            raw,
            sifted: None,
            decoded: OnceCell::new(),
        }
    }

    /// Reads the list at the cursor. With a `first_look`, a plain list is
    /// sifted in the same pass: only the entries that may match its
    /// registries are kept, so a long list is read once.
    pub fn read(r: &mut Reader<'a>, first_look: Option<&Candidates<'_>>) -> Result<Self, String> {
        let Some(first_look) = first_look else {
            return r.raw().map(EntryList::new);
        };
        let mut kept = Vec::new();
        let (raw, scanned) = r.raw_by(|rest| {
            scan(rest, |i, entry, shape| {
                if first_look.may_match(entry, shape) {
                    kept.push((i, std::str::from_utf8(entry).ok()?));
                }
                Some(())
            })
        })?;
        let mut list = EntryList::new(raw);
        list.sifted = scanned.then_some(kept);
        Ok(list)
    }

    /// True for `[]`; anything else (even a value of the wrong type) counts as set.
    pub fn is_empty(&self) -> bool {
        let b = self.raw;
        let inner = skip_ws(b, 1);
        b.first() == Some(&b'[') && b.get(inner) == Some(&b']')
    }

    /// The entries `keep` selects, with their positions in the list.
    /// `keep(entry, shape)`: the entry's [`Shape`]. When
    /// `sifted_suffices`, `keep` would select just what the first look kept
    /// (the same filter), so that is the answer, without asking `keep` again.
    ///
    /// Fails only when the list is not a list of strings, in serde's words.
    pub fn select(
        &self,
        mut keep: impl FnMut(&[u8], Shape) -> bool,
        sifted_suffices: bool,
    ) -> Result<Vec<(usize, &str)>, String> {
        if let (Some(sifted), true) = (&self.sifted, sifted_suffices) {
            return Ok(sifted.clone());
        }
        let mut kept = Vec::new();
        // Only kept entries are checked for UTF-8: one that is not takes the full read.
        let scanned = scan(self.raw, |i, entry, shape| {
            if !keep(entry, shape) {
                return Some(());
            }
            kept.push((i, std::str::from_utf8(entry).ok()?));
            Some(())
        });
        if scanned == Some(self.raw.len()) {
            return Ok(kept);
        }
        kept.clear();
        let decoded = self.decoded.get_or_init(|| {
            let mut r = Reader::new(self.raw);
            let mut entries = Vec::new();
            let mut elements = r.array("a sequence")?;
            while elements.next(&mut r)? {
                entries.push(Text(r.string("a string")?));
            }
            r.end().map(|()| entries)
        });
        for (i, Text(entry)) in decoded.as_ref().map_err(Clone::clone)?.iter().enumerate() {
            if keep(entry.as_bytes(), Shape::of(entry.as_bytes())) {
                kept.push((i, &**entry));
            }
        }
        Ok(kept)
    }
}

/// Calls `each(index, string, shape)` for every string of the JSON
/// array of plain strings that `b` starts with, and returns the array's length.
/// Returns `None` (having perhaps called `each` for some strings) on anything
/// else, or when `each` does: the caller must read it otherwise.
fn scan<'r>(
    b: &'r [u8],
    mut each: impl FnMut(usize, &'r [u8], Shape) -> Option<()>,
) -> Option<usize> {
    if b.first() != Some(&b'[') {
        return None;
    }
    let mut i = skip_ws(b, 1);
    if b.get(i) == Some(&b']') {
        return Some(i + 1);
    }
    let mut n = 0;
    loop {
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let start = i + 1;
        let (len, shape) = plain_string_len(b.get(start..)?)?;
        each(n, b.get(start..start + len)?, shape)?;
        n += 1;
        i = start + len + 1;
        // Compact JSON: the next entry's quote right after the comma.
        if b.get(i) == Some(&b',') && b.get(i + 1) == Some(&b'"') {
            i += 1;
            continue;
        }
        i = skip_ws(b, i);
        match b.get(i) {
            Some(b',') => i = skip_ws(b, i + 1),
            Some(b']') => return Some(i + 1),
            _ => return None,
        }
    }
}

/// JSON's four whitespace bytes, skipped from `i`.
fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\n' | b'\r' | b'\t')) {
        i += 1;
    }
    i
}

/// The length of the string that starts at `b[0]` (just after its opening
/// quote), and its [`Shape`]; `None` when it holds an escape or a control
/// character, or has no closing quote.
#[inline]
fn plain_string_len(b: &[u8]) -> Option<(usize, Shape)> {
    let mut shape = Shape::default();
    let mut i = 0;
    if b.first() == Some(&b'*') {
        // A wildcard: the steps start after its `*` (no inner glob) and also
        // stop where its host ends, so the first look need not read it again.
        i = 1;
        let host_ends = |x: u64| special(x) | bytes_equal(x, b'/') | bytes_equal(x, b':');
        loop {
            let at = next_stop(b, i, host_ends);
            match *b.get(at)? {
                b'"' => {
                    shape.host_end = at;
                    return Some((at, shape));
                }
                b'/' | b':' => {
                    shape.host_end = at;
                    i = at;
                    break;
                }
                b'\\' | 0..=0x1f => return None,
                b'*' | b'?' => shape.inner_glob = true,
                _ => {}
            }
            i = at + 1;
        }
    }
    loop {
        let at = next_stop(b, i, special);
        match *b.get(at)? {
            b'"' => return Some((at, shape)),
            b'\\' | 0..=0x1f => return None,
            b'*' | b'?' => shape.inner_glob = true,
            _ => {}
        }
        i = at + 1;
    }
}

/// Flags the bytes a string scan stops at: those below `-` (control
/// characters, the quote, `*` and a few others), `?` and the backslash. Host
/// names and paths are letters, digits and `-.:/`. The lowest flagged byte is
/// exact (false flags only appear above a true one).
#[inline(always)]
fn special(x: u64) -> u64 {
    bytes_below(x, b'-') | bytes_equal(x, b'?') | bytes_equal(x, b'\\')
}

/// The first byte from `i` on that `stops` flags, sixteen or eight bytes a
/// step; near the end of `b`, `i` itself (the caller looks at that byte).
#[inline(always)]
fn next_stop(b: &[u8], mut i: usize, stops: impl Fn(u64) -> u64) -> usize {
    loop {
        if let Some(Ok(words)) = b.get(i..i + 16).map(<[u8; 16]>::try_from) {
            // Sixteen bytes a step: one branch for most entries' hosts.
            let (lo, hi) = words.split_at(8);
            let lo = stops(u64::from_le_bytes(lo.try_into().unwrap_or_default()));
            let hi = stops(u64::from_le_bytes(hi.try_into().unwrap_or_default()));
            if lo | hi == 0 {
                i += 16;
                continue;
            }
            return match lo {
                0 => i + 8 + (hi.trailing_zeros() / 8) as usize,
                _ => i + (lo.trailing_zeros() / 8) as usize,
            };
        }
        if let Some(Ok(word)) = b.get(i..i + 8).map(<[u8; 8]>::try_from) {
            let x = stops(u64::from_le_bytes(word));
            if x == 0 {
                i += 8;
                continue;
            }
            return i + (x.trailing_zeros() / 8) as usize;
        }
        return i;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn list(json: &str) -> EntryList<'_> {
        EntryList::new(json.as_bytes())
    }

    /// Every entry the scan hands out, with its inner-glob flag; `None` when
    /// it gives up. The shape it found is the one the entry's bytes give.
    fn scanned(json: &str) -> Option<Vec<(usize, String, bool)>> {
        let mut out = Vec::new();
        let read = scan(json.as_bytes(), |i, s, shape| {
            assert_eq!(shape, Shape::of(s), "{}", String::from_utf8_lossy(s));
            out.push((i, String::from_utf8_lossy(s).into_owned(), shape.inner_glob));
            Some(())
        })?;
        if read != json.len() {
            return None;
        }
        Some(out)
    }

    #[rstest]
    #[case::empty("[]", Some(vec![]))]
    #[case::empty_spaced("[ \n ]", Some(vec![]))]
    #[case::one(r#"["ghcr.io"]"#, Some(vec![(0, "ghcr.io".into(), false)]))]
    #[case::spaced(r#"[ "a" ,	"b"
    ]"#, Some(vec![(0, "a".into(), false), (1, "b".into(), false)]))]
    #[case::empty_string(r#"["", "x"]"#, Some(vec![(0, "".into(), false), (1, "x".into(), false)]))]
    #[case::long(r#"["registry-0001.team1.corp.example:5000/team-001/apps"]"#, Some(vec![(0, "registry-0001.team1.corp.example:5000/team-001/apps".into(), false)]))]
    #[case::glob_early(r#"["registry-?.corp.example.long.enough"]"#, Some(vec![(0, "registry-?.corp.example.long.enough".into(), true)]))]
    #[case::glob_late(r#"["registry.corp.example.long.enough.x*"]"#, Some(vec![(0, "registry.corp.example.long.enough.x*".into(), true)]))]
    #[case::glob_in_tail(r#"["a*"]"#, Some(vec![(0, "a*".into(), true)]))]
    #[case::non_ascii(r#"["ghcr.io/é-team-long-enough", "x"]"#, Some(vec![(0, "ghcr.io/é-team-long-enough".into(), false), (1, "x".into(), false)]))]
    // Escapes, other types and broken text: the scan gives up.
    #[case::escape(r#"["ghcr.io\/acme"]"#, None)]
    #[case::escape_late(r#"["a", "registry.corp.example\u002fteam"]"#, None)]
    #[case::number("[5]", None)]
    #[case::nested(r#"[["a"]]"#, None)]
    #[case::null_item(r#"["a", null]"#, None)]
    #[case::string("\"ghcr.io\"", None)]
    #[case::object(r#"{"a": 1}"#, None)]
    #[case::trailing_comma(r#"["a",]"#, None)]
    #[case::control_char("[\"a\tb\"]", None)]
    #[case::other_low_bytes(r#"["registry.corp.example, a (b) + c!", "ok"]"#, Some(vec![(0, "registry.corp.example, a (b) + c!".into(), false), (1, "ok".into(), false)]))]
    #[case::control_char_late("[\"registry.corp.example/team\u{1}x\"]", None)]
    #[case::escape_in_second_chunk(r#"["registry.\u002ecorp"]"#, None)]
    #[case::quote_on_chunk_edge(r#"["1234567", "12345678", "123456789"]"#, Some(vec![(0, "1234567".into(), false), (1, "12345678".into(), false), (2, "123456789".into(), false)]))]
    // Sixteen bytes a step: what is found in the step's second word.
    #[case::quote_on_step_edges(r#"["123456789012345", "1234567890123456", "12345678901234567"]"#, Some(vec![(0, "123456789012345".into(), false), (1, "1234567890123456".into(), false), (2, "12345678901234567".into(), false)]))]
    #[case::glob_in_second_word(r#"["registry-*.corp.example"]"#, Some(vec![(0, "registry-*.corp.example".into(), true)]))]
    #[case::question_in_second_word(r#"["registry.corp?.example"]"#, Some(vec![(0, "registry.corp?.example".into(), true)]))]
    #[case::escape_in_second_word(r#"["registry.c\u006frp.example"]"#, None)]
    #[case::control_in_second_word("[\"registry.co\u{1f}rp.example\"]", None)]
    // A leading `*` is taken before the steps, and is no inner glob.
    #[case::wildcard(r#"["*.mirror-17.corp.example", "x"]"#, Some(vec![(0, "*.mirror-17.corp.example".into(), false), (1, "x".into(), false)]))]
    #[case::wildcard_then_glob(r#"["*.registry-?.corp.example"]"#, Some(vec![(0, "*.registry-?.corp.example".into(), true)]))]
    #[case::wildcard_then_star(r#"["*.a*"]"#, Some(vec![(0, "*.a*".into(), true)]))]
    // A wildcard's scan also finds where its host ends (checked in `scanned`).
    #[case::wildcard_port(r#"["*.corp.example:5000"]"#, Some(vec![(0, "*.corp.example:5000".into(), false)]))]
    #[case::wildcard_long_path(r#"["*.mirror-17.corp.example.long/team/apps"]"#, Some(vec![(0, "*.mirror-17.corp.example.long/team/apps".into(), false)]))]
    #[case::wildcard_end_last_in_step(r#"["*.234567890123/x"]"#, Some(vec![(0, "*.234567890123/x".into(), false)]))]
    #[case::wildcard_end_after_step(r#"["*.2345678901234:1"]"#, Some(vec![(0, "*.2345678901234:1".into(), false)]))]
    #[case::wildcard_glob_in_path(r#"["*.corp.example/te*am"]"#, Some(vec![(0, "*.corp.example/te*am".into(), true)]))]
    #[case::wildcard_escape_in_path(r#"["*.corp.example/\u0061"]"#, None)]
    #[case::wildcard_escape_in_host(r#"["*.corp\u002eexample/a"]"#, None)]
    #[case::star_alone(r#"["*", "x"]"#, Some(vec![(0, "*".into(), false), (1, "x".into(), false)]))]
    #[case::star_then_quote_on_step_edge(r#"["*234567890123456"]"#, Some(vec![(0, "*234567890123456".into(), false)]))]
    #[case::star_then_escape(r#"["*\u002ex"]"#, None)]
    #[case::star_then_control("[\"*\u{1}.corp.example\"]", None)]
    #[case::star_unclosed(r#"["*"#, None)]
    #[case::unclosed(r#"["abc"#, None)]
    #[case::unclosed_long(r#"["abcdefghijklmnopqrstuvwxyz"#, None)]
    fn scans(#[case] json: &str, #[case] expected: Option<Vec<(usize, String, bool)>>) {
        assert_eq!(scanned(json), expected);
    }

    /// The scan and the full read give the entries serde_json reads, and both select alike.
    #[rstest]
    #[case::plain(r#"["docker.io/library", "ghcr.io/acme", "registry.corp.example"]"#, &["docker.io/library", "ghcr.io/acme", "registry.corp.example"])]
    #[case::escaped_slash(r#"["docker.io", "ghcr.io\/acme"]"#, &["docker.io", "ghcr.io/acme"])]
    #[case::escaped_unicode(r#"["ghcr\u002eio", "quay.io"]"#, &["ghcr.io", "quay.io"])]
    #[case::escaped_glob(r#"["registry-\u003f.corp.example"]"#, &["registry-?.corp.example"])]
    #[case::escaped_wildcard_then_glob(r#"["*.registry-\u003f.corp.example"]"#, &["*.registry-?.corp.example"])]
    #[case::globs(r#"["registry-?.corp.example", "*.mirror.corp.example", "[fd00::1]:5000"]"#, &["registry-?.corp.example", "*.mirror.corp.example", "[fd00::1]:5000"])]
    fn selects_all(#[case] json: &str, #[case] expected: &[&str]) {
        let l = list(json);
        let all: Vec<&str> = l
            .select(|_, _| true, false)
            .expect("list")
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        assert_eq!(all, expected);
        let serde: Vec<String> = serde_json::from_str(json).expect("json");
        assert_eq!(all, serde);
        // Either path gives each entry the shape its bytes give.
        l.select(
            |s, shape| {
                assert_eq!(shape, Shape::of(s), "{s:?}");
                false
            },
            false,
        )
        .expect("list");
    }

    #[rstest]
    #[case::keeps_positions(r#"["a.example", "b.example", "a.example/x"]"#, &[(0, "a.example"), (2, "a.example/x")])]
    #[case::positions_after_fallback(r#"["b.example", "a.example\/x", "a.example"]"#, &[(1, "a.example/x"), (2, "a.example")])]
    fn selects_some(#[case] json: &str, #[case] expected: &[(usize, &str)]) {
        let l = list(json);
        let kept = l.select(|s, _| s.starts_with(b"a."), false).expect("list");
        assert_eq!(kept, expected);
    }

    #[rstest]
    #[case::string("\"ghcr.io\"", "invalid type: string \"ghcr.io\", expected a sequence")]
    #[case::number("[5]", "invalid type: integer `5`, expected a string")]
    #[case::nested(r#"["a", ["b"]]"#, "invalid type: sequence, expected a string")]
    #[case::object(r#"{"allow": []}"#, "invalid type: map, expected a sequence")]
    fn refuses_other_shapes(#[case] json: &str, #[case] message: &str) {
        assert_eq!(
            list(json).select(|_, _| true, false),
            Err(message.to_owned())
        );
    }

    #[rstest]
    #[case::empty("[]", true)]
    #[case::empty_spaced("[ ]", true)]
    #[case::one(r#"["a"]"#, false)]
    #[case::wrong_type("\"a\"", false)]
    fn empties(#[case] json: &str, #[case] expected: bool) {
        assert_eq!(list(json).is_empty(), expected);
    }
}
