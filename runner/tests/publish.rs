//! Publishing through the `kwrunner` binary: `annotate` then `inspect`
//! against `metadata.yml`, refusals, and the Artifact Hub package.
//!
//! Uses the built policy (`policy.wasm` at the workspace root, made by
//! `make policy.wasm`); the registry round trip is `.ci/oci-roundtrip.sh`.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{
    kwrunner_in_workspace as kwrunner, policy_wasm, workspace_root as root, Run, TempDir,
};
use rstest::rstest;
use serde_yaml::Value;

/// Annotates `module` with `metadata` (a file under the workspace root or in
/// the test's directory) and the README; returns the run and the output path,
/// `output` in `dir`.
fn annotate(module: &Path, metadata: &Path, dir: &TempDir, output: &str) -> (Run, PathBuf) {
    let out = dir.join(output);
    let run = kwrunner([
        "annotate".as_ref(),
        "-m".as_ref(),
        metadata.as_os_str(),
        "-u".as_ref(),
        root().join("README.md").as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        module.as_os_str(),
    ]);
    (run, out)
}

fn yaml_file(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("readable YAML file");
    serde_yaml::from_str(&text).expect("valid YAML")
}

#[test]
fn annotate_then_inspect_gives_back_metadata_yml() {
    let dir = TempDir::new("round-trip");
    let metadata_path = root().join("metadata.yml");
    let (run, annotated) = annotate(&policy_wasm(), &metadata_path, &dir, "round-trip.wasm");
    assert_eq!(run.status, 0, "{run:?}");

    let inspect = kwrunner([
        "inspect".as_ref(),
        "-o".as_ref(),
        "yaml".as_ref(),
        annotated.as_os_str(),
    ]);
    assert_eq!(inspect.status, 0, "{inspect:?}");
    let embedded: Value = serde_yaml::from_str(&inspect.stdout).expect("inspect prints YAML");
    let source = yaml_file(&metadata_path);

    for field in ["rules", "mutating", "backgroundAudit", "executionMode"] {
        assert_eq!(embedded.get(field), source.get(field), "field {field}");
    }
    assert_eq!(embedded["protocolVersion"], Value::from("v1"));
    assert_eq!(embedded["policyType"], Value::from("kubernetes"));
    assert_eq!(
        embedded["contextAwareResources"],
        Value::Sequence(Vec::new())
    );

    let mut annotations: BTreeMap<String, String> =
        serde_yaml::from_value(embedded["annotations"].clone()).expect("string annotations");
    let usage = annotations
        .remove("io.kubewarden.policy.usage")
        .expect("usage annotation");
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    assert_eq!(usage, readme);
    let expected: BTreeMap<String, String> =
        serde_yaml::from_value(source["annotations"].clone()).expect("string annotations");
    assert_eq!(annotations, expected);

    // The annotated module still runs, and still says v1.
    let text = kwrunner(["inspect".as_ref(), annotated.as_os_str()]);
    assert_eq!(text.status, 0, "{text:?}");
    assert!(
        text.stdout.contains("protocol version:           v1\n"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("\nUsage\n"), "{}", text.stdout);
}

#[test]
fn annotating_twice_gives_the_same_bytes() {
    let dir = TempDir::new("annotate-twice");
    let metadata = root().join("metadata.yml");
    let (first, once) = annotate(&policy_wasm(), &metadata, &dir, "once.wasm");
    assert_eq!(first.status, 0, "{first:?}");
    let (second, twice) = annotate(&once, &metadata, &dir, "twice.wasm");
    assert_eq!(second.status, 0, "{second:?}");
    assert_eq!(
        std::fs::read(&once).expect("once"),
        std::fs::read(&twice).expect("twice"),
        "re-annotating replaces the section instead of adding one"
    );
}

#[rstest]
#[case::json("json", "\"protocolVersion\": \"v1\"")]
#[case::yaml("yaml", "protocolVersion: v1\n")]
#[case::text("text", "execution mode:             kubewarden-wapc\n")]
fn inspect_formats(#[case] format: &str, #[case] expected: &str) {
    let dir = TempDir::new("inspect-formats");
    let (run, annotated) = annotate(
        &policy_wasm(),
        &root().join("metadata.yml"),
        &dir,
        "annotated.wasm",
    );
    assert_eq!(run.status, 0, "{run:?}");
    let inspect = kwrunner([
        "inspect".as_ref(),
        "-o".as_ref(),
        format.as_ref(),
        annotated.as_os_str(),
    ]);
    assert_eq!(inspect.status, 0, "{inspect:?}");
    assert!(inspect.stdout.contains(expected), "{}", inspect.stdout);
}

#[test]
fn inspect_says_plainly_when_there_is_no_metadata() {
    let run = kwrunner(["inspect".as_ref(), policy_wasm().as_os_str()]);
    assert_ne!(run.status, 0, "{run:?}");
    assert!(
        run.stderr
            .contains("No Kubewarden metadata found inside of"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, "");
}

const RULE: &str = "rules:\n- apiGroups: [\"\"]\n  apiVersions: [v1]\n  resources: [pods]\n  operations: [CREATE]\n";

#[rstest]
#[case::unknown_field(
    "mutating: false\nbackgroundaudit: true\n",
    "unknown field `backgroundaudit`"
)]
#[case::bad_execution_mode("mutating: false\nexecutionMode: kubewarden\n", "executionMode")]
#[case::bad_operation_star("mutating: false\nrules:\n- apiGroups: [\"\"]\n  apiVersions: [v1]\n  resources: [pods]\n  operations: [\"*\", CREATE]\n", "rules[0].operations")]
#[case::missing_mutating("backgroundAudit: true\n", "mutating")]
fn annotate_refuses_invalid_metadata(#[case] extra: &str, #[case] expected: &str) {
    let text = if extra.contains("rules:") {
        extra.to_owned()
    } else {
        format!("{RULE}{extra}")
    };
    let dir = TempDir::new("invalid-metadata");
    let metadata = dir.write("metadata.yml", text);
    let (run, out) = annotate(&policy_wasm(), &metadata, &dir, "annotated.wasm");
    assert_ne!(run.status, 0, "{run:?}");
    assert!(run.stderr.contains(expected), "{}", run.stderr);
    assert!(
        !out.exists(),
        "nothing is written when the metadata is refused"
    );
}

#[test]
fn annotate_needs_a_module_that_states_its_protocol() {
    // `(module)`: no waPC exports, so no protocol_version to ask.
    let dir = TempDir::new("empty-module");
    let empty = dir.write("empty.wasm", b"\0asm\x01\0\0\0");
    let (run, _) = annotate(&empty, &root().join("metadata.yml"), &dir, "annotated.wasm");
    assert_ne!(run.status, 0, "{run:?}");
    assert!(run.stderr.contains("protocol version"), "{}", run.stderr);
}

/// Runs `scaffold artifacthub` on the project's files with the given version.
fn scaffold(version: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "scaffold",
        "artifacthub",
        "--metadata-path",
        "metadata.yml",
        "--questions-path",
        "questions-ui.yml",
        "--version",
        version,
    ];
    args.extend_from_slice(extra);
    kwrunner(args)
}

/// The root crate's version, as the Makefile reads it.
fn cargo_version() -> String {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).expect("Cargo.toml");
    manifest
        .lines()
        .find_map(|line| line.strip_prefix("version = \""))
        .and_then(|rest| rest.strip_suffix('"'))
        .expect("a version line")
        .to_owned()
}

#[test]
fn committed_artifacthub_package_is_up_to_date() {
    let run = scaffold(
        &cargo_version(),
        &["--output", "artifacthub-pkg.yml", "--check"],
    );
    assert_eq!(run.status, 0, "{run:?}");
}

#[test]
fn artifacthub_package_matches_the_metadata() {
    let committed = yaml_file(&root().join("artifacthub-pkg.yml"));
    let metadata = yaml_file(&root().join("metadata.yml"));
    let annotations = &metadata["annotations"];
    assert_eq!(committed["version"], Value::from(cargo_version()));
    assert_eq!(
        committed["version"],
        annotations["io.kubewarden.policy.version"]
    );
    assert_eq!(committed["name"], annotations["io.kubewarden.policy.title"]);
    assert_eq!(
        committed["annotations"]["kubewarden/mutation"],
        Value::from(
            metadata["mutating"]
                .as_bool()
                .expect("mutating")
                .to_string()
        )
    );
    let rules: Value = serde_yaml::from_str(
        committed["annotations"]["kubewarden/rules"]
            .as_str()
            .expect("rules"),
    )
    .expect("rules YAML");
    assert_eq!(rules, metadata["rules"]);
    let questions = std::fs::read_to_string(root().join("questions-ui.yml")).expect("questions");
    assert_eq!(
        committed["annotations"]["kubewarden/questions-ui"],
        Value::from(questions)
    );
}

#[rstest]
#[case::cargo_ahead("9.9.9", "version drift")]
#[case::not_semver("0.1", "version drift")]
fn artifacthub_refuses_version_drift(#[case] version: &str, #[case] expected: &str) {
    let run = scaffold(version, &[]);
    assert_ne!(run.status, 0, "{run:?}");
    assert!(run.stderr.contains(expected), "{}", run.stderr);
}

#[test]
fn questions_cover_every_setting() {
    let questions = yaml_file(&root().join("questions-ui.yml"));
    let mut variables = Vec::new();
    fn collect(question: &Value, out: &mut Vec<String>) {
        if let Some(variable) = question["variable"].as_str() {
            out.push(variable.to_owned());
        }
        for nested in ["subquestions", "sequence_questions"] {
            for sub in question[nested].as_sequence().into_iter().flatten() {
                collect(sub, out);
            }
        }
    }
    for question in questions["questions"]
        .as_sequence()
        .expect("questions list")
    {
        collect(question, &mut variables);
    }
    for setting in [
        "registries.allow",
        "registries.reject",
        "tags.reject",
        "images.allow",
        "images.reject",
        "requireDigest",
        "allowExistingViolations",
        "mirrors",
        "from",
        "to",
    ] {
        assert!(
            variables.iter().any(|v| v == setting),
            "{setting} missing from {variables:?}"
        );
    }
}
