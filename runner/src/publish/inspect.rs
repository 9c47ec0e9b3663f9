//! `inspect`: show the metadata embedded in a module, as `kwctl inspect`
//! does: a readable summary, or the metadata itself as YAML or JSON.

use std::fmt::Write as _;

use anyhow::{Context, Result};

use crate::wasm::metadata::{
    Metadata, ANNOTATION_AUTHOR, ANNOTATION_DESCRIPTION, ANNOTATION_LICENSE, ANNOTATION_SOURCE,
    ANNOTATION_TITLE, ANNOTATION_URL, ANNOTATION_USAGE,
};

/// How `inspect` prints the metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// A summary for people, with the rules and the usage text.
    #[default]
    Text,
    /// The metadata document as YAML (`metadata.yml` plus what annotation adds).
    Yaml,
    /// The metadata document as the JSON stored in the module, indented.
    Json,
}

/// What `inspect` says about a module that carries no metadata.
pub fn missing_metadata_message(module: &str) -> String {
    format!(
        "No Kubewarden metadata found inside of '{module}'.\n\
         Policies can be annotated with the `kwctl annotate` command \
         (or `kwrunner annotate`)."
    )
}

/// Renders the metadata in the given format.
pub fn render(metadata: &Metadata, format: Format) -> Result<String> {
    match format {
        Format::Yaml => {
            serde_yaml::to_string(metadata).context("cannot write the metadata as YAML")
        }
        Format::Json => serde_json::to_string_pretty(metadata)
            .map(|json| json + "\n")
            .context("cannot write the metadata as JSON"),
        Format::Text => text(metadata),
    }
}

fn text(metadata: &Metadata) -> Result<String> {
    let mut out = String::new();
    let annotation = |key: &str| metadata.annotation(key).unwrap_or("").to_owned();
    let context_aware = if metadata.context_aware_resources.is_empty() {
        "none".to_owned()
    } else {
        metadata
            .context_aware_resources
            .iter()
            .map(|r| format!("{}/{}", r.api_version, r.kind))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let details = [
        ("title", annotation(ANNOTATION_TITLE)),
        ("description", annotation(ANNOTATION_DESCRIPTION)),
        ("author", annotation(ANNOTATION_AUTHOR)),
        ("url", annotation(ANNOTATION_URL)),
        ("source", annotation(ANNOTATION_SOURCE)),
        ("license", annotation(ANNOTATION_LICENSE)),
        ("mutating", metadata.mutating.to_string()),
        (
            "background audit support",
            metadata.background_audit.to_string(),
        ),
        ("context aware resources", context_aware),
        ("execution mode", metadata.execution_mode.to_string()),
        ("policy type", metadata.policy_type.to_string()),
        (
            "protocol version",
            metadata
                .protocol_version
                .clone()
                .unwrap_or_else(|| "none".to_owned()),
        ),
        (
            "host capabilities",
            match &metadata.host_capabilities {
                Some(list) if !list.is_empty() => list.join(", "),
                _ => "none".to_owned(),
            },
        ),
        (
            "minimum kubewarden version",
            metadata
                .minimum_kubewarden_version
                .clone()
                .unwrap_or_else(|| "none".to_owned()),
        ),
    ];
    writeln!(out, "Details")?;
    for (label, value) in details {
        writeln!(out, "{:<27} {value}", format!("{label}:"))?;
    }

    let others: Vec<(&String, &String)> = metadata
        .annotations
        .iter()
        .flatten()
        .filter(|(key, _)| {
            ![
                ANNOTATION_TITLE,
                ANNOTATION_DESCRIPTION,
                ANNOTATION_AUTHOR,
                ANNOTATION_URL,
                ANNOTATION_SOURCE,
                ANNOTATION_LICENSE,
                ANNOTATION_USAGE,
            ]
            .contains(&key.as_str())
        })
        .collect();
    if !others.is_empty() {
        let width = others.iter().map(|(key, _)| key.len()).max().unwrap_or(0);
        writeln!(out, "\nAnnotations")?;
        for (key, value) in others {
            writeln!(out, "{key:<width$} {value}")?;
        }
    }

    writeln!(out, "\nRules")?;
    writeln!(out, "{}", "─".repeat(20))?;
    out.push_str(&serde_yaml::to_string(&metadata.rules)?);

    if let Some(usage) = metadata.annotation(ANNOTATION_USAGE) {
        writeln!(out, "\nUsage")?;
        writeln!(out, "{}", "─".repeat(20))?;
        out.push_str(usage);
        if !usage.ends_with('\n') {
            out.push('\n');
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn metadata() -> Metadata {
        let mut metadata = Metadata::from_yaml(
            "rules:\n- apiGroups: [\"\"]\n  apiVersions: [v1]\n  resources: [pods]\n  operations: [CREATE]\nmutating: true\nannotations:\n  io.kubewarden.policy.title: demo\n  io.artifacthub.displayName: Demo\n  io.kubewarden.policy.usage: \"# Demo\\nUse it.\"\n",
        )
        .unwrap();
        metadata.protocol_version = Some("v1".to_owned());
        metadata
    }

    #[rstest]
    #[case::title("title:                      demo\n")]
    #[case::mutating("mutating:                   true\n")]
    #[case::protocol("protocol version:           v1\n")]
    #[case::other_annotations("\nAnnotations\nio.artifacthub.displayName Demo\n")]
    #[case::rules("\nRules\n────────────────────\n- apiGroups:\n  - ''\n")]
    #[case::usage("\nUsage\n────────────────────\n# Demo\nUse it.\n")]
    fn text_shows(#[case] expected: &str) {
        let text = render(&metadata(), Format::Text).unwrap();
        assert!(text.contains(expected), "{text}");
    }

    #[rstest]
    #[case::yaml(Format::Yaml)]
    #[case::json(Format::Json)]
    fn documents_read_back(#[case] format: Format) {
        let rendered = render(&metadata(), format).unwrap();
        let read: Metadata = match format {
            Format::Json => serde_json::from_str(&rendered).unwrap(),
            _ => serde_yaml::from_str(&rendered).unwrap(),
        };
        assert_eq!(read, metadata());
    }

    #[test]
    fn says_plainly_when_there_is_nothing() {
        let message = missing_metadata_message("policy.wasm");
        assert!(message.starts_with("No Kubewarden metadata found inside of 'policy.wasm'."));
    }
}
