//! kwrunner: a small waPC host that runs Kubewarden policies the way
//! `kwctl run` does, for tests and benchmarks.
//!
//! ```no_run
//! # fn main() -> anyhow::Result<()> {
//! let policy = kwrunner::Policy::from_bytes(&std::fs::read("policy.wasm")?)?;
//! let mut instance = policy.instance()?;
//! let settings = kwrunner::settings::from_json(r#"{"registries": ["registry.example.com"]}"#)?;
//! assert!(instance.validate_settings(&settings)?.valid);
//! let request: serde_json::Value = serde_json::from_str(&std::fs::read_to_string("request.json")?)?;
//! let response = instance.validate(&request, &settings)?;
//! println!("{}", serde_json::to_string(&response)?);
//! # Ok(())
//! # }
//! ```

pub mod annotate;
pub mod capabilities;
pub mod host;
pub mod inspect;
pub mod manifests;
pub mod metadata;
pub mod oci;
pub mod patch;
pub mod policy;
pub mod request;
pub mod resources;
pub mod response;
pub mod scaffold;
pub mod scan;
pub mod scan_report;
pub mod session;
pub mod settings;
pub mod wasm;

pub use policy::{Instance, Options, Policy, DEFAULT_TIMEOUT};
pub use request::{AdmissionRequest, ValidateRequest};
pub use response::{AdmissionResponse, SettingsVerdict, ValidationResponse};
pub use settings::Settings;
