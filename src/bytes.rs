//! Byte-string helpers that work a word at a time.
//!
//! Byte loops cost more in the policy's engine than they look: wasmtime,
//! configured as policy-server configures it (epoch deadlines), checks the
//! deadline at every turn of a loop, and `memcmp` is itself a byte loop in
//! wasm. Keys, host names and paths are short, so comparing them a word at a
//! time takes one or two turns, or none.

/// A one in every byte.
pub const ONES: u64 = 0x0101_0101_0101_0101;
/// The high bit of every byte.
pub const HIGHS: u64 = 0x8080_8080_8080_8080;
/// The bit that tells an ASCII letter's cases apart, in every byte.
const CASE: u64 = 0x2020_2020_2020_2020;

/// A nonzero high bit in every byte of `x` equal to `c`, and maybe above one that is.
#[inline]
pub fn bytes_equal(x: u64, c: u8) -> u64 {
    bytes_below(x ^ (ONES * u64::from(c)), 1)
}

/// A nonzero high bit in every byte of `x` below `n` (at most 0x80), and maybe above one that is.
#[inline]
pub fn bytes_below(x: u64, n: u8) -> u64 {
    x.wrapping_sub(ONES * u64::from(n)) & !x & HIGHS
}

/// True when `a` and `b` are the same bytes.
#[inline]
pub fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && same_words(a, b, 0)
}

/// True when `a` and `b` are the same bytes but for the case of ASCII letters.
#[inline]
pub fn same_ignoring_case(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && same_words(a, b, CASE)
}

/// True when `prefix` is `path` or its first `/`-separated components
/// (`a/b` of `a/b/c`, not of `a/bc`), compared a word at a time.
#[inline]
pub fn is_path_prefix(prefix: &[u8], path: &[u8]) -> bool {
    path.get(..prefix.len())
        .is_some_and(|start| same(start, prefix))
        && matches!(path.get(prefix.len()), None | Some(b'/'))
}

/// Where the first `c` in `b` is, found a word at a time (`memchr` sets
/// up for long texts; image strings and entries are short).
#[inline]
pub fn find(b: &[u8], c: u8) -> Option<usize> {
    let first = |i: usize, x: u64| i + (x.trailing_zeros() / 8) as usize;
    let mut i = 0;
    while let Some(w) = b.get(i..i + 8) {
        // The lowest flagged byte is exact (false flags only appear above a true one).
        let x = bytes_equal(word(w), c);
        if x != 0 {
            return Some(first(i, x));
        }
        i += 8;
    }
    if b.len() >= 8 {
        // The last eight bytes, overlapping: those before `i` hold no `c`,
        // so they hold no flag either.
        let at = b.len() - 8;
        let x = bytes_equal(word_at(b, at, 8), c);
        return (x != 0).then(|| first(at, x));
    }
    b.iter().position(|&x| x == c)
}

/// `s` split around its first `sep` (ASCII), as `str::split_once` splits it.
#[inline]
pub fn split_once(s: &str, sep: u8) -> Option<(&str, &str)> {
    let i = find(s.as_bytes(), sep)?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

/// A hash of `b`, read in words as [`same`] reads it: the same bytes give
/// the same hash. Up to eight bytes, two different strings of one length
/// never share one (each step multiplies by an odd number, which loses nothing).
#[inline(always)]
pub fn hash(b: &[u8]) -> u64 {
    let n = b.len();
    let h = hash_step(0, n as u64);
    // Up to sixteen bytes without a loop (a turn costs an epoch check in
    // wasm); the answers are those of the loop below.
    if n == 8 {
        return hash_step(h, word_at(b, 0, 8));
    }
    if n > 8 && n <= 16 {
        return hash_step(hash_step(h, word_at(b, 0, 8)), word_at(b, n - 8, 8));
    }
    if n > 16 {
        let mut h = h;
        let mut i = 0;
        while i + 8 < n {
            h = hash_step(h, word_at(b, i, 8));
            i += 8;
        }
        return hash_step(h, word_at(b, n - 8, 8));
    }
    // Below eight bytes, the first and the last half-words (overlapping), as one word.
    let w = match n {
        4.. => word_at(b, 0, 4) | word_at(b, n - 4, 4) << 32,
        2.. => word_at(b, 0, 2) | word_at(b, n - 2, 2) << 16,
        _ => word_at(b, 0, n),
    };
    hash_step(h, w)
}

/// One step of [`hash`]: `w` mixed into `h`. (A function, not a closure: a
/// closure over `b` would keep the slice in the shadow stack in wasm.)
#[inline(always)]
fn hash_step(h: u64, w: u64) -> u64 {
    // Fibonacci hashing's constant: the high bits depend on every bit.
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    (h ^ w).wrapping_mul(K)
}

/// The `len` bytes of `b` from `i` as a little-endian word (`len` is 8, 4,
/// 2, 1 or 0); 0 past the end.
#[inline(always)]
fn word_at(b: &[u8], i: usize, len: usize) -> u64 {
    b.get(i..i + len).map_or(0, word)
}

/// `a` and `b`, of one length, compared in words: eight bytes at a time and
/// then the last eight (overlapping), or, below eight bytes, the first and
/// the last four, two or one. Bits of `fold` may differ where both bytes are
/// letters.
#[inline(always)]
fn same_words(a: &[u8], b: &[u8], fold: u64) -> bool {
    let n = a.len();
    if n >= 8 {
        let mut i = 0;
        while i + 8 < n {
            if !same_at::<8>(a, b, i, fold) {
                return false;
            }
            i += 8;
        }
        return same_at::<8>(a, b, n - 8, fold);
    }
    if n >= 4 {
        return same_at::<4>(a, b, 0, fold) && same_at::<4>(a, b, n - 4, fold);
    }
    if n >= 2 {
        return same_at::<2>(a, b, 0, fold) && same_at::<2>(a, b, n - 2, fold);
    }
    n == 0 || same_at::<1>(a, b, 0, fold)
}

/// The `N` bytes (1, 2, 4 or 8) from `i` of `a` and `b` compared as one word.
#[inline(always)]
fn same_at<const N: usize>(a: &[u8], b: &[u8], i: usize, fold: u64) -> bool {
    let (Some(x), Some(y)) = (a.get(i..i + N), b.get(i..i + N)) else {
        return false;
    };
    let differ = word(x) ^ word(y);
    // Bits that differ outside `fold`, or in bytes that are not letters.
    differ == 0 || (differ & !fold == 0 && x.eq_ignore_ascii_case(y))
}

/// Up to eight bytes as a little-endian number.
#[inline(always)]
fn word(b: &[u8]) -> u64 {
    match b.len() {
        8 => <[u8; 8]>::try_from(b).map_or(0, u64::from_le_bytes),
        4 => <[u8; 4]>::try_from(b).map_or(0, |w| u64::from(u32::from_le_bytes(w))),
        2 => <[u8; 2]>::try_from(b).map_or(0, |w| u64::from(u16::from_le_bytes(w))),
        _ => b.first().copied().map_or(0, u64::from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::same_host(b"registry.corp.example", b"registry.corp.example", true, true)]
    #[case::case_in_first_word(b"REGISTRY.corp.example", b"registry.corp.example", false, true)]
    #[case::case_in_last_word(b"registry.corp.EXAMPLE", b"registry.corp.example", false, true)]
    #[case::differ_in_last_byte(b"registry.corp.examplf", b"registry.corp.example", false, false)]
    #[case::differ_in_first_byte(b"xegistry.corp.example", b"registry.corp.example", false, false)]
    #[case::differ_in_middle(b"registry.corq.example", b"registry.corp.example", false, false)]
    // 0x40 and 0x60 differ in the case bit only, but are not letters.
    #[case::case_bit_not_letters(b"registry@corp.example", b"registry`corp.example", false, false)]
    #[case::case_bit_not_letters_short(b"ab@", b"ab`", false, false)]
    #[case::key(b"image", b"image", true, true)]
    #[case::key_differs(b"images", b"imagez", false, false)]
    #[case::four(b"name", b"NAME", false, true)]
    #[case::three(b"abc", b"abd", false, false)]
    #[case::two(b"io", b"IO", false, true)]
    #[case::one(b"a", b"b", false, false)]
    #[case::one_case(b"a", b"A", false, true)]
    #[case::lengths(b"ghcr.io", b"ghcr.io.", false, false)]
    #[case::empty(b"", b"", true, true)]
    #[case::non_ascii("ä".as_bytes(), "Ä".as_bytes(), false, false)]
    fn compares(
        #[case] a: &[u8],
        #[case] b: &[u8],
        #[case] exact: bool,
        #[case] ignoring_case: bool,
    ) {
        assert_eq!(same(a, b), exact);
        assert_eq!(same_ignoring_case(a, b), ignoring_case);
    }

    #[rstest]
    #[case::same(b"team-1", b"team-1", true)]
    #[case::first_component(b"team-1", b"team-1/app", true)]
    #[case::two_components(b"team-1/backend", b"team-1/backend/api", true)]
    #[case::lookalike(b"team-1", b"team-10/app", false)]
    #[case::shorter_path(b"team-1/app", b"team-1", false)]
    #[case::cut_component(b"team-1/back", b"team-1/backend/api", false)]
    #[case::other(b"team-2", b"team-1/app", false)]
    #[case::case_counts(b"Team-1", b"team-1/app", false)]
    #[case::empty_prefix(b"", b"team-1", false)]
    #[case::both_empty(b"", b"", true)]
    fn path_prefixes(#[case] prefix: &[u8], #[case] path: &[u8], #[case] expected: bool) {
        assert_eq!(is_path_prefix(prefix, path), expected);
    }

    /// The first `c` wherever it is: in a word, in the overlapping last
    /// word, in a text under eight bytes, twice, or nowhere; `str`'s
    /// `find` and `split_once` are the oracle.
    #[rstest]
    #[case::empty("", b'/')]
    #[case::short_absent("nginx", b'/')]
    #[case::short_first("/x", b'/')]
    #[case::short_last("a/", b'/')]
    #[case::seven("ghcr.io", b'.')]
    #[case::eight_last("abcdefg/", b'/')]
    #[case::first_word("ghcr.io/acme/app:1", b'/')]
    #[case::second_word("registry.corp.example/team-1", b'/')]
    #[case::in_the_tail("registry.corp.example:5000", b':')]
    #[case::tail_only_overlap("abcdefghij:", b':')]
    #[case::twice_in_a_word("a@b@c", b'@')]
    #[case::twice_across_words("registry.corp.example@sha256:ab@", b'@')]
    #[case::absent_long("registry.corp.example/team-1/app", b'@')]
    #[case::high_bytes("\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}:x", b':')]
    #[case::byte_above_the_one_sought("aaaaaaa;:aaaaa", b':')]
    fn finds_like_str(#[case] text: &str, #[case] c: u8) {
        assert_eq!(find(text.as_bytes(), c), text.find(char::from(c)));
        assert_eq!(split_once(text, c), text.split_once(char::from(c)));
    }

    /// Every length up to 40, with the byte sought at each position (and
    /// again later), or absent.
    #[test]
    fn finds_at_every_position() {
        for n in 0..40 {
            let text = vec![b'a'; n];
            assert_eq!(find(&text, b'/'), None);
            for at in 0..n {
                let mut t = text.clone();
                t[at] = b'/';
                if let Some(later) = t.get_mut(at + 3) {
                    *later = b'/';
                }
                assert_eq!(find(&t, b'/'), Some(at), "{n} {at}");
            }
        }
    }

    /// The same bytes hash alike; lookalikes (of one length or not) do not.
    #[rstest]
    #[case::same(b"team-123", b"team-123", true)]
    #[case::same_long(b"team-123/backend/svc", b"team-123/backend/svc", true)]
    #[case::empty(b"", b"", true)]
    #[case::other_team(b"team-123", b"team-124", false)]
    #[case::longer_lookalike(b"team-1", b"team-10", false)]
    #[case::trailing_slash(b"team-1", b"team-1/", false)]
    #[case::zero_byte_added(b"team-1", b"team-1\0", false)]
    #[case::one_and_empty(b"\0", b"", false)]
    #[case::case_counts(b"Team-1", b"team-1", false)]
    #[case::nine(b"team-1000", b"team-1001", false)]
    #[case::sixteen(b"team-1000/api-v1", b"team-1000/api-v2", false)]
    #[case::sixteen_first_byte(b"team-1000/api-v1", b"Team-1000/api-v1", false)]
    #[case::seventeen(b"team-1000/api-v12", b"team-1000/api-v13", false)]
    #[case::seventeen_middle(b"team-1000/api-v12", b"team-1000/apI-v12", false)]
    #[case::middle_of_long(b"team-123/backend/svc", b"team-123/backenD/svc", false)]
    fn hashes(#[case] a: &[u8], #[case] b: &[u8], #[case] same: bool) {
        assert_eq!(hash(a) == hash(b), same);
    }

    /// Up to eight bytes, no two strings of one length share a hash: every
    /// byte changed, at every position, to every other value.
    #[test]
    fn short_hashes_never_collide() {
        let text = b"team-1/x";
        for n in 0..=text.len() {
            let a = &text[..n];
            for at in 0..n {
                for c in 0..=255u8 {
                    let mut b = a.to_vec();
                    b[at] = c;
                    assert_eq!(hash(a) == hash(&b), a == b.as_slice(), "{a:?} {b:?}");
                }
            }
        }
    }

    /// Every length from 0 to 40, with one byte changed at each position
    /// (to another letter, to the other case, to a byte one case bit away):
    /// the same answers as `==` and `eq_ignore_ascii_case`.
    #[test]
    fn agrees_with_std() {
        let text = b"registry-0001.team1.corp.example/apps/x";
        for n in 0..text.len() {
            let a = &text[..n];
            assert!(same(a, a) && same_ignoring_case(a, a));
            for at in 0..n {
                for change in [b'q', a[at] ^ 0x20, a[at] ^ 0x01, b'@', b'`'] {
                    let mut b = a.to_vec();
                    b[at] = change;
                    assert_eq!(same(a, &b), a == b.as_slice(), "{a:?} {b:?}");
                    assert_eq!(
                        same_ignoring_case(a, &b),
                        a.eq_ignore_ascii_case(&b),
                        "{a:?} {b:?}"
                    );
                }
            }
        }
    }
}
