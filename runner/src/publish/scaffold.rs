//! `scaffold artifacthub`: the `artifacthub-pkg.yml` that
//! `kwctl scaffold artifacthub` writes, built from `metadata.yml`, the
//! Rancher `questions-ui.yml` and the policy's version.
//!
//! Fields, their order, and the annotations follow policy-evaluator's
//! `ArtifactHubPkg`; the YAML is written by serde_yaml, as kwctl does, so the
//! two tools produce the same text. One difference: kwctl stamps `createdAt`
//! with the current time, which would make a committed file differ from
//! every regeneration. Here it is an input ([`Package::created_at`]); the
//! command line reuses the committed file's `createdAt` while the version is
//! unchanged, so a regeneration is reproducible and a release (a new version)
//! gets a new date.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, bail, Context, Result};
use serde::Serialize;

use crate::wasm::metadata::{
    is_semver, Metadata, ANNOTATION_AUTHOR, ANNOTATION_DESCRIPTION, ANNOTATION_DISPLAY_NAME,
    ANNOTATION_KEYWORDS, ANNOTATION_LICENSE, ANNOTATION_OCI_URL, ANNOTATION_RESOURCES,
    ANNOTATION_SOURCE, ANNOTATION_TITLE, ANNOTATION_URL, ANNOTATION_VERSION,
};

/// The comment kwctl puts at the top of the file (its trailing space included).
const HEADER: &str = "# Kubewarden Artifacthub Package config
#
# Use this config to submit the policy to https://artifacthub.io.
#
# This config can be saved to its default location with:
#   kwctl scaffold artifacthub > artifacthub-pkg.yml ";

/// Where Artifact Hub sends users who need the controller first.
const CONTROLLER_URL: &str =
    "https://artifacthub.io/packages/helm/kubewarden/kubewarden-controller";

/// What the package is built from.
#[derive(Debug, Clone)]
pub struct Package<'a> {
    /// The policy metadata (`metadata.yml`).
    pub metadata: &'a Metadata,
    /// The release version (from `Cargo.toml`); `None` takes the metadata's
    /// `io.kubewarden.policy.version`. When both are given they must agree.
    pub version: Option<&'a str>,
    /// The Rancher UI questions (`questions-ui.yml`), verbatim.
    pub questions: Option<&'a str>,
    /// RFC 3339 creation time.
    pub created_at: &'a str,
}

/// `artifacthub-pkg.yml`, field for field.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
struct ArtifactHubPkg {
    version: String,
    name: String,
    display_name: String,
    created_at: String,
    description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    license: Option<String>,
    #[serde(rename = "homeURL", skip_serializing_if = "Option::is_none")]
    home_url: Option<String>,
    containers_images: Vec<ContainerImage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    keywords: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    links: Option<Vec<Link>>,
    install: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    maintainers: Option<Vec<Maintainer>>,
    provider: Provider,
    recommendations: Vec<Recommendation>,
    annotations: BTreeMap<String, String>,
}

#[derive(Serialize, Debug)]
struct ContainerImage {
    name: &'static str,
    image: String,
}

#[derive(Serialize, Debug)]
struct Link {
    name: &'static str,
    url: String,
}

/// One maintainer, from the `io.kubewarden.policy.author` address list.
#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct Maintainer {
    /// Display name (may be empty).
    pub name: String,
    /// E-mail address.
    pub email: String,
}

#[derive(Serialize, Debug)]
struct Provider {
    name: &'static str,
}

#[derive(Serialize, Debug)]
struct Recommendation {
    url: &'static str,
}

/// Renders `artifacthub-pkg.yml`, or says which annotation is missing or
/// malformed, or that the versions disagree.
pub fn artifacthub(package: &Package<'_>) -> Result<String> {
    let metadata = package.metadata;
    let annotations = metadata
        .annotations
        .as_ref()
        .filter(|annotations| !annotations.is_empty())
        .ok_or_else(|| anyhow!("the metadata has no annotations to build the package from"))?;
    let required = |key: &str| {
        annotations
            .get(key)
            .cloned()
            .ok_or_else(|| anyhow!("the metadata lacks the annotation {key}"))
    };
    let version = release_version(metadata, package.version)?;
    if !is_rfc3339(package.created_at) {
        bail!(
            "createdAt {:?} is not an RFC 3339 time such as 2025-01-31T12:00:00Z",
            package.created_at
        );
    }
    if package.questions.is_some_and(str::is_empty) {
        bail!("the questions file is empty");
    }

    let oci_url = required(ANNOTATION_OCI_URL)?;
    if oci_url.contains("://")
        || oci_url.contains('@')
        || oci_url
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains(':'))
    {
        bail!(
            "{ANNOTATION_OCI_URL} {oci_url:?} must be a repository without scheme, tag or digest"
        );
    }
    let image = format!("{oci_url}:v{version}");
    let links = annotations
        .get(ANNOTATION_SOURCE)
        .map(|source| source_links(source, &version))
        .transpose()?;
    let pkg = ArtifactHubPkg {
        name: required(ANNOTATION_TITLE)?,
        display_name: required(ANNOTATION_DISPLAY_NAME)?,
        created_at: package.created_at.to_owned(),
        description: required(ANNOTATION_DESCRIPTION)?,
        license: annotations.get(ANNOTATION_LICENSE).cloned(),
        home_url: annotations
            .get(ANNOTATION_URL)
            .map(|url| normalize_url(ANNOTATION_URL, url))
            .transpose()?,
        containers_images: vec![ContainerImage {
            name: "policy",
            image: image.clone(),
        }],
        keywords: annotations
            .get(ANNOTATION_KEYWORDS)
            .map(|keywords| parse_keywords(keywords))
            .transpose()?,
        links,
        install: install_text(&image),
        maintainers: annotations
            .get(ANNOTATION_AUTHOR)
            .map(|author| parse_maintainers(author))
            .transpose()?,
        provider: Provider { name: "kubewarden" },
        recommendations: vec![Recommendation {
            url: CONTROLLER_URL,
        }],
        annotations: package_annotations(metadata, package.questions)?,
        version,
    };
    let yaml = serde_yaml::to_string(&pkg).context("cannot write the package as YAML")?;
    Ok(format!("{HEADER}\n{yaml}"))
}

/// The version to publish: the one given (from `Cargo.toml`) and the
/// metadata's `io.kubewarden.policy.version` must agree when both exist.
fn release_version(metadata: &Metadata, given: Option<&str>) -> Result<String> {
    let annotated = metadata.annotation(ANNOTATION_VERSION);
    let version = match (given, annotated) {
        (Some(given), Some(annotated)) if given != annotated => bail!(
            "version drift: the release version is {given} but metadata.yml's \
             {ANNOTATION_VERSION} is {annotated}; make them equal"
        ),
        (Some(version), _) | (None, Some(version)) => version,
        (None, None) => bail!(
            "no version: pass one, or set the {ANNOTATION_VERSION} annotation in the metadata"
        ),
    };
    if !is_semver(version) {
        bail!("version {version:?} is not a semantic version such as 1.2.3");
    }
    Ok(version.to_owned())
}

/// `kubewarden/*` annotations, sorted: mutation, rules, and when present the
/// context-aware kinds, the questions and the resources list.
fn package_annotations(
    metadata: &Metadata,
    questions: Option<&str>,
) -> Result<BTreeMap<String, String>> {
    let mut annotations = BTreeMap::new();
    annotations.insert(
        "kubewarden/mutation".to_owned(),
        metadata.mutating.to_string(),
    );
    // Rancher's UI shows any policy with this annotation as context aware,
    // so, as in kwctl, it is left out when the policy reads nothing.
    if !metadata.context_aware_resources.is_empty() {
        annotations.insert(
            "kubewarden/contextAwareResources".to_owned(),
            serde_yaml::to_string(&metadata.context_aware_resources)?,
        );
    }
    annotations.insert(
        "kubewarden/rules".to_owned(),
        serde_yaml::to_string(&metadata.rules)?,
    );
    if let Some(questions) = questions {
        annotations.insert("kubewarden/questions-ui".to_owned(), questions.to_owned());
    }
    if let Some(resources) = metadata.annotation(ANNOTATION_RESOURCES) {
        annotations.insert("kubewarden/resources".to_owned(), resources.to_owned());
    }
    Ok(annotations)
}

/// The `install` instructions Artifact Hub shows, as kwctl writes them.
fn install_text(image: &str) -> String {
    format!(
        "The policy can be obtained using [kwctl](https://docs.kubewarden.io/howtos/install-kwctl):\n\
         ```console\n\
         kwctl pull {image}\n\
         ```\n\
         Then, generate the policy manifest and tune it to your liking. For example:\n\
         ```console\n\
         kwctl scaffold manifest -t ClusterAdmissionPolicy registry://{image}\n\
         ```\n"
    )
}

/// A GitHub source gets a link to the release's `policy.wasm` too.
fn source_links(source: &str, version: &str) -> Result<Vec<Link>> {
    let source = normalize_url(ANNOTATION_SOURCE, source)?;
    let mut links = Vec::new();
    if host_of(&source) == Some("github.com") {
        links.push(Link {
            name: "policy",
            url: format!(
                "{}/releases/download/v{version}/policy.wasm",
                source.trim_end_matches('/')
            ),
        });
    }
    links.push(Link {
        name: "source",
        url: source,
    });
    Ok(links)
}

/// Checks an http(s) URL; a bare host gets the `/` path a URL parser adds.
fn normalize_url(annotation: &str, url: &str) -> Result<String> {
    let host = host_of(url)
        .filter(|host| !host.is_empty() && !url.chars().any(char::is_whitespace))
        .ok_or_else(|| anyhow!("{annotation} {url:?} is not an http(s) URL"))?;
    let (_, after_scheme) = url.split_once("://").unwrap_or_default();
    if after_scheme == host {
        Ok(format!("{url}/"))
    } else {
        Ok(url.to_owned())
    }
}

/// Host (with port) of an http(s) URL.
fn host_of(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    rest.split(['/', '?', '#']).next()
}

/// `a, b ,c` into `[a, b, c]`; an empty keyword is an error.
fn parse_keywords(keywords: &str) -> Result<Vec<String>> {
    let list: Vec<String> = keywords
        .split(',')
        .map(|keyword| keyword.trim_matches(' ').to_owned())
        .collect();
    if list.iter().any(String::is_empty) {
        bail!("{ANNOTATION_KEYWORDS} {keywords:?} has an empty keyword");
    }
    Ok(list)
}

/// Reads `Name <email>, Other <email2>` (RFC 5322 name-addr, or a bare
/// address). Every entry must carry a valid address, as kwctl requires.
pub fn parse_maintainers(author: &str) -> Result<Vec<Maintainer>> {
    let mut maintainers = Vec::new();
    for entry in split_addresses(author) {
        let entry = entry.trim();
        if entry.is_empty() {
            continue;
        }
        let (name, email) = match entry.rfind('<') {
            Some(open) if entry.ends_with('>') => (
                entry[..open].trim().trim_matches('"').trim(),
                &entry[open + 1..entry.len() - 1],
            ),
            _ => ("", entry),
        };
        if !is_email(email) {
            bail!(
                "{ANNOTATION_AUTHOR} {author:?}: {entry:?} has no valid e-mail address \
                 (write \"Name <name@example.com>\")"
            );
        }
        maintainers.push(Maintainer {
            name: name.to_owned(),
            email: email.to_owned(),
        });
    }
    if maintainers.is_empty() {
        bail!("{ANNOTATION_AUTHOR} {author:?} names nobody");
    }
    Ok(maintainers)
}

/// Splits on commas that are outside quotes and angle brackets.
fn split_addresses(list: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut in_quotes, mut in_angle) = (0, false, false);
    for (i, c) in list.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            '<' if !in_quotes => in_angle = true,
            '>' if !in_quotes => in_angle = false,
            ',' if !in_quotes && !in_angle => {
                parts.push(&list[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&list[start..]);
    parts
}

/// `local@domain.tld`, printable ASCII, one `@`, a dotted domain.
fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let printable = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_graphic() && !b"<>()[]\\,;:@\"".contains(&b))
    };
    !local.is_empty()
        && printable(local)
        && domain.contains('.')
        && printable(domain)
        && domain
            .split('.')
            .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'))
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
pub fn is_rfc3339(time: &str) -> bool {
    let bytes = time.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .is_some_and(|part| part.iter().all(u8::is_ascii_digit))
    };
    let at = |i: usize, c: u8| bytes.get(i) == Some(&c);
    if !(digits(0..4)
        && at(4, b'-')
        && digits(5..7)
        && at(7, b'-')
        && digits(8..10)
        && (at(10, b'T') || at(10, b't'))
        && digits(11..13)
        && at(13, b':')
        && digits(14..16)
        && at(16, b':')
        && digits(17..19))
    {
        return false;
    }
    let mut rest = &time[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let len = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if len == 0 {
            return false;
        }
        rest = &fraction[len..];
    }
    let offset = rest.as_bytes();
    let in_range = |s: &str, max: u32| s.parse::<u32>().is_ok_and(|n| n <= max);
    let clock_ok = in_range(&time[5..7], 12)
        && !time[5..7].starts_with("00")
        && (1..=31).contains(&time[8..10].parse::<u32>().unwrap_or(0))
        && in_range(&time[11..13], 23)
        && in_range(&time[14..16], 59)
        && in_range(&time[17..19], 60);
    let offset_ok = rest == "Z"
        || rest == "z"
        || (offset.len() == 6
            && (offset[0] == b'+' || offset[0] == b'-')
            && offset[1..3].iter().all(u8::is_ascii_digit)
            && offset[3] == b':'
            && offset[4..6].iter().all(u8::is_ascii_digit));
    clock_ok && offset_ok
}

/// The current UTC time, to the second, in RFC 3339.
pub fn now_rfc3339() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0);
    rfc3339_from_unix(seconds)
}

/// Formats seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn rfc3339_from_unix(seconds: u64) -> String {
    let days = seconds / 86_400;
    let rem = seconds % 86_400;
    // Howard Hinnant's civil_from_days, for days since 1970-01-01.
    let z = i64::try_from(days).unwrap_or(0) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

/// The `createdAt` of an existing `artifacthub-pkg.yml`, if its `version`
/// is `version`: regenerating an unchanged release keeps its date.
pub fn created_at_to_keep(existing: &str, version: &str) -> Option<String> {
    let document: serde_yaml::Value = serde_yaml::from_str(existing).ok()?;
    let same_version = match document.get("version")? {
        serde_yaml::Value::String(v) => v == version,
        other => serde_yaml::to_string(other).ok()?.trim() == version,
    };
    if !same_version {
        return None;
    }
    document
        .get("createdAt")?
        .as_str()
        .filter(|time| is_rfc3339(time))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const METADATA: &str = r#"
rules:
  - apiGroups: [""]
    apiVersions: ["v1"]
    resources: ["pods"]
    operations: ["CREATE", "UPDATE"]
mutating: false
annotations:
  io.artifacthub.displayName: Verify Things
  io.artifacthub.resources: Pod
  io.artifacthub.keywords: pod, cool policy,kubewarden
  io.kubewarden.policy.ociUrl: ghcr.io/acme/policies/verify-things
  io.kubewarden.policy.title: verify-things
  io.kubewarden.policy.version: 0.2.1
  io.kubewarden.policy.description: A description
  io.kubewarden.policy.author: Tux Tuxedo <tux@example.com>, "Doe, Jane" <jane@example.com>
  io.kubewarden.policy.url: https://github.com/acme/verify-things
  io.kubewarden.policy.source: https://github.com/acme/verify-things
  io.kubewarden.policy.license: Apache-2.0
"#;

    const EXPECTED: &str = r#"# Kubewarden Artifacthub Package config
#
# Use this config to submit the policy to https://artifacthub.io.
#
# This config can be saved to its default location with:
#   kwctl scaffold artifacthub > artifacthub-pkg.yml 
version: 0.2.1
name: verify-things
displayName: Verify Things
createdAt: 2024-01-02T03:04:05Z
description: A description
license: Apache-2.0
homeURL: https://github.com/acme/verify-things
containersImages:
- name: policy
  image: ghcr.io/acme/policies/verify-things:v0.2.1
keywords:
- pod
- cool policy
- kubewarden
links:
- name: policy
  url: https://github.com/acme/verify-things/releases/download/v0.2.1/policy.wasm
- name: source
  url: https://github.com/acme/verify-things
install: |
  The policy can be obtained using [kwctl](https://docs.kubewarden.io/howtos/install-kwctl):
  ```console
  kwctl pull ghcr.io/acme/policies/verify-things:v0.2.1
  ```
  Then, generate the policy manifest and tune it to your liking. For example:
  ```console
  kwctl scaffold manifest -t ClusterAdmissionPolicy registry://ghcr.io/acme/policies/verify-things:v0.2.1
  ```
maintainers:
- name: Tux Tuxedo
  email: tux@example.com
- name: Doe, Jane
  email: jane@example.com
provider:
  name: kubewarden
recommendations:
- url: https://artifacthub.io/packages/helm/kubewarden/kubewarden-controller
annotations:
  kubewarden/mutation: 'false'
  kubewarden/questions-ui: |
    questions:
    - variable: x
  kubewarden/resources: Pod
  kubewarden/rules: |
    - apiGroups:
      - ''
      apiVersions:
      - v1
      resources:
      - pods
      operations:
      - CREATE
      - UPDATE
"#;

    fn metadata(extra: &str) -> Metadata {
        Metadata::from_yaml(&format!("{METADATA}{extra}")).unwrap()
    }

    #[test]
    fn renders_what_kwctl_renders() {
        let metadata = metadata("");
        let package = Package {
            metadata: &metadata,
            version: Some("0.2.1"),
            questions: Some("questions:\n- variable: x\n"),
            created_at: "2024-01-02T03:04:05Z",
        };
        assert_eq!(artifacthub(&package).unwrap(), EXPECTED);
    }

    #[test]
    fn context_aware_policies_say_so() {
        let metadata = metadata("contextAwareResources:\n- apiVersion: v1\n  kind: Namespace\n");
        let package = Package {
            metadata: &metadata,
            version: None,
            questions: None,
            created_at: "2024-01-02T03:04:05+02:00",
        };
        let yaml = artifacthub(&package).unwrap();
        assert!(yaml.contains(
            "  kubewarden/contextAwareResources: |\n    - apiVersion: v1\n      kind: Namespace\n"
        ));
        assert!(!yaml.contains("questions-ui"));
    }

    #[rstest]
    #[case::drift(Some("0.3.0"), "2024-01-02T03:04:05Z", None, "version drift")]
    #[case::not_semver(Some("v0.2.1"), "2024-01-02T03:04:05Z", None, "version drift")]
    #[case::bad_time(None, "yesterday", None, "RFC 3339")]
    #[case::empty_questions(None, "2024-01-02T03:04:05Z", Some(""), "questions file is empty")]
    fn refuses_inconsistent_input(
        #[case] version: Option<&str>,
        #[case] created_at: &str,
        #[case] questions: Option<&str>,
        #[case] expected: &str,
    ) {
        let metadata = metadata("");
        let package = Package {
            metadata: &metadata,
            version,
            questions,
            created_at,
        };
        let error = artifacthub(&package).unwrap_err().to_string();
        assert!(error.contains(expected), "{error}");
    }

    #[rstest]
    #[case::no_title(
        "io.kubewarden.policy.title",
        "lacks the annotation io.kubewarden.policy.title"
    )]
    #[case::no_display_name("io.artifacthub.displayName", "io.artifacthub.displayName")]
    #[case::no_oci_url("io.kubewarden.policy.ociUrl", "io.kubewarden.policy.ociUrl")]
    #[case::no_version("io.kubewarden.policy.version", "no version")]
    fn names_missing_annotations(#[case] removed: &str, #[case] expected: &str) {
        let mut metadata = metadata("");
        if let Some(annotations) = metadata.annotations.as_mut() {
            annotations.remove(removed);
        }
        let package = Package {
            metadata: &metadata,
            version: None,
            questions: None,
            created_at: "2024-01-02T03:04:05Z",
        };
        let error = artifacthub(&package).unwrap_err().to_string();
        assert!(error.contains(expected), "{error}");
    }

    #[rstest]
    #[case::one("A <a@example.com>", &[("A", "a@example.com")])]
    #[case::bare("a@example.com", &[("", "a@example.com")])]
    #[case::two("A <a@example.com>, B <b@example.org>", &[("A", "a@example.com"), ("B", "b@example.org")])]
    #[case::quoted_comma("\"Doe, J\" <j@example.com>", &[("Doe, J", "j@example.com")])]
    #[case::double_comma("A <a@example.com>,,B <b@example.com>", &[("A", "a@example.com"), ("B", "b@example.com")])]
    fn reads_maintainers(#[case] author: &str, #[case] expected: &[(&str, &str)]) {
        let expected: Vec<Maintainer> = expected
            .iter()
            .map(|(name, email)| Maintainer {
                name: (*name).to_owned(),
                email: (*email).to_owned(),
            })
            .collect();
        assert_eq!(parse_maintainers(author).unwrap(), expected);
    }

    #[rstest]
    #[case::name_only("registry-allowlist developers")]
    #[case::empty("")]
    #[case::missing_angle("Foo missing@chevrons.com, Bar <bar@example.com>")]
    #[case::bad_email("Bar <#$%#$%>")]
    #[case::no_domain_dot("Bar <bar@localhost>")]
    fn refuses_authors_without_addresses(#[case] author: &str) {
        assert!(parse_maintainers(author).is_err());
    }

    #[rstest]
    #[case::plain("pod", &["pod"])]
    #[case::spaces(" foo,bar, faz fiz, baz", &["foo", "bar", "faz fiz", "baz"])]
    fn reads_keywords(#[case] text: &str, #[case] expected: &[&str]) {
        assert_eq!(parse_keywords(text).unwrap(), expected);
    }

    #[rstest]
    #[case::empty("")]
    #[case::double_comma("foo,,bar")]
    fn refuses_empty_keywords(#[case] text: &str) {
        assert!(parse_keywords(text).is_err());
    }

    #[rstest]
    #[case::github("https://github.com/a/b", &["https://github.com/a/b/releases/download/v1.0.0/policy.wasm", "https://github.com/a/b"])]
    #[case::elsewhere("https://gitlab.com/a/b", &["https://gitlab.com/a/b"])]
    #[case::bare_host("https://example.com", &["https://example.com/"])]
    fn links_to_the_source(#[case] source: &str, #[case] urls: &[&str]) {
        let links = source_links(source, "1.0.0").unwrap();
        let got: Vec<&str> = links.iter().map(|link| link.url.as_str()).collect();
        assert_eq!(got, urls);
    }

    #[rstest]
    #[case::no_scheme("github.com/a/b")]
    #[case::ftp("ftp://example.com/x")]
    #[case::space("https://example.com/a b")]
    fn refuses_bad_urls(#[case] url: &str) {
        assert!(normalize_url("x", url).is_err());
    }

    #[rstest]
    #[case("2024-01-02T03:04:05Z", true)]
    #[case("2025-06-12T12:18:10.18473343Z", true)]
    #[case("2022-07-19T16:26:18+02:00", true)]
    #[case("2024-13-02T03:04:05Z", false)]
    #[case("2024-01-02 03:04:05Z", false)]
    #[case("2024-01-02T03:04:05", false)]
    #[case("2024-01-02T03:04:05.Z", false)]
    #[case("2024-01-02T24:04:05Z", false)]
    fn rfc3339(#[case] time: &str, #[case] valid: bool) {
        assert_eq!(is_rfc3339(time), valid);
    }

    #[rstest]
    #[case(0, "1970-01-01T00:00:00Z")]
    #[case(951_782_400, "2000-02-29T00:00:00Z")]
    #[case(1_700_000_000, "2023-11-14T22:13:20Z")]
    #[case(4_102_444_799, "2099-12-31T23:59:59Z")]
    fn formats_unix_time(#[case] seconds: u64, #[case] expected: &str) {
        assert_eq!(rfc3339_from_unix(seconds), expected);
        assert!(is_rfc3339(expected));
    }

    #[rstest]
    #[case::same_version(
        "version: 0.2.1\ncreatedAt: 2024-01-02T03:04:05Z\n",
        "0.2.1",
        Some("2024-01-02T03:04:05Z")
    )]
    #[case::new_version("version: 0.2.1\ncreatedAt: 2024-01-02T03:04:05Z\n", "0.3.0", None)]
    #[case::no_date("version: 0.2.1\n", "0.2.1", None)]
    #[case::bad_date("version: 0.2.1\ncreatedAt: soon\n", "0.2.1", None)]
    #[case::not_yaml(": : :\n- [", "0.2.1", None)]
    fn keeps_the_date_of_an_unchanged_release(
        #[case] existing: &str,
        #[case] version: &str,
        #[case] expected: Option<&str>,
    ) {
        assert_eq!(created_at_to_keep(existing, version).as_deref(), expected);
    }
}
