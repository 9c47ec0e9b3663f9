//! Benchmark floor guest: one waPC round trip plus one full JSON parse.
//!
//! `validate` reads its whole payload once with serde_json (into
//! `IgnoredAny`, so nothing is allocated for it) and then accepts: the least
//! work any real policy does, since every policy must parse its request.

use serde::de::IgnoredAny;
use wapc_guest::prelude::*;

/// What kubewarden-policy-sdk's `accept_request()` serializes.
const ACCEPT: &[u8] = br#"{"accepted":true,"message":null,"code":null,"mutated_object":null,"audit_annotations":null,"warnings":null}"#;

/// Registers the waPC functions a Kubewarden host calls.
#[no_mangle]
pub extern "C" fn wapc_init() {
    register_function("validate", validate);
    register_function("validate_settings", validate_settings);
    register_function("protocol_version", protocol_version);
}

fn validate(payload: &[u8]) -> CallResult {
    serde_json::from_slice::<IgnoredAny>(payload)?;
    Ok(ACCEPT.to_vec())
}

fn validate_settings(_payload: &[u8]) -> CallResult {
    Ok(br#"{"valid":true}"#.to_vec())
}

/// Same answer as kubewarden-policy-sdk's `protocol_version_guest`.
fn protocol_version(_payload: &[u8]) -> CallResult {
    Ok(br#""v1""#.to_vec())
}
