//! Shared by the policy's integration tests: one digest, one Pod builder and
//! one way of reading a verdict, so the tables stay about their cases.

#![allow(dead_code)] // each test crate uses a different subset

use registry_allowlist::validation::{validate, Verdict};
use serde_json::{json, Value};

/// A well-formed sha256 digest (of no image in particular) for references
/// that carry one, as a literal for `concat!` in const tables (`#[macro_use]
/// mod common;`); everything else uses [`DIGEST`].
macro_rules! digest {
    () => {
        concat!("sha256:", digest_hex!())
    };
}

/// The hex of [`digest!`].
macro_rules! digest_hex {
    () => {
        "7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa"
    };
}

/// The digest of [`digest!`]; `test_data/pod_creation_digest.json` carries it.
pub const DIGEST: &str = digest!();

/// The `request` of a Pod CREATE whose containers `c0`, `c1`... run `images`.
pub fn pod(images: &[&str]) -> Value {
    let containers: Vec<_> = images
        .iter()
        .enumerate()
        .map(|(i, image)| json!({"name": format!("c{i}"), "image": image}))
        .collect();
    json!({"uid": "1", "kind": {"group": "", "version": "v1", "kind": "Pod"},
           "operation": "CREATE", "object": {"spec": {"containers": containers}}})
}

/// `validate` on `payload` (no registry to ask: a lookup fails), read as
/// "accept", "reject: c0, c2", "bad settings: ...", "bad request: ...",
/// "warn" (admitted with warnings), "mutate" (admitted, patched) or "admit"
/// (admitted with audit annotations only).
pub fn verdict(payload: &str) -> String {
    let mut no_lookup = |_: &[u8]| Err("no digest lookups here".to_owned());
    match validate(payload.as_bytes(), &mut no_lookup) {
        Verdict::Accept => "accept".to_owned(),
        Verdict::Reject(refusal) => {
            let names: Vec<String> = refusal
                .findings
                .iter()
                .map(|f| f.name.0.to_string())
                .collect();
            format!("reject: {}", names.join(", "))
        }
        Verdict::BadSettings(why) => format!("bad settings: {why}"),
        Verdict::BadRequest(why) => format!("bad request: {why}"),
        Verdict::Admit(a) if !a.warnings.is_empty() || !a.would_refuse.is_empty() => {
            "warn".to_owned()
        }
        Verdict::Admit(a) if a.mutated.is_some() => "mutate".to_owned(),
        Verdict::Admit(_) => "admit".to_owned(),
    }
}

/// The verdict on a Pod running `images` under `settings` (JSON text).
pub fn judge_pod(images: &[&str], settings: &str) -> String {
    verdict(&format!(
        r#"{{"request": {}, "settings": {settings}}}"#,
        pod(images)
    ))
}
