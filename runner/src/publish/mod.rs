//! Publishing a policy: `annotate` embeds `metadata.yml` in a module,
//! `inspect` shows what a module carries, `scaffold` writes
//! `artifacthub-pkg.yml`; `commands` are those subcommands with `push` and
//! `pull`, whose registry work is `oci`'s.
//!
//! May use: `engine`, `kube`, `oci`, `wasm`.

pub mod annotate;
pub mod commands;
pub mod inspect;
pub mod scaffold;
