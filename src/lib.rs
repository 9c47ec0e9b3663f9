//! Kubewarden policy: admit container images only from trusted registries.
//!
//! This file only registers the waPC functions and dispatches; each idea lives in
//! its own module: [`reference`] reads image strings as the runtime does,
//! [`registry`] and [`image_pattern`] are the matching rules, [`settings`] checks
//! and compiles the settings, [`mirror`] rewrites registries to trusted mirrors,
//! [`workload`] finds the images in each kind, [`validation`] judges them,
//! [`pin`] pins admitted images to their digests, [`mutation`] writes
//! rewritten images back and [`response`] shapes the answer.

pub mod allow_wildcards;
pub mod bytes;
pub mod candidates;
pub mod entry_scan;
pub mod glob;
pub mod image_pattern;
pub mod json;
pub mod json_reader;
pub mod mirror;
pub mod mutation;
pub mod pin;
pub mod public_suffix;
pub mod reference;
pub mod registry;
pub mod response;
pub mod settings;
pub mod tag_pattern;
pub mod validation;
pub mod workload;

use kubewarden_policy_sdk::protocol_version_guest;
use kubewarden_policy_sdk::settings::SettingsValidationResponse;
use wapc_guest::{register_function, CallResult};

/// waPC entry point: registers the functions Kubewarden calls.
#[no_mangle]
pub extern "C" fn wapc_init() {
    register_function("validate", validate);
    register_function("validate_settings", validate_settings);
    register_function("protocol_version", protocol_version_guest);
}

/// Judges one admission request against the settings it arrives with.
fn validate(payload: &[u8]) -> CallResult {
    response::answer(validation::validate(payload, &mut pin::host_lookup))
}

/// Checks settings before policy-server loads the policy.
fn validate_settings(payload: &[u8]) -> CallResult {
    let verdict = settings::check(payload);
    Ok(serde_json::to_vec(&SettingsValidationResponse {
        valid: verdict.is_ok(),
        message: verdict.err(),
    })?)
}

/// What the unit tests of several modules share.
#[cfg(test)]
mod test_support {
    /// A valid sha256 digest, the one the tests' images are pinned to.
    pub const D: &str = "sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa";
}
