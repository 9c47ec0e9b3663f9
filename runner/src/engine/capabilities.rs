//! Which host capabilities a policy may use: kwctl's
//! `--allowed-host-capabilities` patterns, with policy-evaluator's semantics.
//!
//! A capability is named `{namespace}/{operation}` as the guest's waPC host
//! call names it (`oci/v1/manifest_digest`, `kubernetes/can_i`). A pattern is
//! `*` (everything), an exact capability, or a prefix ending in `/*`
//! (`oci/*`, `oci/v1/*`). Patterns are checked against the capabilities
//! Kubewarden hosts know, so a typo is refused instead of silently granting
//! nothing. Logging (`tracing/log`) is not a capability and is never gated.

use std::fmt;

use anyhow::{bail, Result};

/// The capabilities Kubewarden hosts define, as `{namespace}/{operation}`.
pub const KNOWN: &[&str] = &[
    "oci/v1/verify",
    "oci/v1/manifest_digest",
    "oci/v1/oci_manifest",
    "oci/v1/oci_manifest_config",
    "oci/v2/verify",
    "net/v1/dns_lookup_host",
    "crypto/v1/is_certificate_trusted",
    "kubernetes/list_resources_by_namespace",
    "kubernetes/list_resources_all",
    "kubernetes/get_resource",
    "kubernetes/can_i",
];

/// The capabilities granted to a policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum AllowList {
    /// `*`: every capability (kwctl's default).
    #[default]
    All,
    /// Only what the patterns name.
    Patterns {
        /// Prefixes with their trailing `/`, from `oci/*`, `oci/v1/*`.
        prefixes: Vec<String>,
        /// Exact capabilities.
        exact: Vec<String>,
    },
}

impl AllowList {
    /// Parses kwctl's patterns; an invalid one fails the whole list. Like
    /// policy-evaluator, `*` grants everything and ends the parsing there.
    pub fn parse<S: AsRef<str>>(patterns: &[S]) -> Result<Self> {
        let mut prefixes = Vec::new();
        let mut exact = Vec::new();
        for pattern in patterns {
            let raw = pattern.as_ref();
            let pattern = raw.trim();
            if pattern.is_empty() {
                bail!("empty host capability pattern");
            }
            if pattern == "*" {
                return Ok(Self::All);
            }
            match pattern.find('*') {
                Some(at) => {
                    let prefix = &pattern[..at];
                    if at != pattern.len() - 1 || !prefix.ends_with('/') {
                        bail!(
                            "host capability pattern {raw:?}: a wildcard must be a whole last segment, as in 'oci/*'"
                        );
                    }
                    if !KNOWN.iter().any(|known| known.starts_with(prefix)) {
                        bail!(
                            "host capability pattern {raw:?} matches no known capability (known: {})",
                            KNOWN.join(", ")
                        );
                    }
                    prefixes.push(prefix.to_owned());
                }
                None => {
                    if !KNOWN.contains(&pattern) {
                        let hint = if KNOWN
                            .iter()
                            .any(|known| known.starts_with(&format!("{pattern}/")))
                        {
                            format!(" (did you mean '{pattern}/*'?)")
                        } else {
                            format!(" (known: {})", KNOWN.join(", "))
                        };
                        bail!("unknown host capability {raw:?}{hint}");
                    }
                    exact.push(pattern.to_owned());
                }
            }
        }
        Ok(Self::Patterns { prefixes, exact })
    }

    /// Whether `capability` (`{namespace}/{operation}`) is granted.
    pub fn allows(&self, capability: &str) -> bool {
        match self {
            Self::All => true,
            Self::Patterns { prefixes, exact } => {
                exact.iter().any(|e| e == capability)
                    || prefixes.iter().any(|p| capability.starts_with(p.as_str()))
            }
        }
    }
}

impl fmt::Display for AllowList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::All => write!(f, "[*]"),
            Self::Patterns { prefixes, exact } => {
                let items: Vec<String> = prefixes
                    .iter()
                    .map(|p| format!("{p}*"))
                    .chain(exact.iter().cloned())
                    .collect();
                write!(f, "[{}]", items.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::default_star(&["*"], "oci/v1/manifest_digest", true)]
    #[case::star_among_others(&["net/*", "*"], "kubernetes/can_i", true)]
    #[case::exact(&["oci/v1/manifest_digest"], "oci/v1/manifest_digest", true)]
    #[case::exact_other_version(&["oci/v1/verify"], "oci/v2/verify", false)]
    #[case::namespace_prefix(&["oci/*"], "oci/v1/manifest_digest", true)]
    #[case::namespace_prefix_v2(&["oci/*"], "oci/v2/verify", true)]
    #[case::namespace_prefix_other(&["oci/*"], "net/v1/dns_lookup_host", false)]
    #[case::version_prefix(&["oci/v1/*"], "oci/v1/manifest_digest", true)]
    #[case::version_prefix_other(&["oci/v2/*"], "oci/v1/manifest_digest", false)]
    #[case::only_network(&["net/*"], "oci/v1/manifest_digest", false)]
    #[case::several(&["net/v1/dns_lookup_host", "kubernetes/can_i"], "kubernetes/can_i", true)]
    #[case::padded(&[" oci/* "], "oci/v1/manifest_digest", true)]
    #[case::no_pattern(&[], "oci/v1/manifest_digest", false)]
    fn grants_what_the_patterns_name(
        #[case] patterns: &[&str],
        #[case] capability: &str,
        #[case] allowed: bool,
    ) {
        let list = AllowList::parse(patterns).expect("valid patterns");
        assert_eq!(list.allows(capability), allowed, "{list} / {capability}");
    }

    #[rstest]
    #[case::empty("", "empty host capability pattern")]
    #[case::glued_wildcard("oci*", "a wildcard must be a whole last segment")]
    #[case::partial_segment("oci/v1/oci_*", "a wildcard must be a whole last segment")]
    #[case::leading_wildcard("*/oci", "a wildcard must be a whole last segment")]
    #[case::unknown_namespace("registry/*", "matches no known capability")]
    #[case::unknown_version("oci/v9/*", "matches no known capability")]
    #[case::unknown_operation(
        "oci/v1/digest",
        "unknown host capability \"oci/v1/digest\" (known: "
    )]
    #[case::namespace_alone("oci", "(did you mean 'oci/*'?)")]
    #[case::version_alone("oci/v1", "(did you mean 'oci/v1/*'?)")]
    #[case::logging_is_no_capability("tracing/log", "unknown host capability")]
    fn refuses_patterns_kwctl_refuses(#[case] pattern: &str, #[case] message: &str) {
        let error = AllowList::parse(&[pattern]).expect_err("invalid pattern");
        assert!(error.to_string().contains(message), "{error}");
    }

    #[rstest]
    #[case::all(&["*"], "[*]")]
    #[case::mixed(&["oci/*", "kubernetes/can_i"], "[oci/*, kubernetes/can_i]")]
    #[case::none(&[], "[]")]
    fn prints_like_policy_evaluator(#[case] patterns: &[&str], #[case] shown: &str) {
        assert_eq!(AllowList::parse(patterns).unwrap().to_string(), shown);
    }
}
