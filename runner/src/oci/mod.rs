//! Publishing policies to OCI registries and fetching them back, as
//! `kwctl push` and `kwctl pull` do.
//!
//! A policy is an OCI image manifest whose config is `{}` with media type
//! `application/vnd.wasm.config.v1+json` and whose single layer is the module,
//! `application/vnd.wasm.content.layer.v1+wasm`. Like kwctl, the push copies
//! the module's single-line metadata annotations into the manifest's
//! `annotations` and adds `org.opencontainers.image.source`. Registries are
//! reached over HTTPS unless the caller asks for plain HTTP (`insecure`, or a
//! kwctl `sources.yml` listing the registry under `insecure_sources`).
//! Credentials come from a Docker `config.json` (`auths.<registry>.auth`),
//! anonymous otherwise.
//!
//! The registry client (`oci/client.rs`: oci-client, reqwest, rustls) is the
//! `oci` feature, on by default. `make run` builds the runner without it:
//! running a local module reaches no registry, and the client's HTTP, TLS and
//! OCI crates are about a sixth of the runner's cold build. Such a runner
//! refuses every registry operation with [`WITHOUT_CLIENT`].
//!
//! This room is below `engine` (the digest capability looks images up here)
//! and `publish`; it reads a module's metadata from `wasm`.
//!
//! May use: `wasm`.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

#[cfg(feature = "oci")]
mod client;
#[cfg(feature = "oci")]
pub use client::{
    manifest_annotations, manifest_digest, manifest_for, parse_reference, pull, push, registry_of,
    store_path,
};

#[cfg(not(feature = "oci"))]
mod without_client;
#[cfg(not(feature = "oci"))]
pub use without_client::{manifest_digest, pull, push, registry_of, store_path};

/// Why a runner built without the `oci` feature refuses registry work.
pub const WITHOUT_CLIENT: &str = "this kwrunner was built without its OCI client \
(cargo feature `oci`, left out by `make run`); `make runner` builds one that reaches registries";

/// Scheme of policy URIs that live in a registry.
pub const SCHEME: &str = "registry://";

/// How to reach registries: which may use plain HTTP, which credentials.
#[derive(Debug, Clone, Default)]
pub struct Access {
    /// Registries (`host[:port]`) reached over plain HTTP.
    pub insecure: Vec<String>,
    /// A Docker `config.json` to read credentials from.
    pub docker_config: Option<PathBuf>,
}

/// The parts of kwctl's `sources.yml` this tool understands.
#[derive(Deserialize, Debug, Default)]
struct Sources {
    #[serde(default)]
    insecure_sources: Vec<String>,
}

impl Access {
    /// Adds the `insecure_sources` of a kwctl `sources.yml`.
    pub fn with_sources_file(mut self, path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read sources file {}", path.display()))?;
        let sources: Sources = serde_yaml::from_str(&text)
            .with_context(|| format!("cannot parse sources file {}", path.display()))?;
        self.insecure.extend(sources.insecure_sources);
        Ok(self)
    }
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for byte in hash.iter() {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// A policy fetched from a registry.
#[derive(Debug, Clone)]
pub struct Pulled {
    /// The module's bytes.
    pub module: Vec<u8>,
    /// Digest of the manifest (what `@sha256:...` references pin).
    pub manifest_digest: String,
    /// Digest of the module layer.
    pub layer_digest: String,
}

/// The default store: `$XDG_CACHE_HOME/kwrunner/store`, else `~/.cache/kwrunner/store`.
pub fn default_store() -> Result<PathBuf> {
    if let Some(cache) = std::env::var_os("XDG_CACHE_HOME").filter(|dir| !dir.is_empty()) {
        return Ok(PathBuf::from(cache).join("kwrunner/store"));
    }
    std::env::var_os("HOME")
        .map(|home| PathBuf::from(home).join(".cache/kwrunner/store"))
        .ok_or_else(|| anyhow!("no store: set XDG_CACHE_HOME or HOME, or pass --store-path"))
}

/// Pulls `uri` into the store and returns where it was written.
pub fn pull_to_store(uri: &str, access: &Access, store: &Path) -> Result<(PathBuf, Pulled)> {
    let pulled = pull(uri, access)?;
    if !pulled.module.starts_with(b"\0asm") {
        bail!("{uri}: the layer is not a WebAssembly module");
    }
    let path = store_path(store, uri)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create store directory {}", dir.display()))?;
    }
    // Write next to the target, then rename: a reader never sees half a module.
    let partial = path.with_extension("partial");
    std::fs::write(&partial, &pulled.module)
        .with_context(|| format!("cannot write {}", partial.display()))?;
    std::fs::rename(&partial, &path)
        .with_context(|| format!("cannot move the module to {}", path.display()))?;
    Ok((path, pulled))
}

/// A module path for `run`: a local file as it is, a `registry://` URI
/// pulled into the store unless it is already there.
pub fn resolve_module(module: &str, access: &Access, store: &Path) -> Result<PathBuf> {
    if !module.starts_with(SCHEME) {
        return Ok(PathBuf::from(module));
    }
    let path = store_path(store, module)?;
    if path.is_file() {
        return Ok(path);
    }
    pull_to_store(module, access, store).map(|(path, _)| path)
}
