//! `images.allow` / `images.reject` entries: single images, or globs.
//!
//! - `nginx` is `docker.io/library/nginx` with any tag or digest.
//! - `quay.io/coreos/etcd:v3.4.12` is exactly that tag; `...@sha256:…` that digest.
//! - An entry with `*` or `?` is a glob over the canonical reference
//!   (`docker.io/library/nginx:1.27`, `ghcr.io/acme/app@sha256:…`). Its registry
//!   part is read as a registry entry's host is (case, port number, IPv6
//!   address, Docker Hub's spellings). In an allow list a wildcard there stays
//!   inside one host label, as in `registries` entries (`*.corp.example/*`
//!   covers any subdomain); in a reject list a `*` may cross labels, which only
//!   refuses more. After the first `/`, `*` matches any run of characters and
//!   `?` any one. A glob that no valid reference can match (an upper-case
//!   letter in the repository path, a character the grammar never allows) is
//!   refused.
//!
//! What is compared is what the node pulls: a tag written next to a digest is
//! ignored by the runtime, so it cannot satisfy an allow entry. A reject entry
//! also catches the tag as written, so `app:bad@sha256:…` cannot slip past a
//! rejected `app:bad`.

use crate::glob::{self, Glob};
use crate::reference::{self, Host, Reference, DOCKER_HUB_ALIASES};
use crate::registry::DomainPattern;

/// The registry part of a reject glob, as text: a `*` there may cross labels
/// (it only widens what is refused); a `?` is one character other than `.` `:` `/`.
const REGISTRY_TEXT_GLOB: Glob = Glob {
    one_never: b".:/",
    ignore_case: true,
};

/// A parsed images entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImagePattern<'a> {
    /// One repository, optionally one tag or digest.
    Exact(Reference<'a>),
    /// A glob over the canonical reference.
    Glob {
        /// The registry part (before the first `/`), read as a registry
        /// entry's host is: what allow lists compare, a wildcard staying
        /// inside one host label.
        registry: DomainPattern<'a>,
        /// The same part in canonical text (lower case, Docker Hub as
        /// `docker.io`, IPv6 as an address, port without leading zeros): what
        /// reject and warn lists compare.
        registry_text: String,
        /// Pattern for the rest: path, then `:tag` or `@digest`.
        rest: &'a str,
    },
}

/// Whether an entry sits in an allow list or a reject list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// Compare what gets pulled only; a wildcard stays inside one host label.
    Allow,
    /// Compare what gets pulled, and the tag as written; a wildcard in the
    /// registry may cross labels.
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
        check_can_match(rest)?;
        let registry = DomainPattern::read(registry)?;
        Ok(ImagePattern::Glob {
            registry_text: registry.canonical_text(),
            registry,
            rest,
        })
    }

    /// Refuses a glob whose registry part reaches a registry the admin did
    /// not write out (for allow lists and exemptions).
    pub fn check_allow(&self) -> Result<(), String> {
        match self {
            ImagePattern::Exact(_) => Ok(()),
            ImagePattern::Glob { registry, .. } => registry.check_allow(),
        }
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
            ImagePattern::Glob {
                registry,
                registry_text,
                rest,
            } => {
                let registry_ok = match list {
                    ListKind::Allow => registry.covers(&image.domain.host, image.domain.port),
                    ListKind::Reject => text_covers(registry_text, image),
                };
                let rest_ok = |canonical: String| {
                    canonical.split_once('/').is_some_and(|(_, path)| {
                        Glob::EXACT.matches(rest.as_bytes(), path.as_bytes())
                    })
                };
                registry_ok
                    && (rest_ok(image.canonical(false))
                        || (list == ListKind::Reject
                            && image.tag.is_some()
                            && rest_ok(image.canonical(true))))
            }
        }
    }
}

/// A reject glob's registry text against the image's registry, every
/// spelling of Docker Hub's tried.
fn text_covers(pattern: &str, image: &Reference<'_>) -> bool {
    let port = |text: &mut String| {
        if let Some(port) = image.domain.port {
            let digits = port.trim_start_matches('0');
            text.push(':');
            text.push_str(if digits.is_empty() { "0" } else { digits });
        }
    };
    let covers = |host: &str| {
        let mut text = host.to_ascii_lowercase();
        port(&mut text);
        REGISTRY_TEXT_GLOB.matches(pattern.as_bytes(), text.as_bytes())
    };
    match image.domain.host {
        host if host.is_docker_hub() => DOCKER_HUB_ALIASES.iter().any(|alias| covers(alias)),
        Host::Name(name) => covers(name),
        Host::Ipv6(Some(addr), _) => covers(&["[", &addr.to_string(), "]"].concat()),
        Host::Ipv6(None, text) => covers(text),
    }
}

const NAME_THE_REGISTRY: &str =
    "a glob must name its registry, like docker.io/library/nginx:* or ghcr.io/acme/*";

/// Refuses a glob whose part after the registry no canonical reference can
/// match: each character it names literally must be one the grammar allows
/// where it stands, as far as that place is known (up to the first wildcard).
fn check_can_match(rest: &str) -> Result<(), String> {
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

    use crate::test_support::D;
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
    // In an allow list a wildcard in the registry stays inside one host label;
    // in a reject list it may cross them (it only refuses more).
    #[case::star_never_dot("ghcr.io*/acme/*", "ghcr.io.attacker.example/acme/app:1", false, true)]
    #[case::star_never_colon("localhost*/x/*", "localhost:5000/x/app:1", false, true)]
    #[case::star_inside_label("ghcr.io*/acme/*", "ghcr.iox/acme/app:1", true, true)]
    #[case::star_never_slash("ghcr.io/acme*", "ghcr.io/acme/app:1", true, true)]
    #[case::every_subdomain_deep("*.corp.example/*", "a.b.corp.example/x", true, true)]
    #[case::every_subdomain_not_bare("*.corp.example/*", "corp.example/x", false, false)]
    #[case::label_glob_path(
        "registry-*.corp.example/team/*",
        "registry-eu.corp.example/team/app",
        true,
        true
    )]
    #[case::label_glob_other_domain(
        "registry-*.corp.example/team/*",
        "registry-eu.corp.example.evil.io/team/app",
        false,
        false
    )]
    #[case::any_registry_reject("*/evil/*", "attacker.example/evil/x:1", false, true)]
    #[case::label_glob_upper_case_image(
        "registry-*.corp.example/team/*",
        "REGISTRY-EU.Corp.Example/team/app",
        true,
        true
    )]
    // The registry part is read as a registry entry's host is.
    #[case::port_leading_zero_entry(
        "localhost:05000/evil/*",
        "localhost:5000/evil/x:1",
        true,
        true
    )]
    #[case::port_leading_zero_image(
        "localhost:5000/evil/*",
        "localhost:05000/evil/x:1",
        true,
        true
    )]
    #[case::port_other("localhost:5000/evil/*", "localhost:5001/evil/x:1", false, false)]
    #[case::port_missing("localhost:5000/evil/*", "localhost/evil/x:1", false, false)]
    #[case::ipv6_expanded_entry("[0:0:0:0:0:0:0:1]:5000/evil/*", "[::1]:5000/evil/x:1", true, true)]
    #[case::ipv6_other("[::1]:5000/evil/*", "[::2]:5000/evil/x:1", false, false)]
    #[case::wildcard_subdomain_not_ipv6("*.corp.example/*", "[::1]/x", false, false)]
    // Docker Hub: a glob meets every spelling of the same image.
    #[case::hub_legacy_entry("index.docker.io/library/*", "busybox:1", true, true)]
    #[case::hub_registry_1_entry("registry-1.docker.io/library/*", "busybox:1", true, true)]
    #[case::hub_subdomains_short("*.docker.io/library/*", "busybox:1", true, true)]
    #[case::hub_subdomains_canonical(
        "*.docker.io/library/*",
        "docker.io/library/busybox:1",
        true,
        true
    )]
    #[case::hub_subdomains_legacy(
        "*.docker.io/library/*",
        "index.docker.io/library/busybox:1",
        true,
        true
    )]
    #[case::hub_subdomains_registry_1(
        "*.docker.io/library/*",
        "registry-1.docker.io/library/busybox:1",
        true,
        true
    )]
    #[case::hub_last_label_registry_1(
        "docker.*/library/*",
        "registry-1.docker.io/library/busybox:1",
        true,
        true
    )]
    #[case::hub_one_char_registry_1(
        "docker.i?/library/*",
        "registry-1.docker.io/library/busybox:1",
        true,
        true
    )]
    #[case::hub_not_other_registry(
        "*.docker.io/library/*",
        "quay.io/library/busybox:1",
        false,
        false
    )]
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
    #[case::glob_bad_registry("my_registry.*/*", "'_' never appears in a host name")]
    #[case::glob_tag_dash("ghcr.io/acme/app:-*", "tag \"-\" can never be valid")]
    #[case::glob_digest_upper("ghcr.io/acme/app@SHA256:*", "lowercase hex")]
    #[case::glob_short("nginx:*", "a glob must name its registry")]
    #[case::glob_hub_path("library/nginx*", "a glob must name its registry")]
    #[case::glob_no_rest("*.io/", "a glob must name its registry")]
    #[case::glob_space("ghcr.io/acme/* ", "' ' never appears in an image reference")]
    #[case::glob_port("localhost:50*/x/*", "not the port")]
    #[case::glob_ipv6_subdomains("*.[::1]/x/*", "not IPv6 addresses")]
    #[case::glob_bad_ipv6("[::g]/x/*", "\"::g\" is not an IPv6 address")]
    #[case::glob_port_zero("localhost:0/x/*", "\"0\" is not a port number")]
    fn refuses(#[case] entry: &str, #[case] message: &str) {
        let err = ImagePattern::parse(entry).expect_err("invalid entry");
        assert!(
            err.contains(message),
            "{err:?} does not contain {message:?}"
        );
    }

    #[rstest]
    #[case::any_registry(
        "*/acme/*",
        "wildcards alone would admit every registry: name the registry, like ghcr.io/acme/*"
    )]
    #[case::any_registry_one("?*/x:*", "wildcards alone would admit every registry")]
    #[case::any_registry_port("*:5000/x/*", "wildcards alone would admit every registry")]
    #[case::glued_to_domain(
        "ghcr.io*/acme/*",
        "a wildcard in the last label matches every top-level domain"
    )]
    #[case::public_suffix("*.io/acme/*", "\"io\" is a public suffix")]
    #[case::tenant(
        "*.azurecr.io/acme/*",
        "admits every Azure customer's registry: name yours, like myorg.azurecr.io"
    )]
    fn refuses_in_allow_lists(#[case] entry: &str, #[case] message: &str) {
        let pattern = ImagePattern::parse(entry).expect("a valid reject entry");
        let err = pattern.check_allow().expect_err("refused in allow lists");
        assert!(
            err.contains(message),
            "{err:?} does not contain {message:?}"
        );
    }

    #[rstest]
    #[case::subdomains("*.corp.example/*")]
    #[case::label_glob("registry-?.corp.example/team/*")]
    #[case::tenant_named("myorg.azurecr.io/*")]
    #[case::private_use("*.internal/*")]
    #[case::exact("ghcr.io/acme/app:1")]
    fn keeps_in_allow_lists(#[case] entry: &str) {
        let pattern = ImagePattern::parse(entry).expect("valid entry");
        assert_eq!(pattern.check_allow(), Ok(()));
    }
}
