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
