//! From an image string to a [`Reference`], as kubelet and containerd read it
//! (`ParseNormalizedNamed` then `ParseDockerRef` in `distribution/reference`).

use std::borrow::Cow;
use std::net::Ipv6Addr;

use super::grammar::{self, ComponentError, DigestError};
use super::{Domain, Host, ParseError, Reference, DOCKER_HUB};
use crate::bytes;

/// The legacy Docker Hub name that is rewritten to `docker.io`.
const LEGACY_DOCKER_HUB: &str = "index.docker.io";
/// Prefix of Docker Hub's official images.
const OFFICIAL_PREFIX: &str = "library/";

/// Parses an image string exactly as the runtime does, or says why it cannot.
///
/// Unlike the Go package, a string whose first part is read as a registry but is
/// no valid host (`my_registry.com/x`) is refused: Go returns it with an empty
/// domain, and containerd then connects to that first part anyway.
pub fn parse(image: &str) -> Result<Reference<'_>, ParseError> {
    if image.is_empty() {
        return Err(ParseError::Empty);
    }
    if grammar::is_image_id(image) {
        return Err(ParseError::ImageId);
    }
    let (domain, remainder) = split_domain(image)?;

    // Digest after the first "@", tag after the first ":" of what is left: the
    // path itself can contain neither.
    let (name_and_tag, digest) = match bytes::split_once(remainder, b'@') {
        Some((n, d)) => (n, Some(d)),
        None => (remainder, None),
    };
    let (name, tag) = match bytes::split_once(name_and_tag, b':') {
        Some((n, t)) => (n, Some(t)),
        None => (name_and_tag, None),
    };

    for component in grammar::parts(name, b'/') {
        grammar::check_component(component).map_err(|e| match e {
            ComponentError::Empty => ParseError::EmptyComponent,
            ComponentError::Uppercase => ParseError::Uppercase,
            ComponentError::Invalid => ParseError::InvalidComponent(component.to_owned()),
        })?;
    }
    if let Some(tag) = tag {
        if !grammar::is_tag(tag) {
            return Err(ParseError::InvalidTag(tag.to_owned()));
        }
    }
    if let Some(digest) = digest {
        grammar::check_digest(digest).map_err(|e| match e {
            DigestError::Format => ParseError::InvalidDigest(digest.to_owned()),
            DigestError::UnsupportedAlgorithm => ParseError::UnsupportedDigest(digest.to_owned()),
            DigestError::Length => ParseError::DigestLength(digest.to_owned()),
        })?;
    }

    // Only the exact name docker.io gets `library/`: `Docker.IO/x` keeps path `x`.
    let path = if bytes::same(domain.text.as_bytes(), DOCKER_HUB.as_bytes())
        && bytes::find(name.as_bytes(), b'/').is_none()
    {
        // Concatenated by hand: `format!` brings the formatting machinery to every Pod.
        Cow::Owned([OFFICIAL_PREFIX, name].concat())
    } else {
        Cow::Borrowed(name)
    };
    if path.len() > grammar::PATH_MAX {
        return Err(ParseError::PathTooLong(path.len()));
    }
    Ok(Reference {
        domain,
        path,
        tag,
        digest,
    })
}

/// Splits off the registry at the first `/` when that part looks like one: it
/// contains `.` or `:`, is exactly `localhost`, or has an upper-case letter.
/// Everything else is a Docker Hub path.
fn split_domain(image: &str) -> Result<(Domain<'_>, &str), ParseError> {
    let docker_hub = Domain {
        text: DOCKER_HUB,
        host: Host::Name(DOCKER_HUB),
        port: None,
    };
    let Some((first, rest)) = bytes::split_once(image, b'/') else {
        return Ok((docker_hub, image));
    };
    let is_registry = first
        .bytes()
        .any(|c| c == b'.' || c == b':' || c.is_ascii_uppercase())
        || bytes::same(first.as_bytes(), b"localhost");
    if !is_registry {
        return Ok((docker_hub, image));
    }
    if bytes::same(first.as_bytes(), LEGACY_DOCKER_HUB.as_bytes()) {
        return Ok((docker_hub, rest));
    }
    let domain =
        parse_domain(first).ok_or_else(|| ParseError::InvalidRegistry(first.to_owned()))?;
    Ok((domain, rest))
}

/// `host[:port]`, where host is a domain name or a bracketed IPv6 literal.
pub(crate) fn parse_domain(text: &str) -> Option<Domain<'_>> {
    let (host, port) = if let Some(inner_and_rest) = text.strip_prefix('[') {
        let (inner, after) = inner_and_rest.split_once(']')?;
        if !grammar::is_ipv6_text(inner) {
            return None;
        }
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        (Host::Ipv6(inner.parse::<Ipv6Addr>().ok(), inner), port)
    } else {
        let (name, port) = match bytes::split_once(text, b':') {
            Some((n, p)) => (n, Some(p)),
            None => (text, None),
        };
        if !grammar::is_domain_name(name) {
            return None;
        }
        (Host::Name(name), port)
    };
    if let Some(port) = port {
        if !grammar::is_port(port) {
            return None;
        }
    }
    Some(Domain { text, host, port })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    use crate::test_support::D;

    /// (domain, path, tag, digest) of a parsed reference.
    fn parts(image: &str) -> Result<(String, String, Option<String>, Option<String>), ParseError> {
        parse(image).map(|r| {
            (
                r.domain.text.to_owned(),
                r.path.into_owned(),
                r.tag.map(str::to_owned),
                r.digest.map(str::to_owned),
            )
        })
    }

    #[rstest]
    #[case::short_name("busybox", "docker.io", "library/busybox", None, None)]
    #[case::user_repo("bitnami/redis:7", "docker.io", "bitnami/redis", Some("7"), None)]
    #[case::explicit_hub("docker.io/busybox", "docker.io", "library/busybox", None, None)]
    #[case::legacy_hub(
        "index.docker.io/busybox:1",
        "docker.io",
        "library/busybox",
        Some("1"),
        None
    )]
    #[case::registry_1_no_library(
        "registry-1.docker.io/busybox",
        "registry-1.docker.io",
        "busybox",
        None,
        None
    )]
    #[case::uppercase_hub_no_library("Docker.IO/x", "Docker.IO", "x", None, None)]
    #[case::localhost("localhost/app", "localhost", "app", None, None)]
    #[case::localhost_port("localhost:5000/app:v1", "localhost:5000", "app", Some("v1"), None)]
    #[case::localhost_alone_is_hub("localhost", "docker.io", "library/localhost", None, None)]
    #[case::host_port_alone_is_hub_tag(
        "example.com:5000",
        "docker.io",
        "library/example.com",
        Some("5000"),
        None
    )]
    #[case::ipv6("[fd00::1]:5000/app", "[fd00::1]:5000", "app", None, None)]
    #[case::digest_keeps_tag("ghcr.io/org/app:1.0@sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa", "ghcr.io", "org/app", Some("1.0"), Some(D))]
    #[case::suffix_lookalike("docker.io.evil.example/x", "docker.io.evil.example", "x", None, None)]
    fn parses(
        #[case] image: &str,
        #[case] domain: &str,
        #[case] path: &str,
        #[case] tag: Option<&str>,
        #[case] digest: Option<&str>,
    ) {
        assert_eq!(
            parts(image),
            Ok((
                domain.to_owned(),
                path.to_owned(),
                tag.map(str::to_owned),
                digest.map(str::to_owned)
            ))
        );
    }

    #[rstest]
    #[case::empty("", ParseError::Empty)]
    #[case::image_id(
        "7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa",
        ParseError::ImageId
    )]
    #[case::underscore_host_trap("my_registry.com/x", ParseError::InvalidRegistry("my_registry.com".into()))]
    #[case::trailing_dot_host("docker.io./x", ParseError::InvalidRegistry("docker.io.".into()))]
    #[case::port_not_digits("localhost:abc/x", ParseError::InvalidRegistry("localhost:abc".into()))]
    #[case::zone_id("[fe80::1%eth0]/x", ParseError::InvalidRegistry("[fe80::1%eth0]".into()))]
    #[case::uppercase_path("ghcr.io/Org/app", ParseError::Uppercase)]
    #[case::uppercase_short("Busybox:latest", ParseError::Uppercase)]
    #[case::double_slash("ghcr.io//org/app", ParseError::EmptyComponent)]
    #[case::dot_dot("ghcr.io/../evil.com/x", ParseError::InvalidComponent("..".into()))]
    #[case::space("busy box", ParseError::InvalidComponent("busy box".into()))]
    #[case::tag_plus("busybox:v1+build", ParseError::InvalidTag("v1+build".into()))]
    #[case::two_tags("busybox:1.0:2.0", ParseError::InvalidTag("1.0:2.0".into()))]
    #[case::short_digest("busybox@sha256:abc", ParseError::InvalidDigest("sha256:abc".into()))]
    #[case::md5(&format!("busybox@md5:{}", "a".repeat(32)), ParseError::UnsupportedDigest(format!("md5:{}", "a".repeat(32))))]
    #[case::digest_63(&D[..D.len() - 1].replace("sha256:", "busybox@sha256:"), ParseError::DigestLength(D[..D.len() - 1].to_owned()))]
    #[case::path_256(&format!("ghcr.io/{}", "a".repeat(256)), ParseError::PathTooLong(256))]
    #[case::library_counts(&"a".repeat(248), ParseError::PathTooLong(256))]
    fn refuses(#[case] image: &str, #[case] expected: ParseError) {
        assert_eq!(parse(image), Err(expected));
    }

    #[rstest]
    #[case::defaults_latest("busybox", "docker.io/library/busybox:latest")]
    #[case::drops_tag_with_digest(&format!("busybox:1@{D}"), &format!("docker.io/library/busybox@{D}"))]
    #[case::keeps_domain_case("GHCR.io/org/app:v1", "GHCR.io/org/app:v1")]
    fn display_is_what_gets_pulled(#[case] image: &str, #[case] expected: &str) {
        assert_eq!(parse(image).map(|r| r.to_string()), Ok(expected.to_owned()));
    }
}
