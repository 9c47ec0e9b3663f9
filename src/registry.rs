//! The registry-matching rule: what a `registries.allow` / `registries.reject`
//! entry is, and which image references it covers.
//!
//! ```text
//! entry := [ "*." ] host [ ":" port ] [ "/" path ]
//! ```
//!
//! - `registry.corp.example` covers that host on any port.
//! - `localhost:5000` covers that port only.
//! - `[fd00::1]:5000` compares IPv6 addresses, not spellings.
//! - `ghcr.io/acme` covers repositories under `acme/`, whole components only.
//! - `*.mirror.corp.example` covers any subdomain, never the bare domain.
//! - `registry-?.corp.example`, `registry-*.corp.example`: `?` and `*` inside a
//!   label match within that label only (never `.`, `:` or `/`), so no pattern
//!   reaches another domain. Wildcards alone (`*`, `*.*`) are refused, and an
//!   allow list's wildcard must leave the registrable domain and a cloud
//!   registry's customer label written out ([`crate::allow_wildcards`]).
//! - `docker.io`, `index.docker.io` and `registry-1.docker.io` are one registry,
//!   for wildcards too: `*.docker.io` covers `busybox`.
//!
//! Hosts compare case-insensitively and label by label; paths component by
//! component. No raw string prefix is ever compared.

use std::net::Ipv6Addr;

use crate::allow_wildcards;
use crate::bytes;
use crate::glob::{self, Glob};
use crate::reference::grammar::{self, ComponentError};
use crate::reference::{same_port, Host, Reference, DOCKER_HUB, DOCKER_HUB_ALIASES};

/// A parsed registry entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryPattern<'a> {
    /// The entry as written.
    entry: &'a str,
    /// The `[*.]host[:port]` part as written.
    domain: &'a str,
    /// The same part, read.
    registry: DomainPattern<'a>,
    path: Option<&'a str>,
}

/// The `[*.]host[:port]` part of an entry (or of an images glob's registry),
/// read as the runtime reads a registry: case, port number, IPv6 address and
/// Docker Hub's spellings do not matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainPattern<'a> {
    host: HostPattern<'a>,
    port: Option<&'a str>,
}

/// Which hosts an entry covers.
#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern<'a> {
    /// Exactly this host.
    Exact(Host<'a>),
    /// Hosts whose labels match these label globs one for one, or, with
    /// `subdomains`, hosts with more labels whose last ones match them.
    Labels {
        /// The entry began with `*.`: proper subdomains only.
        subdomains: bool,
        /// Dot-separated labels, each a literal or a glob within the label.
        labels: &'a str,
    },
}

/// One host label against a label glob: case-insensitive, wildcards inside the label.
const LABEL_GLOB: Glob = Glob {
    one_never: b".:/",
    ignore_case: true,
};

impl<'a> RegistryPattern<'a> {
    /// Parses an entry, or says what is wrong with it.
    pub fn parse(entry: &'a str) -> Result<Self, String> {
        Self::parse_after(entry, None)
    }

    /// Parses an entry; when `last` (the entry parsed before it) names the
    /// same `[*.]host[:port]`, its reading is reused: per-team prefixes on one
    /// host repeat it in every entry, and a request compiles each kept one.
    pub fn parse_after(entry: &'a str, last: Option<&RegistryPattern<'a>>) -> Result<Self, String> {
        if entry.is_empty() {
            return Err("empty entry".into());
        }
        // A byte search for `:` (`split_once("://")` sets up a substring
        // searcher per entry, `windows(3)` compares three bytes at each one).
        let b = entry.as_bytes();
        let scheme = (0..b.len()).find(|&i| b[i] == b':' && b.get(i + 1..i + 3) == Some(b"//"));
        if let Some(at) = scheme {
            return Err(format!(
                "not a registry: remove the \"{}://\" scheme, entries are host[:port][/path]",
                entry.get(..at).unwrap_or_default()
            ));
        }
        let (domain, path) = match bytes::split_once(entry, b'/') {
            Some((d, p)) => (d, Some(p)),
            None => (entry, None),
        };
        if path.is_some_and(glob::is_glob) {
            return Err(
                "a wildcard in a registry entry stays inside host labels; for repositories use images.allow or images.reject, like ghcr.io/acme/*"
                    .into(),
            );
        }
        let registry = match last {
            Some(last) if bytes::same(last.domain.as_bytes(), domain.as_bytes()) => {
                last.registry.clone()
            }
            _ => DomainPattern::parse(domain)?,
        };
        if let Some(path) = path {
            if path.bytes().any(|c| c == b':' || c == b'@') {
                return Err("a registry entry has no tag or digest; use images.allow or images.reject for single images".into());
            }
            for component in grammar::parts(path, b'/') {
                grammar::check_component(component).map_err(|e| match e {
                    ComponentError::Empty => "empty path component".to_owned(),
                    ComponentError::Uppercase => "the path must be lowercase".to_owned(),
                    ComponentError::Invalid => {
                        format!("invalid path component \"{component}\"")
                    }
                })?;
            }
        }
        Ok(RegistryPattern {
            entry,
            domain,
            registry,
            path,
        })
    }

    /// Refuses a wildcard that reaches a registry the admin did not write out
    /// (see [`allow_wildcards`]): for entries of an allow list.
    pub fn check_allow(&self) -> Result<(), String> {
        self.registry.check_allow()
    }

    /// True when the image's registry (and path, if the entry has one) is covered.
    pub fn matches(&self, image: &Reference<'_>) -> bool {
        // The path first, a word at a time: per-team prefixes on one host
        // mostly differ from an image in their path alone.
        self.path
            .is_none_or(|prefix| bytes::is_path_prefix(prefix.as_bytes(), image.path.as_bytes()))
            && self
                .registry
                .covers_any_port(&image.domain.host, image.domain.port)
    }

    /// The `[*.]host[:port]` part as written.
    pub fn domain(&self) -> &'a str {
        self.domain
    }

    /// The path prefix, if any.
    pub fn path(&self) -> Option<&'a str> {
        self.path
    }

    /// The one host an exact entry names; `None` for a wildcard.
    pub fn exact_host(&self) -> Option<Host<'a>> {
        match self.registry.host {
            HostPattern::Exact(host) => Some(host),
            HostPattern::Labels { .. } => None,
        }
    }

    /// True for an entry naming one host (no `*.`).
    pub fn is_exact_host(&self) -> bool {
        matches!(self.registry.host, HostPattern::Exact(_))
    }

    /// How specific the entry is: more path components, then an exact host, then a port.
    pub fn specificity(&self) -> (usize, bool, bool) {
        let components = self.path.map_or(0, |p| p.split('/').count());
        (
            components,
            self.is_exact_host(),
            self.registry.port.is_some(),
        )
    }

    /// The image path without this entry's path components (the entry must match).
    pub fn strip_prefix<'i>(&self, image_path: &'i str) -> &'i str {
        let n = self.path.map_or(0, |p| p.split('/').count());
        if n == 0 {
            return image_path;
        }
        image_path.splitn(n + 1, '/').nth(n).unwrap_or("")
    }

    /// Same entry in other words: same hosts, port and path.
    pub fn same_as(&self, other: &RegistryPattern<'_>) -> bool {
        self.registry.same_as(&other.registry) && self.path == other.path
    }

    /// The entry as written.
    pub fn text(&self) -> &'a str {
        self.entry
    }

    /// True when every image under `location` (an exact entry) matches this
    /// entry: it covers the host and the port, and its path is a prefix.
    pub fn covers(&self, location: &RegistryPattern<'_>) -> bool {
        let HostPattern::Exact(host) = &location.registry.host else {
            return false;
        };
        let port_ok =
            self.registry.port.is_none() || same_port(self.registry.port, location.registry.port);
        let path_ok = match (self.path, location.path) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(a), Some(b)) => {
                let mut under = grammar::parts(b, b'/');
                grammar::parts(a, b'/').all(|want| under.next() == Some(want))
            }
        };
        self.registry.covers_host(host) && port_ok && path_ok
    }

    /// True when some image under `location` (an exact entry: its host, its port
    /// or none, paths below its path) would match this entry.
    pub fn overlaps(&self, location: &RegistryPattern<'_>) -> bool {
        let HostPattern::Exact(host) = &location.registry.host else {
            return false;
        };
        let paths_nest = match (self.path, location.path) {
            (Some(a), Some(b)) => a.split('/').zip(b.split('/')).all(|(x, y)| x == y),
            _ => true,
        };
        self.registry.covers_any_port(host, location.registry.port) && paths_nest
    }
}

impl<'a> DomainPattern<'a> {
    /// Reads `[*.]host[:port]` of a registry entry, or says what is wrong
    /// with it: wildcards alone (`*`, `*.*`) are refused.
    pub fn parse(domain: &'a str) -> Result<Self, String> {
        let pattern = Self::read(domain)?;
        match pattern.host {
            HostPattern::Labels { labels, .. } if labels.split('.').all(glob::is_all_wildcards) => Err(
                "wildcards alone would admit every registry: name at least one label, like *.corp.example or registry-*.corp.example"
                    .into(),
            ),
            _ => Ok(pattern),
        }
    }

    /// Reads `[*.]host[:port]`, wildcards alone included (an images reject
    /// glob may stand for every registry), or says what is wrong with it.
    pub fn read(domain: &'a str) -> Result<Self, String> {
        let (wildcard, domain) = match domain.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, domain),
        };
        let (host, port) = if glob::is_glob(domain) {
            parse_glob_host_port(domain)?
        } else {
            parse_host_port(domain)?
        };
        let host = match (wildcard, host) {
            (false, Host::Name(name)) if glob::is_glob(name) => HostPattern::Labels {
                subdomains: false,
                labels: name,
            },
            (false, host) => HostPattern::Exact(host),
            (true, Host::Name(name)) => HostPattern::Labels {
                subdomains: true,
                labels: name,
            },
            (true, Host::Ipv6(..)) => {
                return Err("a wildcard applies to domain names, not IPv6 addresses".into())
            }
        };
        Ok(DomainPattern { host, port })
    }

    /// Refuses a wildcard host that reaches a registry the admin did not write
    /// out: for entries of an allow list (see [`allow_wildcards`]).
    pub fn check_allow(&self) -> Result<(), String> {
        match self.host {
            HostPattern::Exact(_) => Ok(()),
            HostPattern::Labels { subdomains, labels } => {
                allow_wildcards::check(subdomains, labels)
            }
        }
    }

    /// True when the host is covered, and the port too if the entry names one
    /// (a registry entry without a port covers every port).
    pub fn covers_any_port(&self, host: &Host<'_>, port: Option<&str>) -> bool {
        self.covers_host(host) && (self.port.is_none() || same_port(self.port, port))
    }

    /// True when the host and the port are covered, no port matching only no port
    /// (as an exact images entry compares its registry).
    pub fn covers(&self, host: &Host<'_>, port: Option<&str>) -> bool {
        self.covers_host(host) && same_port(self.port, port)
    }

    /// True when the entry's host covers this one: a wildcard covers a Docker
    /// Hub image when it covers any of Docker Hub's spellings.
    fn covers_host(&self, host: &Host<'_>) -> bool {
        match &self.host {
            HostPattern::Exact(own) => own.same_as(host),
            HostPattern::Labels { subdomains, labels } if host.is_docker_hub() => {
                DOCKER_HUB_ALIASES
                    .iter()
                    .any(|alias| labels_match(&Host::Name(alias), labels, *subdomains))
            }
            HostPattern::Labels { subdomains, labels } => labels_match(host, labels, *subdomains),
        }
    }

    /// The canonical text of what it covers: lower case, Docker Hub as
    /// `docker.io`, IPv6 as an address, port without leading zeros.
    pub fn canonical_text(&self) -> String {
        let mut out = match self.host {
            HostPattern::Exact(host) if host.is_docker_hub() => DOCKER_HUB.to_owned(),
            HostPattern::Exact(Host::Name(name)) => name.to_ascii_lowercase(),
            HostPattern::Exact(Host::Ipv6(Some(addr), _)) => ["[", &addr.to_string(), "]"].concat(),
            HostPattern::Exact(Host::Ipv6(None, text)) => text.to_ascii_lowercase(),
            HostPattern::Labels { subdomains, labels } => {
                [if subdomains { "*." } else { "" }, labels]
                    .concat()
                    .to_ascii_lowercase()
            }
        };
        if let Some(port) = self.port {
            out.push(':');
            out.push_str(port.trim_start_matches('0'));
        }
        out
    }

    /// Same hosts and port in other words.
    fn same_as(&self, other: &DomainPattern<'_>) -> bool {
        let host_same = match (&self.host, &other.host) {
            (HostPattern::Exact(a), HostPattern::Exact(b)) => a.same_as(b),
            (
                HostPattern::Labels {
                    subdomains: a_sub,
                    labels: a,
                },
                HostPattern::Labels {
                    subdomains: b_sub,
                    labels: b,
                },
            ) => a_sub == b_sub && a.eq_ignore_ascii_case(b),
            _ => false,
        };
        host_same && same_port(self.port, other.port)
    }
}

/// `host[:port]` of an entry: a domain name or a bracketed IPv6 address, and a
/// port from 1 to 65535.
fn parse_host_port(domain: &str) -> Result<(Host<'_>, Option<&str>), String> {
    let (host, port) = if let Some(rest) = domain.strip_prefix('[') {
        let (inner, after) = rest
            .split_once(']')
            .ok_or("an IPv6 address needs its closing \"]\"")?;
        let addr = inner
            .parse::<Ipv6Addr>()
            .map_err(|_| format!("\"{inner}\" is not an IPv6 address"))?;
        let port = match after {
            "" => None,
            p => Some(
                p.strip_prefix(':')
                    .ok_or("unexpected text after the IPv6 address")?,
            ),
        };
        (Host::Ipv6(Some(addr), inner), port)
    } else {
        let (name, port) = match domain.split_once(':') {
            Some((n, p)) => (n, Some(p)),
            None => (domain, None),
        };
        if !grammar::is_domain_name(name) {
            return Err(format!(
                "\"{name}\" is not a valid host name (letters, digits, inner hyphens, dot-separated labels)"
            ));
        }
        (Host::Name(name), port)
    };
    check_port(port)?;
    Ok((host, port))
}

/// A port, when given, is a number from 1 to 65535.
fn check_port(port: Option<&str>) -> Result<(), String> {
    match port {
        Some(p) if !(grammar::is_port(p) && p.parse::<u16>().is_ok_and(|n| n > 0)) => {
            Err(format!("\"{p}\" is not a port number (1-65535)"))
        }
        _ => Ok(()),
    }
}

/// True when the host's labels match the label globs one for one, or (with
/// `subdomains`) when its last labels do and at least one label comes before them.
fn labels_match(host: &Host<'_>, labels: &str, subdomains: bool) -> bool {
    let mut host_labels = host.labels().rev();
    let all_match = labels.rsplit('.').all(|want| {
        host_labels
            .next()
            .is_some_and(|l| LABEL_GLOB.matches(want.as_bytes(), l.as_bytes()))
    });
    all_match && (host_labels.next().is_some() == subdomains)
}

/// `host[:port]` of an entry whose host has wildcards inside its labels. Each
/// label must be able to match a real label, and at least one must name something.
fn parse_glob_host_port(domain: &str) -> Result<(Host<'_>, Option<&str>), String> {
    let (name, port) = match domain.split_once(':') {
        Some((n, p)) => (n, Some(p)),
        None => (domain, None),
    };
    if port.is_some_and(glob::is_glob) {
        return Err("a wildcard in a registry entry stays inside host labels, not the port".into());
    }
    for label in name.split('.') {
        if label.is_empty() {
            return Err(format!("\"{name}\" has an empty label"));
        }
        if let Some(c) = glob::bad_char(label, b"-") {
            return Err(format!(
                "{c:?} never appears in a host name, so this entry matches nothing"
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!(
                "label \"{label}\" starts or ends with \"-\", which no host name does, so this entry matches nothing"
            ));
        }
    }
    check_port(port)?;
    Ok((Host::Name(name), port))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::candidates::{Candidates, Shape};
    use crate::reference::parse;
    use rstest::rstest;

    #[rstest]
    // Host entries: whole labels, any port, case-insensitive.
    #[case::host_exact("registry.corp.example", "registry.corp.example/app:1", true)]
    #[case::host_any_port("registry.corp.example", "registry.corp.example:5000/app", true)]
    #[case::host_case("registry.corp.example", "REGISTRY.Corp.Example/app", true)]
    #[case::host_suffix_lookalike("docker.io", "docker.io.evil.example/x", false)]
    #[case::host_glued_lookalike("docker.io", "docker.ioevil.com/x", false)]
    #[case::host_prefix_lookalike("ghcr.io", "xghcr.io/x", false)]
    #[case::host_hyphen_lookalike("ghcr.io", "ghcr.io-evil.com/x", false)]
    #[case::host_in_path("ghcr.io", "evil.com/ghcr.io/x", false)]
    // Docker Hub: every spelling, short names included.
    #[case::hub_short_name("docker.io", "busybox", true)]
    #[case::hub_user_repo("docker.io", "bitnami/redis:7", true)]
    #[case::hub_legacy("docker.io", "index.docker.io/library/busybox", true)]
    #[case::hub_registry_1("docker.io", "registry-1.docker.io/library/busybox", true)]
    #[case::hub_entry_alias("index.docker.io", "nginx:1.27", true)]
    #[case::hub_uppercase_image("docker.io", "DOCKER.IO/library/busybox", true)]
    #[case::hub_not_quay("docker.io", "quay.io/x", false)]
    #[case::hub_entry_not_ghcr("docker.io", "ghcr.io/x", false)]
    // Ports.
    #[case::port_match("localhost:5000", "localhost:5000/app", true)]
    #[case::port_leading_zero("localhost:5000", "localhost:05000/app", true)]
    #[case::port_other("localhost:5000", "localhost:5001/app", false)]
    #[case::port_missing("localhost:5000", "localhost/app", false)]
    #[case::localhost_alone_is_hub("localhost:5000", "localhost", false)]
    // IPv6 compared as addresses.
    #[case::ipv6_same("[fd00::1]:5000", "[fd00::1]:5000/app", true)]
    #[case::ipv6_expanded("[::1]", "[0:0:0:0:0:0:0:1]/x", true)]
    #[case::ipv6_other("[fd00::1]:5000", "[fd00::2]:5000/app", false)]
    #[case::ipv6_port_differs("[fd00::1]:5000", "[fd00::1]:6000/app", false)]
    // Path prefixes: whole components.
    #[case::path_direct("ghcr.io/acme", "ghcr.io/acme/app:1", true)]
    #[case::path_nested("ghcr.io/acme", "ghcr.io/acme/team/app:1", true)]
    #[case::path_lookalike("ghcr.io/acme", "ghcr.io/acme-evil/app", false)]
    #[case::path_is_repo("ghcr.io/acme", "ghcr.io/acme", true)]
    #[case::path_other_host("ghcr.io/acme", "gcr.io/acme/app", false)]
    #[case::path_hub_library("docker.io/library", "nginx", true)]
    #[case::path_hub_library_not_user("docker.io/library", "bitnami/redis", false)]
    #[case::path_hub_user("docker.io/bitnami", "bitnami/redis", true)]
    // Wildcards: proper subdomains only.
    #[case::wildcard_sub("*.mirror.corp.example", "eu.mirror.corp.example/x", true)]
    #[case::wildcard_deep("*.mirror.corp.example", "a.b.mirror.corp.example/x", true)]
    #[case::wildcard_not_bare("*.mirror.corp.example", "mirror.corp.example/x", false)]
    #[case::wildcard_glued("*.mirror.corp.example", "evilmirror.corp.example/x", false)]
    #[case::wildcard_suffix_lookalike(
        "*.mirror.corp.example",
        "eu.mirror.corp.example.evil.io/x",
        false
    )]
    #[case::wildcard_case("*.mirror.corp.example", "EU.Mirror.corp.example/x", true)]
    #[case::wildcard_not_ipv6("*.mirror.corp.example", "[::1]/x", false)]
    // Wildcards inside labels stay inside the label.
    #[case::label_one("registry-?.corp.example", "registry-1.corp.example/app", true)]
    #[case::label_one_not_two("registry-?.corp.example", "registry-12.corp.example/app", false)]
    #[case::label_one_never_dot("docker?io", "docker.io/x", false)]
    #[case::label_star("registry-*.corp.example", "registry-eu-1.corp.example/app", true)]
    #[case::label_star_not_other_label(
        "registry-*.corp.example",
        "registry-eu.evil.corp.example/app",
        false
    )]
    #[case::label_star_not_other_domain(
        "registry-*.corp.example",
        "registry-x.corp.example.evil.io/app",
        false
    )]
    #[case::label_star_case("registry-*.corp.example", "REGISTRY-EU.corp.example/app", true)]
    #[case::label_last("docker.*", "docker.io/library/nginx", true)]
    // Docker Hub is one registry for wildcards too.
    #[case::label_last_hub_registry_1("docker.*", "registry-1.docker.io/library/busybox", true)]
    #[case::label_last_hub_legacy("docker.*", "index.docker.io/library/busybox", true)]
    #[case::label_one_hub_registry_1("docker.i?", "registry-1.docker.io/library/busybox", true)]
    #[case::hub_subdomains_short_name("*.docker.io", "busybox", true)]
    #[case::hub_subdomains_canonical("*.docker.io", "docker.io/library/busybox", true)]
    #[case::hub_subdomains_legacy("*.docker.io", "index.docker.io/library/busybox", true)]
    #[case::hub_subdomains_not_quay("*.docker.io", "quay.io/busybox", false)]
    #[case::label_last_hub_short_name("docker.*", "busybox", true)]
    #[case::label_last_not_deeper("docker.*", "docker.io.evil.example/x", false)]
    #[case::label_last_not_subdomain("docker.*", "evil.docker.io/x", false)]
    #[case::label_star_start("*-mirror.corp.example", "eu-mirror.corp.example/x", true)]
    #[case::label_star_start_bare("*-mirror.corp.example", "mirror.corp.example/x", false)]
    #[case::label_with_port("registry-?.corp.example:5000", "registry-2.corp.example:5000/x", true)]
    #[case::label_with_port_other(
        "registry-?.corp.example:5000",
        "registry-2.corp.example:5001/x",
        false
    )]
    #[case::label_with_path(
        "registry-?.corp.example/team",
        "registry-2.corp.example/team/app",
        true
    )]
    #[case::label_with_path_other(
        "registry-?.corp.example/team",
        "registry-2.corp.example/other/app",
        false
    )]
    #[case::subdomains_of_glob("*.registry-?.corp.example", "eu.registry-1.corp.example/x", true)]
    #[case::subdomains_of_glob_not_bare(
        "*.registry-?.corp.example",
        "registry-1.corp.example/x",
        false
    )]
    fn matches(#[case] entry: &str, #[case] image: &str, #[case] expected: bool) {
        let pattern = RegistryPattern::parse(entry).expect("valid entry");
        let image = parse(image).expect("valid image");
        assert_eq!(pattern.matches(&image), expected);
        // The first look before parsing never drops an entry that matches.
        if expected {
            let images = [image];
            let first_look = Candidates::new(&images, None);
            assert!(
                first_look.may_match(entry.as_bytes(), Shape::of(entry.as_bytes())),
                "the first look dropped a match"
            );
        }
    }

    #[rstest]
    #[case::empty("", "empty entry")]
    #[case::scheme("https://ghcr.io", "remove the \"https://\" scheme")]
    #[case::scheme_after_colon("a:b:https://ghcr.io", "remove the \"a:b:https://\" scheme")]
    #[case::scheme_at_end("ghcr.io://", "remove the \"ghcr.io://\" scheme")]
    #[case::trailing_slash("docker.io/", "empty path component")]
    #[case::uppercase_path("ghcr.io/Acme", "the path must be lowercase")]
    #[case::bad_component("ghcr.io/acme_", "invalid path component \"acme_\"")]
    #[case::tag("ghcr.io/acme/app:1.0", "no tag or digest")]
    #[case::digest("ghcr.io/acme/app@sha256:abc", "no tag or digest")]
    #[case::wildcard_alone("*", "wildcards alone would admit every registry")]
    #[case::wildcard_one("?", "wildcards alone would admit every registry")]
    #[case::wildcard_every_subdomain("*.*", "wildcards alone would admit every registry")]
    #[case::wildcard_two_labels("*.?*", "wildcards alone would admit every registry")]
    #[case::wildcard_path("ghcr.io/*", "stays inside host labels")]
    #[case::wildcard_path_one("ghcr.io/acm?", "stays inside host labels")]
    #[case::wildcard_port("localhost:50*", "not the port")]
    #[case::label_glob_underscore("registry_?.corp.example", "'_' never appears in a host name")]
    #[case::label_glob_leading_dash("-*.corp.example", "starts or ends with \"-\"")]
    #[case::label_glob_trailing_dash("registry-*-.corp.example", "starts or ends with \"-\"")]
    #[case::label_glob_empty_label("registry-*..example", "has an empty label")]
    #[case::label_glob_bad_port("registry-*.example:0", "\"0\" is not a port number")]
    #[case::wildcard_ipv6("*.[::1]", "not IPv6 addresses")]
    #[case::underscore_host("my_registry.com", "\"my_registry.com\" is not a valid host name")]
    #[case::trailing_dot("docker.io.", "is not a valid host name")]
    #[case::bad_port("localhost:http", "\"http\" is not a port number")]
    #[case::port_zero("localhost:0", "\"0\" is not a port number")]
    #[case::port_too_big("localhost:65536", "\"65536\" is not a port number")]
    #[case::bad_ipv6("[fd00::g]", "\"fd00::g\" is not an IPv6 address")]
    #[case::unclosed_ipv6("[fd00::1", "closing")]
    #[case::space("ghcr.io ", "is not a valid host name")]
    fn refuses(#[case] entry: &str, #[case] message: &str) {
        let err = RegistryPattern::parse(entry).expect_err("invalid entry");
        assert!(
            err.contains(message),
            "{err:?} does not contain {message:?}"
        );
    }

    /// An entry read after another on the same `[*.]host[:port]` matches what
    /// it matches when read alone.
    #[rstest]
    #[case::same_host(
        "registry.corp.example/team-1",
        "registry.corp.example/team-2",
        "registry.corp.example/team-2/app:1",
        true
    )]
    #[case::same_host_other_team(
        "registry.corp.example/team-1",
        "registry.corp.example/team-2",
        "registry.corp.example/team-1/app:1",
        false
    )]
    #[case::other_port(
        "registry.corp.example/team-1",
        "registry.corp.example:5000/team-1",
        "registry.corp.example/team-1/app:1",
        false
    )]
    #[case::port_then_none(
        "registry.corp.example:5000/team-1",
        "registry.corp.example/team-1",
        "registry.corp.example:5000/team-1/app:1",
        true
    )]
    #[case::wildcard_then_host(
        "*.corp.example/team-1",
        "corp.example/team-1",
        "eu.corp.example/team-1/app:1",
        false
    )]
    fn read_after_another(
        #[case] first: &str,
        #[case] second: &str,
        #[case] image: &str,
        #[case] expected: bool,
    ) {
        let first = RegistryPattern::parse(first).expect("valid entry");
        let after = RegistryPattern::parse_after(second, Some(&first)).expect("valid entry");
        let alone = RegistryPattern::parse(second).expect("valid entry");
        let image = parse(image).expect("valid image");
        assert_eq!(after.matches(&image), expected);
        assert_eq!(alone.matches(&image), expected);
        assert_eq!(after, alone);
    }

    #[test]
    fn an_invalid_entry_after_a_valid_one_is_refused() {
        let first = RegistryPattern::parse("ghcr.io/acme").expect("valid entry");
        let err = RegistryPattern::parse_after("ghcr.io/Acme", Some(&first)).expect_err("invalid");
        assert_eq!(err, "the path must be lowercase");
        let err = RegistryPattern::parse_after("ghcr.io:0/x", Some(&first)).expect_err("invalid");
        assert_eq!(err, "\"0\" is not a port number (1-65535)");
    }
}
