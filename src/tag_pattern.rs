//! `tags.reject` entries: a tag (`latest`), or a glob over the tag (`*-rc*`,
//! `v?.0`), matched case-sensitively against the whole tag that is pulled.
//!
//! What is pulled decides: no tag and no digest pulls `latest`; an image pinned
//! by digest pulls no tag at all, so no tag entry can refuse it.

use crate::glob::{self, Glob};
use crate::reference::grammar;

/// A checked `tags.reject` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TagPattern<'a>(&'a str);

impl<'a> TagPattern<'a> {
    /// The entry as written.
    pub fn text(&self) -> &'a str {
        self.0
    }

    /// True when this entry matches every tag that `other` matches: `other`
    /// is a tag it matches, or the two are the same glob.
    pub fn covers(&self, other: &TagPattern<'_>) -> bool {
        self.0 == other.0 || (!glob::is_glob(other.0) && self.matches(other.0))
    }

    /// Parses an entry, refusing one that no valid tag could ever match.
    pub fn parse(entry: &'a str) -> Result<Self, String> {
        if entry.is_empty() {
            return Err("empty entry".into());
        }
        if !glob::is_glob(entry) {
            return if grammar::is_tag(entry) {
                Ok(TagPattern(entry))
            } else {
                Err(format!("not a valid tag ({TAG_RULE})"))
            };
        }
        if let Some(c) = glob::bad_char(entry, b"_.-") {
            return Err(format!(
                "{c:?} never appears in a tag ({TAG_RULE}), so this glob matches nothing"
            ));
        }
        if matches!(entry.as_bytes().first(), Some(b'.' | b'-')) {
            return Err(format!(
                "a tag never starts with {:?} ({TAG_RULE}), so this glob matches nothing",
                &entry[..1]
            ));
        }
        if glob::min_len(entry) > grammar::TAG_MAX {
            return Err(format!(
                "this glob matches only tags longer than {} characters, which do not exist",
                grammar::TAG_MAX
            ));
        }
        Ok(TagPattern(entry))
    }

    /// True when the entry covers the tag.
    pub fn matches(&self, tag: &str) -> bool {
        Glob::EXACT.matches(self.0.as_bytes(), tag.as_bytes())
    }
}

/// The tag grammar, for messages.
const TAG_RULE: &str = "[A-Za-z0-9_][A-Za-z0-9_.-], at most 128 characters";

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    // Plain tags: the whole tag, case-sensitive.
    #[case::plain("latest", "latest", true)]
    #[case::plain_case("latest", "Latest", false)]
    #[case::plain_prefix("1.0", "1.0.1", false)]
    // trusted-repos' own examples.
    #[case::rc_glob("*-rc*", "1.27.0-rc1", true)]
    #[case::rc_glob_release("*-rc*", "1.27.0", false)]
    #[case::rc_glob_not_word("*-rc*", "1.27.0-src", false)]
    #[case::snapshot("*-SNAPSHOT", "2.1-SNAPSHOT", true)]
    #[case::snapshot_case("*-SNAPSHOT", "2.1-snapshot", false)]
    #[case::one_char("v?.0", "v1.0", true)]
    #[case::one_char_not_two("v?.0", "v10.0", false)]
    #[case::one_char_dot("v?.0", "v..0", true)]
    // `*` at each position.
    #[case::star_only("*", "anything-1", true)]
    #[case::star_start("*-debug", "1.0-debug", true)]
    #[case::star_start_near_miss("*-debug", "1.0-debug2", false)]
    #[case::star_end("dev-*", "dev-", true)]
    #[case::star_end_near_miss("dev-*", "dev", false)]
    #[case::star_middle("1.*.0", "1.22.0", true)]
    #[case::star_middle_near_miss("1.*.0", "1.22.1", false)]
    fn matches(#[case] entry: &str, #[case] tag: &str, #[case] expected: bool) {
        let pattern = TagPattern::parse(entry).expect("valid entry");
        assert_eq!(pattern.matches(tag), expected);
    }

    #[rstest]
    #[case::empty("", "empty entry")]
    #[case::plain_dash("-x", "not a valid tag")]
    #[case::plain_plus("1.0+rc1", "not a valid tag")]
    #[case::glob_plus("*+rc*", "'+' never appears in a tag")]
    #[case::glob_slash("v1/*", "'/' never appears in a tag")]
    #[case::glob_space("* ", "' ' never appears in a tag")]
    #[case::glob_leading_dot(".*", "a tag never starts with \".\"")]
    #[case::glob_leading_dash("-rc*", "a tag never starts with \"-\"")]
    #[case::glob_too_long(&format!("{}*", "a".repeat(129)), "longer than 128 characters")]
    #[case::glob_non_ascii("é*", "'é' never appears in a tag")]
    fn refuses(#[case] entry: &str, #[case] message: &str) {
        let err = TagPattern::parse(entry).expect_err("inert entry");
        assert!(
            err.contains(message),
            "{err:?} does not contain {message:?}"
        );
    }
}
