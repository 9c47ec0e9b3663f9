//! Per request, `validate` reads the registry lists by a byte scan and compiles
//! only the entries that can match the request's images. Each row judges one
//! Pod three ways: settings as written (the scan), the same settings with every
//! `.` and `/` escaped (serde_json's full read, the scan gives up), and, for
//! valid settings, every entry compiled and matched (no first look at all).
//! All three must agree, and agree with the expected outcome.

mod common;

use common::{judge_pod, pod, verdict};
use registry_allowlist::reference::{self, Reference};
use registry_allowlist::settings::{RawSettings, Rules};
use registry_allowlist::validation::judge;
use rstest::rstest;
use serde_json::json;

/// "accept", "reject: c0, c2", "bad settings: ..." or "bad request: ...".
fn through_validate(images: &[&str], settings: &str) -> String {
    judge_pod(images, settings)
}

/// The same, with the settings before the request in the payload (they are
/// then read once the request's images are known).
fn settings_first(images: &[&str], settings: &str) -> String {
    verdict(&format!(
        r#"{{"settings": {settings}, "request": {}}}"#,
        pod(images)
    ))
}

/// Every entry compiled, each image judged against all of them.
fn through_every_entry(images: &[&str], settings: &str) -> String {
    let raw = RawSettings::from_json(settings.as_bytes()).expect("settings json");
    let rules = match Rules::from_raw(&raw) {
        Ok(rules) => rules,
        Err(why) => return format!("bad settings: {why}"),
    };
    let refused: Vec<String> = images
        .iter()
        .enumerate()
        .filter(|(_, image)| {
            let parsed: Reference = reference::parse(image).expect("valid image");
            !judge(&parsed, &rules).is_empty()
        })
        .map(|(i, _)| format!("c{i}"))
        .collect();
    if refused.is_empty() {
        "accept".to_owned()
    } else {
        format!("reject: {}", refused.join(", "))
    }
}

/// The settings with every `.` and `/` of every string escaped.
fn escaped(settings: &str) -> String {
    settings.replace('.', "\\u002e").replace('/', "\\/")
}

/// `n` entries that name other hosts, or other paths on the images' hosts.
fn others(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| match i % 4 {
            0 => format!("registry-{i:04}.team{}.corp.example", i % 37),
            1 => format!("registry-{i:04}.corp.example:5000"),
            2 => format!("ghcr.io/team-{i:03}/apps"),
            _ => format!("*.mirror-{i:02}.corp.example"),
        })
        .collect()
}

fn allow(entries: &[&str]) -> String {
    let mut all = others(300);
    all.extend(entries.iter().map(|e| (*e).to_owned()));
    json!({"registries": {"allow": all}}).to_string()
}

#[rstest]
#[case::last_of_a_long_list(allow(&["ghcr.io/acme"]), &["ghcr.io/acme/app:1"], "accept")]
#[case::not_in_a_long_list(allow(&["ghcr.io/acme"]), &["ghcr.io/beta/app:1", "ghcr.io/acme/app:1"], "reject: c0")]
#[case::host_case(allow(&["GHCR.IO/acme"]), &["ghcr.io/acme/app:1"], "accept")]
#[case::with_port(allow(&["localhost:5000"]), &["localhost:5000/app:1", "localhost:5001/app:1"], "reject: c1")]
#[case::hub_aliases(allow(&["index.docker.io/library", "registry-1.docker.io/bitnami"]), &["nginx", "bitnami/redis:7", "docker.io/acme/x"], "reject: c2")]
#[case::wildcard(allow(&["*.corp.example"]), &["eu.corp.example/x:1", "corp.example/x:1"], "reject: c1")]
#[case::label_glob(allow(&["registry-?.corp.example"]), &["registry-1.corp.example/x:1", "registry-12.corp.example/x:1"], "reject: c1")]
#[case::label_glob_last(json!({"registries": {"reject": others(300).into_iter().chain(["docker.*".to_owned()]).collect::<Vec<_>>()}}).to_string(), &["ghcr.io/x:1", "busybox:1", "registry-1.docker.io/library/busybox:1"], "reject: c1, c2")]
#[case::ipv6(allow(&["[fd00::1]:5000"]), &["[fd00:0::1]:5000/app:1", "[fd00::2]:5000/app:1"], "reject: c1")]
// IPv4 hosts: a host entry allows any port, a host:port entry that port
// only; addresses compare whole, never as a prefix of a longer one.
#[case::ipv4_any_port(allow(&["10.0.0.1"]), &["10.0.0.1/app:1", "10.0.0.1:5000/app:1", "10.0.0.2/app:1"], "reject: c2")]
#[case::ipv4_one_port(allow(&["10.0.0.1:5000"]), &["10.0.0.1:5000/app:1", "10.0.0.1/app:1", "10.0.0.1:5001/app:1"], "reject: c1, c2")]
#[case::ipv4_not_a_prefix(allow(&["10.0.0.1"]), &["10.0.0.10/app:1", "10.0.0.1.evil.example/app:1", "10.0.0.1/app:1"], "reject: c0, c1")]
// IPv6 hosts compare as addresses, whatever their spelling and case.
#[case::ipv6_any_port(allow(&["[fd00::1]"]), &["[fd00::1]/app:1", "[fd00::1]:5000/app:1", "[FD00:0::1]/app:1", "[fd00::2]/app:1"], "reject: c3")]
#[case::ipv6_upper_case_entry(allow(&["[FD00::1]:5000"]), &["[fd00::1]:5000/app:1", "[fd00::1]:5001/app:1"], "reject: c1")]
#[case::ipv6_loopback_spellings(allow(&["[::1]:5000"]), &["[0:0:0:0:0:0:0:1]:5000/app:1", "[::2]:5000/app:1"], "reject: c1")]
// Ports are numbers: leading zeros name the same port the runtime dials.
#[case::port_leading_zero_entry(allow(&["localhost:05000"]), &["localhost:5000/app:1", "localhost:5001/app:1"], "reject: c1")]
#[case::port_leading_zero_image(allow(&["localhost:5000"]), &["localhost:05000/app:1", "localhost:50000/app:1"], "reject: c1")]
#[case::port_leading_zero_ipv6(allow(&["[::1]:5000"]), &["[::1]:05000/app:1", "[::1]:500/app:1"], "reject: c1")]
// Upper case in host, with port and path.
#[case::upper_case_host_port_path(allow(&["GHCR.IO:443/acme"]), &["ghcr.io:443/acme/app:1", "ghcr.io:443/other/app:1", "Ghcr.Io:443/acme/app:1"], "reject: c1")]
#[case::reject_list(json!({"registries": {"allow": ["ghcr.io"], "reject": others(300).into_iter().chain(["ghcr.io/evil".to_owned()]).collect::<Vec<_>>()}}).to_string(), &["ghcr.io/evil/x:1", "ghcr.io/acme/x:1"], "reject: c0")]
#[case::tags_and_images(json!({"tags": {"reject": ["latest", "*-rc*"]}, "images": {"allow": ["ghcr.io/acme/*"], "reject": ["ghcr.io/acme/bad"]}}).to_string(), &["ghcr.io/acme/app:1", "ghcr.io/acme/app:2-rc1", "ghcr.io/acme/bad:1", "ghcr.io/other:1"], "reject: c1, c2, c3")]
#[case::empty_allow(json!({"registries": {"allow": []}, "tags": {"reject": ["latest"]}}).to_string(), &["quay.io/x:1", "quay.io/x"], "reject: c1")]
fn scan_and_full_read_agree(
    #[case] settings: String,
    #[case] images: &[&str],
    #[case] expected: &str,
) {
    every_read_gives(images, &settings, expected);
    assert_eq!(
        through_every_entry(images, &settings),
        expected,
        "every entry"
    );
}

/// The same verdict whichever way the settings are read: scanned as they
/// arrive, read after the request, and with every string escaped.
fn every_read_gives(images: &[&str], settings: &str, expected: &str) {
    assert_eq!(through_validate(images, settings), expected, "scan");
    assert_eq!(settings_first(images, settings), expected, "settings first");
    assert_eq!(
        through_validate(images, &escaped(settings)),
        expected,
        "escaped"
    );
}

/// Lists are sifted by the images' registries while they are read; mirrors
/// send images to other registries, whose entries must then be read too.
#[rstest]
#[case::target_late_in_allow(json!({"registries": {"allow": others(300).into_iter().chain(["harbor.corp.example/hub".to_owned()]).collect::<Vec<_>>()}, "mirrors": [{"from": "docker.io", "to": "harbor.corp.example/hub"}]}), &["nginx:1"], "mutate")]
#[case::target_rejected(json!({"registries": {"allow": ["harbor.corp.example"], "reject": others(300).into_iter().chain(["harbor.corp.example/hub".to_owned()]).collect::<Vec<_>>()}, "mirrors": [{"from": "docker.io", "to": "harbor.corp.example/hub"}]}), &["nginx:1"], "reject: c0")]
#[case::mirrors_listed_first(json!({"mirrors": [{"from": "docker.io", "to": "harbor.corp.example/hub"}], "registries": {"allow": others(300).into_iter().chain(["harbor.corp.example".to_owned()]).collect::<Vec<_>>()}}), &["nginx:1", "ghcr.io/x:1"], "reject: c1")]
fn mirror_targets_are_candidates(
    #[case] settings: serde_json::Value,
    #[case] images: &[&str],
    #[case] expected: &str,
) {
    every_read_gives(images, &settings.to_string(), expected);
}

/// An invalid entry that could match the request's images fails the request;
/// one that names other registries or paths is skipped (validate_settings
/// refuses both when the policy is loaded).
#[rstest]
#[case::candidate_bad_port(allow(&["ghcr.io:http"]), &["ghcr.io/acme/app:1"], "bad settings: registries.allow[300] \"ghcr.io:http\": \"http\" is not a port number (1-65535)")]
#[case::candidate_empty_path(allow(&["ghcr.io/"]), &["ghcr.io/acme/app:1"], "bad settings: registries.allow[300] \"ghcr.io/\": empty path component")]
#[case::candidate_glob_always(allow(&["ghcr.io", "registry_?.corp.example"]), &["ghcr.io/acme/app:1"], "bad settings: registries.allow[301] \"registry_?.corp.example\": '_' never appears in a host name, so this entry matches nothing")]
#[case::candidate_glob_path(allow(&["ghcr.io", "quay.io/acm?"]), &["ghcr.io/acme/app:1"], "bad settings: registries.allow[301] \"quay.io/acm?\": a wildcard in a registry entry stays inside host labels; for repositories use images.allow or images.reject, like ghcr.io/acme/*")]
#[case::other_host_skipped(allow(&["ghcr.io", "quay.io:http"]), &["ghcr.io/acme/app:1"], "accept")]
#[case::other_path_skipped(allow(&["ghcr.io", "ghcr.io/Beta"]), &["ghcr.io/acme/app:1"], "accept")]
#[case::candidate_port_all_zeros(allow(&["localhost:00000"]), &["localhost:5000/app:1"], "bad settings: registries.allow[300] \"localhost:00000\": \"00000\" is not a port number (1-65535)")]
#[case::candidate_port_too_big(allow(&["localhost:65536"]), &["localhost:5000/app:1"], "bad settings: registries.allow[300] \"localhost:65536\": \"65536\" is not a port number (1-65535)")]
#[case::candidate_ipv6_unclosed(allow(&["[fd00::1"]), &["[fd00::1]/app:1"], "bad settings: registries.allow[300] \"[fd00::1\": an IPv6 address needs its closing \"]\"")]
fn invalid_entries(#[case] settings: String, #[case] images: &[&str], #[case] expected: &str) {
    assert_eq!(through_validate(images, &settings), expected, "scan");
    assert_eq!(
        through_validate(images, &escaped(&settings)),
        expected,
        "escaped"
    );
    assert!(through_every_entry(images, &settings).starts_with("bad settings: "));
}

/// Lists of the wrong shape are named, on every path; nothing panics.
#[rstest]
#[case::string(
    r#"{"registries": {"allow": "ghcr.io"}}"#,
    "bad settings: invalid type: string \"ghcr.io\", expected a sequence"
)]
#[case::number_item(
    r#"{"registries": {"reject": ["ghcr.io", 5]}}"#,
    "bad settings: invalid type: integer `5`, expected a string"
)]
#[case::nested(
    r#"{"tags": {"reject": [["latest"]]}}"#,
    "bad settings: invalid type: sequence, expected a string"
)]
#[case::object(
    r#"{"images": {"allow": {"a": 1}}}"#,
    "bad settings: invalid type: map, expected a sequence"
)]
#[case::null_list(r#"{"registries": {"allow": null, "reject": ["quay.io"]}}"#, "accept")]
#[case::not_a_list_elsewhere(
    r#"{"requireDigest": "yes"}"#,
    "bad request: invalid type: string \"yes\", expected a boolean"
)]
fn list_shapes(#[case] settings: &str, #[case] expected: &str) {
    assert_eq!(
        through_validate(&["ghcr.io/acme/app:1"], settings),
        expected
    );
}
