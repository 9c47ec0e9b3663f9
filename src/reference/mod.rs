//! Image references as a container runtime reads them.
//!
//! Layout after Go's `distribution/reference`: [`grammar`] holds the character
//! rules, [`normalize`] turns a string into a [`Reference`] the way kubelet and
//! containerd do (Docker Hub defaults included), and this file holds the types and
//! the comparisons that the rest of the policy uses. Nothing downstream looks at the
//! raw image string again.

pub mod grammar;
mod normalize;

pub use normalize::parse;

use std::borrow::Cow;
use std::fmt;
use std::net::Ipv6Addr;

use crate::bytes;

/// What Docker and the Go parser say of a string they cannot read; every message
/// about an unreadable reference starts with it, so users and scripts find it.
pub const INVALID_FORMAT: &str = "invalid reference format";

/// Docker Hub's canonical registry name.
pub const DOCKER_HUB: &str = "docker.io";

/// The names that all reach Docker Hub.
pub const DOCKER_HUB_ALIASES: [&str; 3] = [DOCKER_HUB, "index.docker.io", "registry-1.docker.io"];

/// A parsed, normalized image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference<'a> {
    /// The registry the node connects to.
    pub domain: Domain<'a>,
    /// Repository path, `library/` included for Docker Hub official images.
    pub path: Cow<'a, str>,
    /// The tag as written (kept even when a digest makes the runtime ignore it).
    pub tag: Option<&'a str>,
    /// The digest as written, `algorithm:hex`.
    pub digest: Option<&'a str>,
}

/// A registry: host and optional port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain<'a> {
    /// As the runtime reads it (`docker.io` when defaulted), for messages.
    pub text: &'a str,
    /// The host part.
    pub host: Host<'a>,
    /// The port digits, if any.
    pub port: Option<&'a str>,
}

/// A registry host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host<'a> {
    /// A DNS name or IPv4 address, as written (compared case-insensitively).
    Name(&'a str),
    /// A bracketed IPv6 literal; `None` when the grammar admits it but it is no address.
    Ipv6(Option<Ipv6Addr>, &'a str),
}

impl Host<'_> {
    /// True for every spelling of Docker Hub's registry.
    pub fn is_docker_hub(&self) -> bool {
        matches!(self, Host::Name(n) if DOCKER_HUB_ALIASES.iter().any(|a| bytes::same_ignoring_case(a.as_bytes(), n.as_bytes())))
    }

    /// Same registry host: DNS names ignore case, Docker Hub's aliases are one host,
    /// IPv6 literals compare as addresses.
    pub fn same_as(&self, other: &Host<'_>) -> bool {
        match (self, other) {
            (Host::Name(a), Host::Name(b)) => {
                bytes::same_ignoring_case(a.as_bytes(), b.as_bytes())
                    || (self.is_docker_hub() && other.is_docker_hub())
            }
            (Host::Ipv6(Some(a), _), Host::Ipv6(Some(b), _)) => a == b,
            (Host::Ipv6(None, a), Host::Ipv6(None, b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        }
    }

    /// The host's DNS labels, for whole-label comparisons; empty for IPv6.
    pub fn labels(&self) -> impl DoubleEndedIterator<Item = &str> {
        let name = match self {
            Host::Name(n) => *n,
            Host::Ipv6(..) => "",
        };
        name.split('.').filter(|l| !l.is_empty())
    }
}

/// Same port number: `05000` and `5000` are one TCP port.
pub fn same_port(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.trim_start_matches('0') == b.trim_start_matches('0'),
        (None, None) => true,
        _ => false,
    }
}

impl Domain<'_> {
    /// Same registry: same host and same port.
    pub fn same_as(&self, other: &Domain<'_>) -> bool {
        self.host.same_as(&other.host) && same_port(self.port, other.port)
    }
}

impl<'a> Reference<'a> {
    /// The repository path split into its components.
    pub fn path_components(&self) -> impl Iterator<Item = &str> {
        grammar::parts(&self.path, b'/')
    }

    /// The tag the node pulls: none when pinned by digest, `latest` when neither is given.
    pub fn effective_tag(&self) -> Option<&'a str> {
        match (self.digest, self.tag) {
            (Some(_), _) => None,
            (None, Some(tag)) => Some(tag),
            (None, None) => Some("latest"),
        }
    }

    /// True when both name the same bytes to pull: same registry, repository and
    /// digest, or the same effective tag when neither is pinned.
    pub fn same_image(&self, other: &Reference<'_>) -> bool {
        self.domain.same_as(&other.domain)
            && self.path == other.path
            && self.digest == other.digest
            && self.effective_tag() == other.effective_tag()
    }

    /// The reference in canonical form, for glob patterns: lower-case registry,
    /// Docker Hub as `docker.io`, port without leading zeros, then `:tag`
    /// (`latest` when omitted) or `@digest`. `with_written_tag` keeps a tag that a
    /// digest makes the runtime ignore, as `:tag@digest`.
    pub fn canonical(&self, with_written_tag: bool) -> String {
        let mut out = String::with_capacity(self.domain.text.len() + self.path.len() + 80);
        if self.domain.host.is_docker_hub() {
            out.push_str(DOCKER_HUB);
        } else {
            match self.domain.host {
                Host::Name(n) => out.push_str(&n.to_ascii_lowercase()),
                Host::Ipv6(Some(addr), _) => {
                    out.push('[');
                    out.push_str(&addr.to_string());
                    out.push(']');
                }
                Host::Ipv6(None, text) => out.push_str(&text.to_ascii_lowercase()),
            }
        }
        if let Some(port) = self.domain.port {
            let digits = port.trim_start_matches('0');
            out.push(':');
            out.push_str(if digits.is_empty() { "0" } else { digits });
        }
        out.push('/');
        out.push_str(&self.path);
        let tag = if with_written_tag {
            self.tag.or(self.effective_tag())
        } else {
            self.effective_tag()
        };
        if let Some(tag) = tag {
            out.push(':');
            out.push_str(tag);
        }
        if let Some(digest) = self.digest {
            out.push('@');
            out.push_str(digest);
        }
        out
    }
}

/// What the runtime pulls, as `distribution/reference` prints it: the domain as
/// written, the tag dropped when a digest is present, `latest` added when neither is.
impl fmt::Display for Reference<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.domain.text, self.path)?;
        match (self.digest, self.tag) {
            (Some(digest), _) => write!(f, "@{digest}"),
            (None, tag) => write!(f, ":{}", tag.unwrap_or("latest")),
        }
    }
}

/// Why an image string is not a reference the policy can judge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// The empty string.
    Empty,
    /// 64 lowercase hex characters: an image ID, not a name.
    ImageId,
    /// The part before the first `/` is read as a registry but is not a valid host[:port].
    InvalidRegistry(String),
    /// A path component with upper-case letters.
    Uppercase,
    /// An empty path component (`a//b`, trailing `/`).
    EmptyComponent,
    /// A path component the grammar refuses.
    InvalidComponent(String),
    /// The repository path is longer than 255 characters.
    PathTooLong(usize),
    /// The tag is not `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
    InvalidTag(String),
    /// The digest is not `algorithm:hex`.
    InvalidDigest(String),
    /// The digest names an algorithm other than sha256, sha384, sha512.
    UnsupportedDigest(String),
    /// The digest's hex part has the wrong length or case for its algorithm.
    DigestLength(String),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Empty => f.write_str("the image name is empty"),
            ParseError::ImageId => {
                f.write_str("a 64-character hexadecimal string is an image ID, not a name")
            }
            ParseError::InvalidRegistry(r) => write!(
                f,
                "\"{}\" is read as the registry but is not a valid host[:port]",
                r.escape_debug()
            ),
            ParseError::Uppercase => f.write_str("the repository name must be lowercase"),
            ParseError::EmptyComponent => {
                f.write_str("the repository name has an empty path component")
            }
            ParseError::InvalidComponent(c) => write!(
                f,
                "invalid repository path component \"{}\" (lowercase letters, digits and single separators only)",
                c.escape_debug()
            ),
            ParseError::PathTooLong(n) => write!(
                f,
                "the repository name is {n} characters long, more than {}",
                grammar::PATH_MAX
            ),
            ParseError::InvalidTag(t) => write!(f, "invalid tag \"{}\"", t.escape_debug()),
            ParseError::InvalidDigest(d) => write!(f, "invalid digest \"{}\"", d.escape_debug()),
            ParseError::UnsupportedDigest(d) => write!(
                f,
                "unsupported digest algorithm in \"{}\" (sha256, sha384 or sha512)",
                d.escape_debug()
            ),
            ParseError::DigestLength(d) => write!(
                f,
                "digest \"{d}\" has the wrong length or case for its algorithm"
            ),
        }
    }
}

impl std::error::Error for ParseError {}
