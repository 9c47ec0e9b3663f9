//! `kwrunner scan`: rendered manifests checked with a policy before they
//! reach a cluster. `manifests` reads files into objects with their lines,
//! `judge` sends every object through the policy ([`Scanner`]), `report`
//! prints the verdicts as text, JSON or JUnit, and `command` is the
//! subcommand.
//!
//! May use: `engine`, `kube`, `oci`, `wasm`.

pub mod command;
pub mod judge;
pub mod manifests;
pub mod report;

// The judging types are the room's own: `scan::Scanner`, `scan::Report`...
pub use judge::*;
