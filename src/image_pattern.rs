//! `images.allow` / `images.reject` entries: single images, or globs.
//!
//! - `nginx` is `docker.io/library/nginx` with any tag or digest.
//! - `quay.io/coreos/etcd:v3.4.12` is exactly that tag; `...@sha256:…` that digest.
//! - An entry with `*` is a glob over the canonical reference
//!   (`docker.io/library/nginx:1.27`, `ghcr.io/acme/app@sha256:…`): in the registry
//!   part a `*` stays within the host (so `*.corp.example/*` never matches
//!   `evil.com/x.corp.example/…`); after the first `/` it matches any run of characters.
//!
//! What is compared is what the node pulls: a tag written next to a digest is
//! ignored by the runtime, so it cannot satisfy an allow entry. A reject entry
//! also catches the tag as written, so `app:bad@sha256:…` cannot slip past a
//! rejected `app:bad`.

use crate::reference::{self, Reference};

/// A parsed images entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImagePattern<'a> {
    /// One repository, optionally one tag or digest.
    Exact(Reference<'a>),
    /// A glob over the canonical reference, registry part lower-cased.
    Glob {
        /// Pattern for the registry (before the first `/`).
        registry: String,
        /// Pattern for the rest: path, then `:tag` or `@digest`.
        rest: &'a str,
    },
}

/// Whether an entry sits in an allow list or a reject list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// Compare what gets pulled only.
    Allow,
    /// Compare what gets pulled, and the tag as written.
    Reject,
}

impl<'a> ImagePattern<'a> {
    /// Parses an entry, or says what is wrong with it.
    pub fn parse(entry: &'a str) -> Result<Self, String> {
        if !entry.contains('*') {
            return reference::parse(entry)
                .map(ImagePattern::Exact)
                .map_err(|e| format!("not a valid image reference: {e}"));
        }
        if let Some(c) = entry
            .chars()
            .find(|c| !c.is_ascii_graphic() || matches!(c, '\\' | '"' | '\''))
        {
            return Err(format!("unexpected character {c:?} in a glob"));
        }
        let Some((registry, rest)) = entry.split_once('/') else {
            return Err(
                "a glob must name its registry, like docker.io/library/nginx:* or ghcr.io/acme/*"
                    .into(),
            );
        };
        let names_registry = registry.contains(['.', ':', '*']) || registry == "localhost";
        if !names_registry || rest.is_empty() {
            return Err(
                "a glob must name its registry, like docker.io/library/nginx:* or ghcr.io/acme/*"
                    .into(),
            );
        }
        Ok(ImagePattern::Glob {
            registry: registry.to_ascii_lowercase(),
            rest,
        })
    }

    /// True when the entry covers the image.
    pub fn matches(&self, image: &Reference<'_>, list: ListKind) -> bool {
        match self {
            ImagePattern::Exact(entry) => {
                let same_repo = entry.domain.same_as(&image.domain) && entry.path == image.path;
                same_repo
                    && match (entry.digest, entry.tag) {
                        (Some(digest), _) => image.digest == Some(digest),
                        (None, Some(tag)) => {
                            image.effective_tag() == Some(tag)
                                || (list == ListKind::Reject && image.tag == Some(tag))
                        }
                        (None, None) => true,
                    }
            }
            ImagePattern::Glob { registry, rest } => {
                let glob = |canonical: String| {
                    canonical.split_once('/').is_some_and(|(reg, path)| {
                        wildcard_match(registry, reg) && wildcard_match(rest, path)
                    })
                };
                glob(image.canonical(false))
                    || (list == ListKind::Reject
                        && image.tag.is_some()
                        && glob(image.canonical(true)))
            }
        }
    }
}

/// `*` matches any run of characters; everything else matches itself.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    // Where to resume after the last `*`: pattern index past it, text index it covers up to.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi + 1, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((after_star, covered)) = star {
            pi = after_star;
            ti = covered + 1;
            star = Some((after_star, covered + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::parse;
    use rstest::rstest;

    const D: &str = "sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa";
    const D2: &str = "sha256:82dfd9ac433eacb5f89e5bf2601659bbc78893c1a9e3e830c5ef4eb489fde079";

    #[rstest]
    // Short names are Docker Hub names.
    #[case::short_any_tag("nginx", "nginx:1.21", true, true)]
    #[case::short_full_form("nginx", "docker.io/library/nginx:1.21", true, true)]
    #[case::short_digest("nginx", &format!("nginx@{D}"), true, true)]
    #[case::short_other_repo("nginx", "nginx-evil:1", false, false)]
    #[case::short_other_user("nginx", "evil/nginx", false, false)]
    #[case::short_other_registry("nginx", "ghcr.io/library/nginx", false, false)]
    // Tags: what is pulled; a reject entry also sees the written tag.
    #[case::tag_exact(
        "quay.io/coreos/etcd:v3.4.12",
        "quay.io/coreos/etcd:v3.4.12",
        true,
        true
    )]
    #[case::tag_other(
        "quay.io/coreos/etcd:v3.4.12",
        "quay.io/coreos/etcd:v3.4.13",
        false,
        false
    )]
    #[case::tag_implicit_latest("nginx:latest", "nginx", true, true)]
    #[case::tag_hidden_by_digest("quay.io/coreos/etcd:v3.4.12", &format!("quay.io/coreos/etcd:v3.4.12@{D}"), false, true)]
    // Digests.
    #[case::digest_exact(&format!("quay.io/bitnami/redis:6.0@{D2}"), &format!("quay.io/bitnami/redis:6.0@{D2}"), true, true)]
    #[case::digest_without_tag(&format!("quay.io/bitnami/redis:6.0@{D2}"), &format!("quay.io/bitnami/redis@{D2}"), true, true)]
    #[case::digest_other(&format!("quay.io/bitnami/redis@{D2}"), &format!("quay.io/bitnami/redis@{D}"), false, false)]
    #[case::digest_required(&format!("quay.io/bitnami/redis@{D2}"), "quay.io/bitnami/redis:6.0", false, false)]
    // Globs over the canonical form.
    #[case::glob_repo_nested("ghcr.io/acme/*", "ghcr.io/acme/team/app:1", true, true)]
    #[case::glob_registry_case("GHCR.io/acme/*", "ghcr.io/acme/app:1", true, true)]
    #[case::glob_hub_short("docker.io/library/nginx:1.*", "nginx:1.27", true, true)]
    #[case::glob_tag_not_latest("docker.io/library/nginx:1.*", "nginx", false, false)]
    #[case::glob_host_stays_in_host(
        "*.corp.example/*",
        "evil.com/x.corp.example/app:1",
        false,
        false
    )]
    #[case::glob_host_sub("*.corp.example/*", "eu.corp.example/app:1", true, true)]
    #[case::glob_tag_hidden_by_digest("docker.io/library/nginx:1.*", &format!("nginx:1.27@{D}"), false, true)]
    #[case::glob_digest("ghcr.io/acme/app@sha256:*", &format!("ghcr.io/acme/app@{D}"), true, true)]
    fn matches(
        #[case] entry: &str,
        #[case] image: &str,
        #[case] in_allow: bool,
        #[case] in_reject: bool,
    ) {
        let pattern = ImagePattern::parse(entry).expect("valid entry");
        let image = parse(image).expect("valid image");
        assert_eq!(pattern.matches(&image, ListKind::Allow), in_allow, "allow");
        assert_eq!(
            pattern.matches(&image, ListKind::Reject),
            in_reject,
            "reject"
        );
    }

    #[rstest]
    #[case::uppercase(
        "Nginx",
        "not a valid image reference: the repository name must be lowercase"
    )]
    #[case::trap_host("my_registry.com/x", "not a valid image reference")]
    #[case::glob_short("nginx:*", "a glob must name its registry")]
    #[case::glob_hub_path("library/nginx*", "a glob must name its registry")]
    #[case::glob_no_rest("*.io/", "a glob must name its registry")]
    #[case::glob_space("ghcr.io/acme/* ", "unexpected character ' '")]
    fn refuses(#[case] entry: &str, #[case] message: &str) {
        let err = ImagePattern::parse(entry).expect_err("invalid entry");
        assert!(
            err.contains(message),
            "{err:?} does not contain {message:?}"
        );
    }

    #[rstest]
    #[case::star_all("*", "anything", true)]
    #[case::star_middle("a*c", "abbbc", true)]
    #[case::star_backtrack("a*bc", "abcbc", true)]
    #[case::no_star_exact("abc", "abc", true)]
    #[case::no_star_longer("abc", "abcd", false)]
    #[case::star_suffix_missing("*.io", "ghcr.com", false)]
    fn wildcard(#[case] pattern: &str, #[case] text: &str, #[case] expected: bool) {
        assert_eq!(wildcard_match(pattern, text), expected);
    }
}
