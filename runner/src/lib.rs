//! kwrunner: a small waPC host that runs Kubewarden policies the way
//! `kwctl run` does, for tests and benchmarks.
//!
//! ```no_run
//! # fn main() -> anyhow::Result<()> {
//! let policy = kwrunner::Policy::from_bytes(&std::fs::read("policy.wasm")?)?;
//! let mut instance = policy.instance()?;
//! let settings = kwrunner::kube::settings::from_json(r#"{"registries": ["registry.example.com"]}"#)?;
//! assert!(instance.validate_settings(&settings)?.valid);
//! let request: serde_json::Value = serde_json::from_str(&std::fs::read_to_string("request.json")?)?;
//! let response = instance.validate(&request, &settings)?;
//! println!("{}", serde_json::to_string(&response)?);
//! # Ok(())
//! # }
//! ```
//!
//! The crate is in rooms, one folder each; a room's `mod.rs` says what it is
//! for and which rooms it may use, and a room only uses rooms below it
//! (`tests/rooms.rs` checks every `crate::` path against that table):
//!
//! - [`scan`], [`publish`]: the `scan` command; annotating, inspecting,
//!   scaffolding, pushing and pulling policies;
//! - [`engine`]: loading and running a module, the host capabilities it is
//!   offered, and `run`;
//! - [`oci`]: the registry client;
//! - [`kube`], [`wasm`]: the Kubernetes shapes the runner speaks; a module's
//!   custom sections and the policy metadata they carry.

pub mod engine;
pub mod kube;
pub mod oci;
pub mod publish;
pub mod scan;
pub mod wasm;

pub use engine::policy::{Instance, Options, Policy, DEFAULT_TIMEOUT};
pub use kube::request::{AdmissionRequest, ValidateRequest};
pub use kube::response::{AdmissionResponse, SettingsVerdict, ValidationResponse};
pub use kube::settings::Settings;
