//! Pinning admitted images to the digest their tag names at admission, so that
//! what was judged is what every node runs, however the tag moves later.
//!
//! Pinning runs last, on a request whose every image passed every rule: an image
//! the rules refuse never makes the host contact its registry. The lookup is the
//! Kubewarden host capability `oci/v1/manifest_digest`, whose answer is checked
//! like any outside input.

use serde_json::Value;

use crate::reference::{self, grammar, Reference};
use crate::workload::ContainerImage;

/// What a failed lookup does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnFailure {
    /// Refuse the request, naming the container and the host's error (the default).
    #[default]
    Reject,
    /// Admit the image unpinned, and say so in the response's warnings.
    Admit,
}

impl OnFailure {
    /// Reads the `onPinFailure` setting.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "reject" => Ok(OnFailure::Reject),
            "admit" => Ok(OnFailure::Admit),
            other => Err(format!(
                "onPinFailure \"{}\": expected reject or admit",
                other.escape_debug()
            )),
        }
    }
}

/// Asks the host for the digest of one image (the payload: the image as a JSON
/// string); the raw answer, or the host's error.
pub type Lookup<'l> = dyn FnMut(&[u8]) -> Result<Vec<u8>, String> + 'l;

/// What pinning decided for one container.
#[derive(Debug, PartialEq, Eq)]
pub enum Pinned {
    /// Write this image (pinned, or the old object's pinned form written back).
    Write(String),
    /// The image needs no change (already pinned, or unchanged on UPDATE).
    Keep,
    /// The lookup failed: the host's error.
    Failed(String),
}

/// Pins one admitted image, `text` as it will be written (mirrored when a
/// mirror rewrote it) and `image` the same parsed. Already-pinned and unchanged
/// images are left alone; an image that the old object had pinned gets that pin
/// back without a lookup; the others are looked up once each per request (`cache`).
pub fn pin(
    text: &str,
    image: &Reference<'_>,
    old: &[(&str, Reference<'_>)],
    cache: &mut Vec<(String, Result<String, String>)>,
    lookup: &mut Lookup<'_>,
) -> Pinned {
    if image.digest.is_some() || old.iter().any(|(_, o)| o.same_image(image)) {
        return Pinned::Keep;
    }
    // Re-applying the original manifest (`app:1.0` where the object runs
    // `app:1.0@sha256:X`) keeps the pin: no re-pin to a moved tag, no rollout.
    if let Some((text, _)) = old.iter().find(|(_, o)| {
        o.digest.is_some()
            && o.tag == image.tag
            && o.path == image.path
            && o.domain.same_as(&image.domain)
    }) {
        return Pinned::Write((*text).to_owned());
    }
    // What is pulled, normalized: `nginx:1.27` is `docker.io/library/nginx:1.27`.
    let pulled = image.canonical(false);
    let answer = match cache.iter().find(|(key, _)| *key == pulled) {
        Some((_, answer)) => answer.clone(),
        None => {
            let answer = ask(&pulled, lookup);
            cache.push((pulled, answer.clone()));
            answer
        }
    };
    match answer {
        Ok(digest) => Pinned::Write(format!("{text}@{digest}")),
        Err(why) => Pinned::Failed(why),
    }
}

/// One lookup, its answer checked: a digest that is not a valid
/// `algorithm:hex` of the right length is a failed lookup.
fn ask(pulled: &str, lookup: &mut Lookup<'_>) -> Result<String, String> {
    let payload = serde_json::to_vec(pulled).map_err(|e| e.to_string())?;
    let raw = lookup(&payload)?;
    // Read as a Value, whose reader the policy already carries (module size).
    let answer: Value = serde_json::from_slice(&raw)
        .map_err(|e| format!("the host's answer is not {{\"digest\": …}}: {e}"))?;
    let Some(digest) = answer.get("digest").and_then(Value::as_str) else {
        return Err("the host's answer has no \"digest\" string".to_owned());
    };
    grammar::check_digest(digest).map_err(|_| {
        format!("the host answered {digest:?}, which is not a sha256, sha384 or sha512 digest")
    })?;
    Ok(digest.to_owned())
}

/// The old object's images, parsed, with their text as written.
pub fn old_images<'a>(containers: &'a [ContainerImage<'a>]) -> Vec<(&'a str, Reference<'a>)> {
    containers
        .iter()
        .filter_map(|c| reference::parse(&c.image).ok().map(|r| (&*c.image, r)))
        .collect()
}

/// The longest host error a message carries; the whole text goes to the log.
pub const ERROR_MAX: usize = 240;

/// A host error as one readable line: its first line and, when the error
/// lists its causes below, the last of them (the root cause), at most
/// [`ERROR_MAX`] characters. A digest lookup's error can hold an `anyhow`
/// cause chain and, with `RUST_BACKTRACE` set on the host, a backtrace.
pub fn condense(why: &str) -> String {
    let mut lines = grammar::parts(why, b'\n')
        .map(str::trim_ascii)
        .take_while(|l| {
            !l.as_bytes().starts_with(b"Stack backtrace")
                && !l.as_bytes().starts_with(b"stack backtrace")
        })
        .filter(|l| !l.is_empty() && *l != "Caused by:");
    let first = lines.next().unwrap_or_default();
    // `0: reason` in anyhow's list of causes.
    let root = lines.last().map(|l| {
        let digits = l.bytes().take_while(u8::is_ascii_digit).count();
        match l.get(digits..) {
            Some(rest) if digits > 0 && rest.as_bytes().starts_with(b": ") => {
                rest.get(2..).unwrap_or(rest)
            }
            _ => l,
        }
    });
    let mut line = match root {
        Some(root) if !first.contains(root) => [first, root].join(": "),
        _ => first.to_owned(),
    };
    if let Some((cut, _)) = line.char_indices().nth(ERROR_MAX) {
        line.truncate(cut);
        line.push('…');
    }
    line
}

/// Writes the whole host error to the policy's log, where the operator looks.
pub fn log_failure(image: &str, why: &str) {
    let text = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let event = [
        r#"{"level":"warning","message":"digest lookup failed","image":"#,
        &text(image),
        r#","error":"#,
        &text(why),
        "}",
    ]
    .concat();
    host_log(&event);
}
/// The host call, in the guest.
#[cfg(target_arch = "wasm32")]
pub fn host_lookup(payload: &[u8]) -> Result<Vec<u8>, String> {
    wapc_guest::host_call("kubewarden", "oci", "v1/manifest_digest", payload).map_err(|e| {
        // wapc-guest puts "Host error: " before the host's own words.
        let text = e.to_string();
        text.strip_prefix("Host error: ")
            .unwrap_or(&text)
            .to_owned()
    })
}

/// Sends one log event to the host (Kubewarden's `tracing`/`log`); a host
/// that takes no logs must not fail the evaluation.
#[cfg(target_arch = "wasm32")]
fn host_log(event: &str) {
    let _ = wapc_guest::host_call("kubewarden", "tracing", "log", event.as_bytes());
}

/// Outside a waPC host the log goes nowhere.
#[cfg(not(target_arch = "wasm32"))]
fn host_log(_event: &str) {}

/// Outside a waPC host there is no registry to ask.
#[cfg(not(target_arch = "wasm32"))]
pub fn host_lookup(_payload: &[u8]) -> Result<Vec<u8>, String> {
    Err("no waPC host to look up digests".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::Text;
    use crate::reference::parse;
    use crate::workload::ContainerKind;
    use rstest::rstest;

    /// A host error as kwrunner and policy-server give it: an anyhow cause
    /// chain, and a backtrace when RUST_BACKTRACE is set.
    const CHAIN: &str = "cannot fetch the manifest digest of 127.0.0.1:1/shop/api:1\n\nCaused by:\n    0: error sending request for url (http://127.0.0.1:1/v2/)\n    1: client error (Connect)\n    2: tcp connect error: Connection refused (os error 111)\n\nStack backtrace:\n   0: anyhow::error::<impl anyhow::Error>::msg\n   1: kwrunner::host::Host::call";

    #[rstest]
    #[case::one_line("manifest unknown", "manifest unknown")]
    #[case::chain_first_and_root(CHAIN, "cannot fetch the manifest digest of 127.0.0.1:1/shop/api:1: tcp connect error: Connection refused (os error 111)")]
    #[case::root_already_in_first("timed out\n\nCaused by:\n    0: timed out", "timed out")]
    #[case::backtrace_alone("lookup failed\nstack backtrace:\n   0: f", "lookup failed")]
    #[case::empty("", "")]
    #[case::bounded(&"x".repeat(500), &format!("{}…", "x".repeat(ERROR_MAX)))]
    #[case::bounded_multibyte(&"é".repeat(300), &format!("{}…", "é".repeat(ERROR_MAX)))]
    fn condensed(#[case] why: &str, #[case] expected: &str) {
        assert_eq!(condense(why), expected);
    }

    const D1: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    const D2: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
    // 96 and 128 hex digits: 384 and 512 bits.
    const D384: &str = "sha384:333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333";
    const D512: &str = "sha512:55555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555";

    fn container(image: &str) -> ContainerImage<'_> {
        ContainerImage {
            kind: ContainerKind::Container,
            index: 0,
            name: Text("app".into()),
            image: Text(image.into()),
        }
    }

    /// Pins `image` (the old object holding `old`) against a fake registry that
    /// answers `answer` to everything, and says what was asked.
    fn run(image: &str, old: &[&str], answer: Result<String, &str>) -> (Pinned, Vec<String>) {
        let parsed = parse(image).expect("valid image");
        let old_containers: Vec<ContainerImage> = old.iter().map(|o| container(o)).collect();
        let old = old_images(&old_containers);
        let mut asked = Vec::new();
        let mut lookup = |payload: &[u8]| {
            asked.push(String::from_utf8_lossy(payload).into_owned());
            answer
                .clone()
                .map(String::into_bytes)
                .map_err(str::to_owned)
        };
        let pinned = pin(image, &parsed, &old, &mut Vec::new(), &mut lookup);
        (pinned, asked)
    }

    /// The host's answer for digest `d`.
    fn found(d: &str) -> Result<String, &'static str> {
        Ok(format!("{{\"digest\":\"{d}\"}}"))
    }

    fn raw(answer: &str) -> Result<String, &'static str> {
        Ok(answer.to_owned())
    }

    #[rstest]
    // A tag is pinned, the tag kept; the host is asked for what is pulled.
    #[case::tag_pinned("registry.corp.example/shop/api:1.4.2", &[], found(D1), Pinned::Write(format!("registry.corp.example/shop/api:1.4.2@{D1}")), &["\"registry.corp.example/shop/api:1.4.2\""])]
    #[case::hub_short_name("nginx:1.27", &[], found(D1), Pinned::Write(format!("nginx:1.27@{D1}")), &["\"docker.io/library/nginx:1.27\""])]
    #[case::no_tag_is_latest("nginx", &[], found(D2), Pinned::Write(format!("nginx@{D2}")), &["\"docker.io/library/nginx:latest\""])]
    // Already pinned: no lookup, no change.
    #[case::digest_kept(&format!("ghcr.io/acme/app:1@{D1}"), &[], found(D2), Pinned::Keep, &[])]
    // UPDATE: the same image as the old object, no lookup, no change.
    #[case::update_unchanged("ghcr.io/acme/app:1.0", &["ghcr.io/acme/app:1.0"], found(D1), Pinned::Keep, &[])]
    #[case::update_unchanged_normalized("docker.io/library/nginx:1.27", &["nginx:1.27"], found(D1), Pinned::Keep, &[])]
    // UPDATE: the manifest applied again drops the pin; the old one is written back.
    #[case::update_pin_written_back("ghcr.io/acme/app:1.0", &[&*format!("ghcr.io/acme/app:1.0@{D1}")], found(D2), Pinned::Write(format!("ghcr.io/acme/app:1.0@{D1}")), &[])]
    #[case::update_other_tag_looked_up("ghcr.io/acme/app:2.0", &[&*format!("ghcr.io/acme/app:1.0@{D1}")], found(D2), Pinned::Write(format!("ghcr.io/acme/app:2.0@{D2}")), &["\"ghcr.io/acme/app:2.0\""])]
    #[case::update_other_repo_looked_up("ghcr.io/acme/api:1.0", &[&*format!("ghcr.io/acme/app:1.0@{D1}")], found(D2), Pinned::Write(format!("ghcr.io/acme/api:1.0@{D2}")), &["\"ghcr.io/acme/api:1.0\""])]
    // Failed lookups, and answers that are not a digest.
    #[case::host_error("ghcr.io/acme/app:9.9", &[], Err("manifest unknown"), Pinned::Failed("manifest unknown".into()), &["\"ghcr.io/acme/app:9.9\""])]
    #[case::not_json("ghcr.io/acme/app:1", &[], raw("sha256:abc"), Pinned::Failed("the host's answer is not {\"digest\": …}: expected value at line 1 column 1".into()), &["\"ghcr.io/acme/app:1\""])]
    #[case::no_digest_key("ghcr.io/acme/app:1", &[], raw(r#"{"sha":"x"}"#), Pinned::Failed("the host's answer has no \"digest\" string".into()), &["\"ghcr.io/acme/app:1\""])]
    #[case::short_digest("ghcr.io/acme/app:1", &[], raw(r#"{"digest":"sha256:abc"}"#), Pinned::Failed("the host answered \"sha256:abc\", which is not a sha256, sha384 or sha512 digest".into()), &["\"ghcr.io/acme/app:1\""])]
    #[case::upper_hex("ghcr.io/acme/app:1", &[], raw(r#"{"digest":"sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}"#), Pinned::Failed("the host answered \"sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\", which is not a sha256, sha384 or sha512 digest".into()), &["\"ghcr.io/acme/app:1\""])]
    #[case::md5("ghcr.io/acme/app:1", &[], raw(r#"{"digest":"md5:0123456789abcdef0123456789abcdef"}"#), Pinned::Failed("the host answered \"md5:0123456789abcdef0123456789abcdef\", which is not a sha256, sha384 or sha512 digest".into()), &["\"ghcr.io/acme/app:1\""])]
    // The longer algorithms OCI allows are pins too; each has its own length.
    #[case::sha384("ghcr.io/acme/app:1", &[], found(D384), Pinned::Write(format!("ghcr.io/acme/app:1@{D384}")), &["\"ghcr.io/acme/app:1\""])]
    #[case::sha512("ghcr.io/acme/app:1", &[], found(D512), Pinned::Write(format!("ghcr.io/acme/app:1@{D512}")), &["\"ghcr.io/acme/app:1\""])]
    #[case::sha384_with_sha256_length("ghcr.io/acme/app:1", &[], found(&D1.replace("sha256", "sha384")), Pinned::Failed(format!("the host answered {:?}, which is not a sha256, sha384 or sha512 digest", D1.replace("sha256", "sha384"))), &["\"ghcr.io/acme/app:1\""])]
    #[case::sha512_with_sha384_length("ghcr.io/acme/app:1", &[], found(&D384.replace("sha384", "sha512")), Pinned::Failed(format!("the host answered {:?}, which is not a sha256, sha384 or sha512 digest", D384.replace("sha384", "sha512"))), &["\"ghcr.io/acme/app:1\""])]
    fn pins(
        #[case] image: &str,
        #[case] old: &[&str],
        #[case] answer: Result<String, &str>,
        #[case] expected: Pinned,
        #[case] asked: &[&str],
    ) {
        let (pinned, got_asked) = run(image, old, answer);
        assert_eq!(pinned, expected);
        assert_eq!(got_asked, asked);
    }

    #[test]
    fn one_lookup_per_distinct_image() {
        let parsed = parse("ghcr.io/acme/app:1").expect("valid");
        let mut calls = 0;
        let mut lookup = |_: &[u8]| {
            calls += 1;
            Ok(format!("{{\"digest\":\"{D1}\"}}").into_bytes())
        };
        let mut cache = Vec::new();
        for _container in 0..2 {
            assert_eq!(
                pin("ghcr.io/acme/app:1", &parsed, &[], &mut cache, &mut lookup),
                Pinned::Write(format!("ghcr.io/acme/app:1@{D1}"))
            );
        }
        assert_eq!(calls, 1);
    }

    /// Pins each image of a request in turn with one cache, as validation
    /// does, against a registry answering `answers` in order (one per lookup);
    /// what each pin gave, and what was asked.
    fn pin_all(images: &[&str], answers: &[Result<&str, &str>]) -> (Vec<Pinned>, Vec<String>) {
        let mut asked = Vec::new();
        let mut answers = answers.iter();
        let mut lookup = |payload: &[u8]| {
            asked.push(String::from_utf8_lossy(payload).into_owned());
            match answers.next().expect("no more lookups than answers") {
                Ok(digest) => Ok(format!("{{\"digest\":\"{digest}\"}}").into_bytes()),
                Err(why) => Err((*why).to_owned()),
            }
        };
        let mut cache = Vec::new();
        let pinned = images
            .iter()
            .map(|image| {
                let parsed = parse(image).expect("valid image");
                pin(image, &parsed, &[], &mut cache, &mut lookup)
            })
            .collect();
        (pinned, asked)
    }

    /// The cache is keyed by what is pulled: spellings of one image share a
    /// lookup, and so does a failure (a second container does not ask again).
    #[rstest]
    #[case::hub_spellings_share_a_lookup(
        &["nginx:1", "docker.io/library/nginx:1", "index.docker.io/library/nginx:1"],
        &[Ok(D1)],
        vec![
            Pinned::Write(format!("nginx:1@{D1}")),
            Pinned::Write(format!("docker.io/library/nginx:1@{D1}")),
            Pinned::Write(format!("index.docker.io/library/nginx:1@{D1}")),
        ],
        &["\"docker.io/library/nginx:1\""]
    )]
    #[case::failure_is_cached(
        &["ghcr.io/acme/app:9", "ghcr.io/acme/app:9"],
        &[Err("manifest unknown")],
        vec![Pinned::Failed("manifest unknown".into()), Pinned::Failed("manifest unknown".into())],
        &["\"ghcr.io/acme/app:9\""]
    )]
    #[case::failure_does_not_stop_other_images(
        &["ghcr.io/acme/app:9", "ghcr.io/acme/app:1", "ghcr.io/acme/app:9"],
        &[Err("manifest unknown"), Ok(D2)],
        vec![
            Pinned::Failed("manifest unknown".into()),
            Pinned::Write(format!("ghcr.io/acme/app:1@{D2}")),
            Pinned::Failed("manifest unknown".into()),
        ],
        &["\"ghcr.io/acme/app:9\"", "\"ghcr.io/acme/app:1\""]
    )]
    #[case::other_tag_other_lookup(
        &["nginx:1", "nginx:2"],
        &[Ok(D1), Ok(D2)],
        vec![Pinned::Write(format!("nginx:1@{D1}")), Pinned::Write(format!("nginx:2@{D2}"))],
        &["\"docker.io/library/nginx:1\"", "\"docker.io/library/nginx:2\""]
    )]
    fn lookups_are_cached_per_request(
        #[case] images: &[&str],
        #[case] answers: &[Result<&str, &str>],
        #[case] expected: Vec<Pinned>,
        #[case] asked: &[&str],
    ) {
        let (pinned, got_asked) = pin_all(images, answers);
        assert_eq!(pinned, expected);
        assert_eq!(got_asked, asked);
    }

    #[rstest]
    #[case::reject("reject", Ok(OnFailure::Reject))]
    #[case::admit("admit", Ok(OnFailure::Admit))]
    #[case::typo("Admit", Err("onPinFailure \"Admit\": expected reject or admit".to_owned()))]
    fn on_failure(#[case] text: &str, #[case] expected: Result<OnFailure, String>) {
        assert_eq!(OnFailure::parse(text), expected);
    }
}
