//! `images.allow` / `images.reject` entries: single images, or globs.
//!
//! - `nginx` is `docker.io/library/nginx` with any tag or digest.
//! - `quay.io/coreos/etcd:v3.4.12` is exactly that tag; `...@sha256:…` that digest.
//! - An entry with `*` or `?` is a glob over the canonical reference
//!   (`docker.io/library/nginx:1.27`, `ghcr.io/acme/app@sha256:…`). In the registry
//!   part a `*` stays within the registry (so `*.corp.example/*` never matches
//!   `evil.com/x.corp.example/…`) and a `?` is one character other than `.` `:`
//!   `/`; after the first `/`, `*` matches any run of characters and `?` any one.
//!   A glob that no valid reference can match (an upper-case letter in the
//!   repository path, a character the grammar never allows) is refused.
//!
//! What is compared is what the node pulls: a tag written next to a digest is
//! ignored by the runtime, so it cannot satisfy an allow entry. A reject entry
//! also catches the tag as written, so `app:bad@sha256:…` cannot slip past a
//! rejected `app:bad`.

use crate::glob::{self, Glob};
use crate::reference::{self, Reference};

/// The registry part of a glob: `?` stays inside one host label or the port.
const REGISTRY_GLOB: Glob = Glob {
    one_never: b".:/",
    ignore_case: true,
};

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
        if !glob::is_glob(entry) {
            return reference::parse(entry)
                .map(ImagePattern::Exact)
                .map_err(|e| format!("{}: {e}", reference::INVALID_FORMAT));
        }
        let Some((registry, rest)) = entry.split_once('/') else {
            return Err(NAME_THE_REGISTRY.into());
        };
        let names_registry = registry.contains(['.', ':', '*', '?']) || registry == "localhost";
        if !names_registry || rest.is_empty() {
            return Err(NAME_THE_REGISTRY.into());
        }
        check_can_match(registry, rest)?;
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
                        REGISTRY_GLOB.matches(registry.as_bytes(), reg.as_bytes())
                            && Glob::EXACT.matches(rest.as_bytes(), path.as_bytes())
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

const NAME_THE_REGISTRY: &str =
    "a glob must name its registry, like docker.io/library/nginx:* or ghcr.io/acme/*";

/// Refuses a glob that no canonical reference can match: each character it
/// names literally must be one the grammar allows where it stands, as far as
/// that place is known (up to the first wildcard of the part after the registry).
fn check_can_match(registry: &str, rest: &str) -> Result<(), String> {
    if let Some(c) = glob::bad_char(registry, b".-:[]") {
        return Err(format!(
            "{c:?} never appears in a registry name, so this glob matches nothing"
        ));
    }
    // Whatever follows the first wildcard may be in the path, the tag or the digest.
    if let Some(c) = glob::bad_char(rest, b"._-/:@") {
        return Err(format!(
            "{c:?} never appears in an image reference, so this glob matches nothing"
        ));
    }
    let known = rest.split(['*', '?']).next().unwrap_or_default();
    let (path, after) = match known.find([':', '@']) {
        Some(i) => (&known[..i], &known[i..]),
        None => (known, ""),
    };
    if path.bytes().any(|c| c.is_ascii_uppercase()) {
        return Err("the repository path must be lowercase, so this glob matches nothing".into());
    }
    if let Some(c) = path
        .chars()
        .find(|&c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || "._-/".contains(c)))
    {
        return Err(format!(
            "{c:?} never appears in a repository path, so this glob matches nothing"
        ));
    }
    if path.split('/').rev().skip(1).any(str::is_empty) {
        return Err("empty path component, so this glob matches nothing".into());
    }
    let (tag, digest) = match after.split_once('@') {
        Some((tag, digest)) => (tag, Some(digest)),
        None => (after, None),
    };
    if let Some(tag) = tag.strip_prefix(':') {
        let word = |c: u8| c.is_ascii_alphanumeric() || b"_.-".contains(&c);
        if matches!(tag.as_bytes().first(), Some(b'.' | b'-')) || !tag.bytes().all(word) {
            return Err(format!(
                "tag {tag:?} can never be valid, so this glob matches nothing"
            ));
        }
    }
    let hex = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b':';
    if digest.is_some_and(|d| !d.bytes().all(hex)) {
        return Err(
            "a digest is sha256, sha384 or sha512 and lowercase hex, so this glob matches nothing"
                .into(),
        );
    }
    Ok(())
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
    // `?`: one character; in the registry part never `.`, `:` or `/`.
    #[case::one_in_repo("docker.io/library/ngin?:*", "nginx:1.27", true, true)]
    #[case::one_in_repo_not_two("docker.io/library/ngin?:*", "nginxx:1.27", false, false)]
    #[case::one_in_repo_not_none("docker.io/library/ngin?:*", "ngin:1.27", false, false)]
    #[case::one_in_tag("docker.io/library/nginx:1.2?", "nginx:1.27", true, true)]
    #[case::one_in_tag_not_two("docker.io/library/nginx:1.2?", "nginx:1.270", false, false)]
    #[case::one_in_host(
        "registry-?.corp.example/*",
        "registry-1.corp.example/app:1",
        true,
        true
    )]
    #[case::one_never_dot_in_host("docker?io/*", "docker.io/library/nginx", false, false)]
    #[case::one_never_colon_in_host("localhost?5000/*", "localhost:5000/app", false, false)]
    #[case::one_host_near_miss(
        "registry-?.corp.example/*",
        "registry-12.corp.example/app:1",
        false,
        false
    )]
    // `*` at each position.
    #[case::star_in_host("*.corp.example/app:1", "eu.corp.example/app:1", true, true)]
    #[case::star_in_path("ghcr.io/*/app:1", "ghcr.io/acme/app:1", true, true)]
    #[case::star_in_tag("ghcr.io/acme/app:1.*", "ghcr.io/acme/app:1.4", true, true)]
    #[case::star_in_tag_near_miss("ghcr.io/acme/app:1.*", "ghcr.io/acme/app:2.4", false, false)]
    #[case::star_after_tag_start("ghcr.io/acme/*:v1", "ghcr.io/acme/api:v1", true, true)]
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
        "invalid reference format: the repository name must be lowercase"
    )]
    #[case::trap_host("my_registry.com/x", "invalid reference format")]
    #[case::bad_tag("x:1.0.0+rc1", "invalid reference format: invalid tag \"1.0.0+rc1\"")]
    // Globs that no valid reference can match.
    #[case::glob_uppercase_path("ghcr.io/Acme/*", "the repository path must be lowercase")]
    #[case::glob_uppercase_path_one(
        "docker.io/library/Ngin?:*",
        "the repository path must be lowercase"
    )]
    #[case::glob_bad_path_char("ghcr.io/acme_corp!/*", "'!' never appears in an image reference")]
    #[case::glob_path_plus("ghcr.io/a+b/*", "'+' never appears in an image reference")]
    #[case::glob_double_slash("ghcr.io//acme/*", "empty path component")]
    #[case::glob_bad_registry("my_registry.*/*", "'_' never appears in a registry name")]
    #[case::glob_tag_dash("ghcr.io/acme/app:-*", "tag \"-\" can never be valid")]
    #[case::glob_digest_upper("ghcr.io/acme/app@SHA256:*", "lowercase hex")]
    #[case::glob_short("nginx:*", "a glob must name its registry")]
    #[case::glob_hub_path("library/nginx*", "a glob must name its registry")]
    #[case::glob_no_rest("*.io/", "a glob must name its registry")]
    #[case::glob_space("ghcr.io/acme/* ", "' ' never appears in an image reference")]
    fn refuses(#[case] entry: &str, #[case] message: &str) {
        let err = ImagePattern::parse(entry).expect_err("invalid entry");
        assert!(
            err.contains(message),
            "{err:?} does not contain {message:?}"
        );
    }
}
