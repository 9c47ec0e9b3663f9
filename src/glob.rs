//! Shell-style globs as trusted-repos settings use them: `*` matches any run of
//! characters (none included), `?` exactly one, every other byte itself.
//!
//! Each caller says which characters a `?` may stand for and whether letters
//! compare without case, so one matcher serves tags, host labels and image
//! references. Matching is linear in practice: on a mismatch only the last `*`
//! is widened, which is exact because `*` matches any run.

/// How a glob compares: which bytes `?` may match, and whether case matters.
#[derive(Debug, Clone, Copy)]
pub struct Glob {
    /// Bytes that `?` never matches (`.` `:` `/` inside a registry host).
    pub one_never: &'static [u8],
    /// Compare ASCII letters without case (host names).
    pub ignore_case: bool,
}

impl Glob {
    /// Case-sensitive, `?` matches any byte (tags, repository paths).
    pub const EXACT: Glob = Glob {
        one_never: b"",
        ignore_case: false,
    };

    /// True when `pattern` matches all of `text`.
    pub fn matches(self, pattern: &[u8], text: &[u8]) -> bool {
        let same = |p: u8, t: u8| {
            if p == b'?' {
                !self.one_never.contains(&t)
            } else if self.ignore_case {
                p.eq_ignore_ascii_case(&t)
            } else {
                p == t
            }
        };
        let (mut pi, mut ti) = (0, 0);
        // After the last `*`: the pattern index past it, and the text index it covers up to.
        let mut star: Option<(usize, usize)> = None;
        while ti < text.len() {
            match pattern.get(pi) {
                Some(b'*') => {
                    star = Some((pi + 1, ti));
                    pi += 1;
                }
                Some(&p) if same(p, text[ti]) => {
                    pi += 1;
                    ti += 1;
                }
                _ => match star {
                    Some((after_star, covered)) => {
                        pi = after_star;
                        ti = covered + 1;
                        star = Some((after_star, covered + 1));
                    }
                    None => return false,
                },
            }
        }
        pattern[pi..].iter().all(|&c| c == b'*')
    }
}

/// True when the text has a `*` or a `?`.
pub fn is_glob(text: &str) -> bool {
    text.bytes().any(|c| c == b'*' || c == b'?')
}

/// True for a glob made of wildcards only (`*`, `?*`): it names nothing.
pub fn is_all_wildcards(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|c| c == b'*' || c == b'?')
}

/// The least number of characters the glob matches (`*` counts none).
pub fn min_len(text: &str) -> usize {
    text.bytes().filter(|&c| c != b'*').count()
}

/// The first character of the glob that is neither a wildcard, an ASCII letter
/// or digit, nor one of `extra`: no text it should match may contain it.
pub fn bad_char(text: &str, extra: &[u8]) -> Option<char> {
    text.chars().find(|&c| {
        !(c == '*'
            || c == '?'
            || c.is_ascii_alphanumeric()
            || (c.is_ascii() && extra.contains(&(c as u8))))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const HOST: Glob = Glob {
        one_never: b".:/",
        ignore_case: true,
    };

    #[rstest]
    // `*` at each position.
    #[case::star_alone("*", "anything", true)]
    #[case::star_alone_empty("*", "", true)]
    #[case::star_start("*-rc1", "1.0-rc1", true)]
    #[case::star_middle("1.*-rc", "1.2.3-rc", true)]
    #[case::star_end("v1.*", "v1.27", true)]
    #[case::star_end_empty("v1.*", "v1.", true)]
    #[case::star_backtrack("a*bc", "abcbc", true)]
    #[case::two_stars("*-rc*", "1.0-rc2", true)]
    #[case::two_stars_no_rc("*-rc*", "1.0", false)]
    #[case::star_suffix_missing("*.io", "ghcr.com", false)]
    // `?` is exactly one character.
    #[case::one("v?.0", "v1.0", true)]
    #[case::one_not_two("v?.0", "v10.0", false)]
    #[case::one_not_none("v?.0", "v.0", false)]
    #[case::one_and_star("?*", "", false)]
    // No wildcard: whole text, same case.
    #[case::plain_same("latest", "latest", true)]
    #[case::plain_longer("latest", "latest2", false)]
    #[case::plain_case("latest", "LATEST", false)]
    // Empty pattern, empty text.
    #[case::both_empty("", "", true)]
    #[case::empty_pattern("", "a", false)]
    #[case::empty_text("a", "", false)]
    #[case::one_on_empty_text("?", "", false)]
    // Bytes, not characters: `é` is two bytes, so one `?` cannot stand for it
    // (the texts the policy matches are ASCII: the parser refuses others).
    #[case::one_not_a_two_byte_char("v?", "vé", false)]
    #[case::star_over_non_ascii("v*", "vé", true)]
    #[case::non_ascii_itself("é*", "é1", true)]
    fn exact(#[case] pattern: &str, #[case] text: &str, #[case] expected: bool) {
        assert_eq!(
            Glob::EXACT.matches(pattern.as_bytes(), text.as_bytes()),
            expected
        );
    }

    #[rstest]
    #[case::one_letter("registry-?", "registry-1", true)]
    #[case::one_never_dot("docker?io", "docker.io", false)]
    #[case::one_never_colon("localhost?5000", "localhost:5000", false)]
    #[case::one_never_slash("a?b", "a/b", false)]
    #[case::case_ignored("Registry-?", "REGISTRY-7", true)]
    // Only ASCII letters compare without case.
    #[case::non_ascii_case_kept("é", "É", false)]
    #[case::star_may_match_nothing("*.corp.example", ".corp.example", true)]
    fn host(#[case] pattern: &str, #[case] text: &str, #[case] expected: bool) {
        assert_eq!(HOST.matches(pattern.as_bytes(), text.as_bytes()), expected);
    }

    #[rstest]
    #[case::star("*", true)]
    #[case::both("?*", true)]
    #[case::letter("a*", false)]
    #[case::empty("", false)]
    fn all_wildcards(#[case] text: &str, #[case] expected: bool) {
        assert_eq!(is_all_wildcards(text), expected);
    }

    /// `?` counts one, `*` none.
    #[rstest]
    #[case::empty("", 0)]
    #[case::star("*", 0)]
    #[case::stars("***", 0)]
    #[case::one("?", 1)]
    #[case::plain("latest", 6)]
    #[case::mixed("v?.*-rc*", 6)]
    #[case::bytes_not_chars("é", 2)]
    fn least_length(#[case] text: &str, #[case] expected: usize) {
        assert_eq!(min_len(text), expected);
    }

    /// Each row: the glob, the extra characters allowed, the first bad one.
    #[rstest]
    #[case::empty("", b".-", None)]
    #[case::wildcards("*?", b"", None)]
    #[case::host("registry-?.corp.example", b".-", None)]
    #[case::underscore("registry_?.corp.example", b".-", Some('_'))]
    #[case::first_of_two("a_b c", b"", Some('_'))]
    #[case::not_in_extra("ghcr.io", b"-", Some('.'))]
    #[case::space("a b", b".-", Some(' '))]
    #[case::non_ascii_letter("é*", b".-", Some('é'))]
    #[case::cyrillic_o("d\u{43e}cker.io", b".-", Some('\u{43e}'))]
    #[case::upper_is_alphanumeric("GHCR.io", b".", None)]
    fn first_bad_char(#[case] text: &str, #[case] extra: &[u8], #[case] expected: Option<char>) {
        assert_eq!(bad_char(text, extra), expected);
    }
}
