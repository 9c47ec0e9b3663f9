//! `annotate`: embed `metadata.yml` in a module, as `kwctl annotate` does.
//!
//! The metadata is read and checked, the protocol version is asked of the
//! module itself (its `protocol_version` waPC export), the usage text is
//! added as `io.kubewarden.policy.usage`, and the whole is written as JSON
//! into the `io.kubewarden.metadata` custom section of a copy of the module.
//! policy-server refuses a `kubewarden-wapc` module without that section.

use anyhow::{Context, Result};

use crate::engine::policy::Policy;
use crate::wasm;
use crate::wasm::metadata::{ExecutionMode, Metadata, ANNOTATION_USAGE, CUSTOM_SECTION};

/// Protocol version of modules that are not waPC guests, as kwctl writes it.
const UNKNOWN_PROTOCOL: &str = "Unknown";

/// Annotates `module` with the metadata in `metadata_yaml` and, when given,
/// `usage` (the README); the protocol version comes from running the module.
/// Returns the annotated module and the metadata written into it.
pub fn annotate(
    module: &[u8],
    metadata_yaml: &str,
    usage: Option<&str>,
) -> Result<(Vec<u8>, Metadata)> {
    annotate_with(module, metadata_yaml, usage, protocol_version)
}

/// [`annotate`], with the way the protocol version is found given as
/// `detect` (called only for `kubewarden-wapc` modules).
pub fn annotate_with(
    module: &[u8],
    metadata_yaml: &str,
    usage: Option<&str>,
    detect: impl FnOnce(&[u8]) -> Result<String>,
) -> Result<(Vec<u8>, Metadata)> {
    let mut metadata = Metadata::from_yaml(metadata_yaml)?;
    metadata.validate(false)?;
    metadata.protocol_version = Some(match metadata.execution_mode {
        ExecutionMode::KubewardenWapc => {
            detect(module).context("cannot compute the protocol version used by the policy")?
        }
        _ => UNKNOWN_PROTOCOL.to_owned(),
    });
    if let Some(usage) = usage {
        metadata
            .annotations
            .get_or_insert_with(Default::default)
            .insert(ANNOTATION_USAGE.to_owned(), usage.to_owned());
    }
    metadata.validate(true)?;
    let annotated = wasm::set_custom_section(module, CUSTOM_SECTION, &metadata.to_json()?)?;
    Ok((annotated, metadata))
}

/// Instantiates the module and calls its `protocol_version` export.
pub fn protocol_version(module: &[u8]) -> Result<String> {
    Policy::from_bytes(module)?.instance()?.protocol_version()
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::anyhow;
    use rstest::rstest;

    const METADATA: &str = "rules:\n- apiGroups: [\"\"]\n  apiVersions: [v1]\n  resources: [pods]\n  operations: [CREATE]\nmutating: false\nannotations:\n  io.kubewarden.policy.title: test\n";

    /// An empty module: `(module)`.
    const EMPTY: &[u8] = &[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

    fn v1(_: &[u8]) -> Result<String> {
        Ok("v1".to_owned())
    }

    #[rstest]
    #[case::with_usage(Some("# Usage\nread me\n"))]
    #[case::without_usage(None)]
    fn writes_metadata_that_reads_back(#[case] usage: Option<&str>) {
        let (annotated, written) = annotate_with(EMPTY, METADATA, usage, v1).unwrap();
        let read = Metadata::from_module(&annotated).unwrap().unwrap();
        assert_eq!(read, written);
        assert_eq!(read.protocol_version.as_deref(), Some("v1"));
        assert_eq!(read.annotation(ANNOTATION_USAGE), usage);
        assert_eq!(read.annotation("io.kubewarden.policy.title"), Some("test"));
    }

    #[test]
    fn annotating_twice_keeps_one_section() {
        let (once, _) = annotate_with(EMPTY, METADATA, Some("one"), v1).unwrap();
        let (twice, _) = annotate_with(&once, METADATA, Some("two"), v1).unwrap();
        let read = Metadata::from_module(&twice).unwrap().unwrap();
        assert_eq!(read.annotation(ANNOTATION_USAGE), Some("two"));
        let (direct, _) = annotate_with(EMPTY, METADATA, Some("two"), v1).unwrap();
        assert_eq!(twice, direct);
    }

    #[rstest]
    #[case::unknown_protocol(METADATA, |_: &[u8]| Ok("Unknown".to_owned()), "protocolVersion")]
    #[case::no_export(METADATA, |_: &[u8]| Err(anyhow!("no protocol_version export")), "protocol version")]
    #[case::invalid_metadata("mutating: false\nrules: [{apiGroups: [], apiVersions: [v1], resources: [pods], operations: [CREATE]}]\n", v1, "apiGroups")]
    #[case::unknown_field(
        "mutating: false\nrules: []\nexecutionmode: wasi\n",
        v1,
        "unknown field `executionmode`"
    )]
    fn refuses(
        #[case] metadata: &str,
        #[case] detect: fn(&[u8]) -> Result<String>,
        #[case] expected: &str,
    ) {
        let error = format!(
            "{:#}",
            annotate_with(EMPTY, metadata, None, detect).unwrap_err()
        );
        assert!(error.contains(expected), "{error}");
    }

    #[test]
    fn rego_modules_get_the_unknown_protocol_without_running() {
        let metadata = "rules: []\nmutating: false\nexecutionMode: opa\n";
        let (annotated, _) =
            annotate_with(EMPTY, metadata, None, |_| panic!("not a waPC guest")).unwrap();
        let read = Metadata::from_module(&annotated).unwrap().unwrap();
        assert_eq!(read.protocol_version.as_deref(), Some(UNKNOWN_PROTOCOL));
    }
}
