//! The registry operations of a runner built without its OCI client (the
//! `oci` feature): each one fails with [`WITHOUT_CLIENT`], so a `registry://`
//! module, a push, a pull or a digest lookup says what is missing instead of
//! reaching nothing.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use super::{Access, Pulled, WITHOUT_CLIENT};

/// Refuses: pushing needs the OCI client.
pub fn push(_module: &[u8], uri: &str, _access: &Access, _force: bool) -> Result<String> {
    bail!("cannot push to {uri}: {WITHOUT_CLIENT}")
}

/// Refuses: pulling needs the OCI client.
pub fn pull(uri: &str, _access: &Access) -> Result<Pulled> {
    bail!("cannot pull {uri}: {WITHOUT_CLIENT}")
}

/// Refuses: the lookup behind `oci/v1/manifest_digest` needs the OCI client.
pub fn manifest_digest(
    image: &str,
    _access: &Access,
    _deadline: Option<std::time::Instant>,
) -> Result<String> {
    bail!("cannot fetch the manifest digest of {image}: {WITHOUT_CLIENT}")
}

/// Refuses: the store is laid out by the client's reference parser.
pub fn store_path(_store: &Path, _uri: &str) -> Result<PathBuf> {
    bail!(WITHOUT_CLIENT)
}

/// No registry is named, as none can be reached.
pub fn registry_of(_uri: &str) -> Option<String> {
    None
}
