//! The engine: loading a policy module and running it in waPC instances
//! (`policy`), the host capabilities offered to the guest (`host`, with
//! `capabilities` for what it may call and `session` for kwctl's record and
//! replay files), and the `run` command with the arguments every command that
//! loads a module shares (`commands`).
//!
//! May use: `kube`, `oci`, `wasm`.

pub mod capabilities;
pub mod commands;
pub mod host;
pub mod policy;
pub mod session;
