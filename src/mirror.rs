//! `mirrors`: rewriting image registries to trusted pull-through caches.
//!
//! ```yaml
//! mirrors:
//!   - from: docker.io                     # any registries entry form
//!     to: harbor.corp.example/dockerhub   # host[:port][/path prefix]
//! ```
//!
//! The most specific matching `from` wins (more path components, then an exact
//! host over a wildcard, then a port). The rest of the reference is kept:
//! `nginx:1.27` becomes `harbor.corp.example/dockerhub/library/nginx:1.27`. The
//! rewritten string is then read by the same parser as every other image, so what
//! is judged is exactly what the node will pull.

use crate::json::Text;
use crate::json_reader::{field, once, Reader};
use crate::reference::{Host, Reference};
use crate::registry::RegistryPattern;

/// One `mirrors` entry as written.
#[derive(Debug)]
pub struct RawMirror<'a> {
    /// Which images to rewrite (a registries entry).
    pub from: Text<'a>,
    /// Where to pull them from instead: host[:port][/path].
    pub to: Text<'a>,
}

impl<'a> RawMirror<'a> {
    /// Reads the `mirrors` list at the cursor: maps with exactly `from` and `to`.
    pub fn read_list(r: &mut Reader<'a>) -> Result<Vec<RawMirror<'a>>, String> {
        const KEYS: [&str; 2] = ["from", "to"];
        let mut mirrors = Vec::new();
        let mut elements = r.array("a sequence")?;
        while elements.next(r)? {
            let mut fields: [Option<Text>; 2] = [None, None];
            let mut seen = [false; 2];
            let mut members = r.object("a map with `from` and `to`")?;
            while let Some(key) = members.next_key(r)? {
                let i = field(&key, &KEYS)?;
                once(&mut seen, i, &KEYS)?;
                fields[i] = Some(Text(r.string("a string")?));
            }
            match fields {
                [Some(from), Some(to)] => mirrors.push(RawMirror { from, to }),
                [None, _] => return Err("missing field `from`".into()),
                [_, None] => return Err("missing field `to`".into()),
            }
        }
        Ok(mirrors)
    }
}

/// The checked mirror entries.
#[derive(Debug, Default)]
pub struct Mirrors<'a> {
    entries: Vec<(RegistryPattern<'a>, RegistryPattern<'a>)>,
}

impl<'a> Mirrors<'a> {
    /// Checks every entry, recording `mirrors[i].field "entry": why` for each problem.
    pub fn compile(raw: &'a [RawMirror<'a>], errors: &mut Vec<String>) -> Mirrors<'a> {
        let mut entries = Vec::with_capacity(raw.len());
        for (i, m) in raw.iter().enumerate() {
            let from = RegistryPattern::parse(&m.from).map_err(|why| {
                errors.push(format!(
                    "mirrors[{i}].from \"{}\": {why}",
                    m.from.escape_debug()
                ))
            });
            let to = RegistryPattern::parse(&m.to)
                .and_then(|to| {
                    if to.is_exact_host() {
                        Ok(to)
                    } else {
                        Err("a mirror target names one registry, without a wildcard".into())
                    }
                })
                .map_err(|why| {
                    errors.push(format!(
                        "mirrors[{i}].to \"{}\": {why}",
                        m.to.escape_debug()
                    ))
                });
            if let (Ok(from), Ok(to)) = (from, to) {
                entries.push((i, from, to));
            }
        }
        for (n, (i, from, _)) in entries.iter().enumerate() {
            if let Some((j, _, _)) = entries[..n]
                .iter()
                .find(|(_, other, _)| other.same_as(from))
            {
                errors.push(format!(
                    "mirrors[{i}].from \"{}\": the same registry as mirrors[{j}].from",
                    raw[*i].from.escape_debug()
                ));
            }
        }
        for (i, _, to) in &entries {
            if let Some((j, _, _)) = entries.iter().find(|(_, from, _)| from.overlaps(to)) {
                errors.push(format!(
                    "mirrors[{i}].to \"{}\": images rewritten there would be rewritten again by mirrors[{j}].from \"{}\"",
                    raw[*i].to.escape_debug(),
                    raw[*j].from.escape_debug()
                ));
            }
        }
        Mirrors {
            entries: entries
                .into_iter()
                .map(|(_, from, to)| (from, to))
                .collect(),
        }
    }

    /// The hosts images are rewritten to.
    pub fn target_hosts(&self) -> impl Iterator<Item = Host<'a>> + '_ {
        self.entries.iter().filter_map(|(_, to)| to.exact_host())
    }

    /// True when no mirror is configured.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The image string the node should pull instead, or `None` when no mirror applies.
    /// The tag and digest are kept as written.
    pub fn rewrite(&self, image: &Reference<'_>) -> Option<String> {
        let (from, to) = self
            .entries
            .iter()
            .filter(|(from, _)| from.matches(image))
            .max_by_key(|(from, _)| from.specificity())?;
        let rest = from.strip_prefix(&image.path);
        let mut out = String::with_capacity(to.domain().len() + image.path.len() + 80);
        out.push_str(to.domain());
        for part in [to.path().unwrap_or(""), rest] {
            if !part.is_empty() {
                out.push('/');
                out.push_str(part);
            }
        }
        if let Some(tag) = image.tag {
            out.push(':');
            out.push_str(tag);
        }
        if let Some(digest) = image.digest {
            out.push('@');
            out.push_str(digest);
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::parse;
    use rstest::rstest;
    use serde_json::json;

    use crate::test_support::D;

    fn with_mirrors<T>(
        mirrors: serde_json::Value,
        f: impl FnOnce(Result<Mirrors, String>) -> T,
    ) -> T {
        let text = mirrors.to_string();
        let raw = RawMirror::read_list(&mut Reader::new(text.as_bytes())).expect("json");
        let mut errors = Vec::new();
        let compiled = Mirrors::compile(&raw, &mut errors);
        f(if errors.is_empty() {
            Ok(compiled)
        } else {
            Err(errors.join("; "))
        })
    }

    fn standard() -> serde_json::Value {
        json!([
            {"from": "docker.io", "to": "harbor.corp.example/dockerhub"},
            {"from": "ghcr.io/acme", "to": "registry.corp.example/acme"},
            {"from": "ghcr.io", "to": "registry.corp.example/ghcr"},
            {"from": "*.quay.io", "to": "registry.corp.example/quay-mirrors"},
            {"from": "localhost:5000", "to": "[fd00::1]:5000"},
            {"from": "[fd00::2]", "to": "registry.corp.example:8443/v6"},
        ])
    }

    #[rstest]
    #[case::hub_short_name("nginx:1.27", Some("harbor.corp.example/dockerhub/library/nginx:1.27".to_owned()))]
    #[case::hub_user_repo("bitnami/redis", Some("harbor.corp.example/dockerhub/bitnami/redis".to_owned()))]
    #[case::hub_legacy_name(
        "index.docker.io/library/nginx:1",
        Some("harbor.corp.example/dockerhub/library/nginx:1".to_owned())
    )]
    #[case::path_beats_host(&format!("ghcr.io/acme/team/app@{D}"), Some(format!("registry.corp.example/acme/team/app@{D}")))]
    #[case::host_when_path_differs(
        "ghcr.io/other/app:2",
        Some("registry.corp.example/ghcr/other/app:2".to_owned())
    )]
    #[case::tag_and_digest_kept(&format!("ghcr.io/acme/app:1.0@{D}"), Some(format!("registry.corp.example/acme/app:1.0@{D}")))]
    #[case::wildcard(
        "eu.quay.io/org/app:3",
        Some("registry.corp.example/quay-mirrors/org/app:3".to_owned())
    )]
    #[case::port_to_ipv6("localhost:5000/app:1", Some("[fd00::1]:5000/app:1".to_owned()))]
    #[case::ipv6_to_port("[fd00:0::2]:5000/app", Some("registry.corp.example:8443/v6/app".to_owned()))]
    #[case::no_mirror("quay.io/org/app:1", None)]
    #[case::lookalike_not_rewritten("docker.io.evil.example/x", None)]
    fn rewrites(#[case] image: &str, #[case] expected: Option<String>) {
        let image = parse(image).expect("valid image");
        let got = with_mirrors(standard(), |m| m.expect("valid mirrors").rewrite(&image));
        assert_eq!(got, expected);
    }

    #[rstest]
    #[case::wildcard_target(json!([{"from": "docker.io", "to": "*.corp.example"}]), "mirrors[0].to \"*.corp.example\": a mirror target names one registry, without a wildcard")]
    #[case::bad_from(json!([{"from": "docker.io/", "to": "harbor.corp.example"}]), "mirrors[0].from \"docker.io/\": empty path component")]
    #[case::duplicate_from(json!([{"from": "docker.io", "to": "a.example"}, {"from": "index.docker.io", "to": "b.example"}]), "mirrors[1].from \"index.docker.io\": the same registry as mirrors[0].from")]
    #[case::chained(json!([{"from": "docker.io", "to": "harbor.corp.example/hub"}, {"from": "harbor.corp.example", "to": "other.example"}]), "mirrors[0].to \"harbor.corp.example/hub\": images rewritten there would be rewritten again by mirrors[1].from \"harbor.corp.example\"")]
    #[case::self_loop(json!([{"from": "ghcr.io", "to": "ghcr.io/mirror"}]), "mirrors[0].to \"ghcr.io/mirror\": images rewritten there would be rewritten again by mirrors[0].from \"ghcr.io\"")]
    #[case::chained_deeper_path(json!([{"from": "docker.io", "to": "harbor.corp.example/hub"}, {"from": "harbor.corp.example/hub/library", "to": "other.example"}]), "would be rewritten again by mirrors[1].from")]
    fn refuses(#[case] mirrors: serde_json::Value, #[case] message: &str) {
        with_mirrors(mirrors, |m| {
            let err = m.expect_err("invalid mirrors");
            assert!(
                err.contains(message),
                "{err:?} does not contain {message:?}"
            );
        });
    }

    #[test]
    fn sibling_paths_do_not_chain() {
        let mirrors = json!([
            {"from": "docker.io", "to": "harbor.corp.example/dockerhub"},
            {"from": "harbor.corp.example/legacy", "to": "registry.corp.example"},
        ]);
        with_mirrors(mirrors, |m| assert!(m.is_ok(), "{:?}", m.err()));
    }
}
