//! The parser agrees with `distribution/reference` on every public case.
//!
//! Rows come from `test_data/image-refs-public.jsonl` (a copy of the shared file,
//! so a clone alone can run this) and, when it sits beside the repository, from
//! `../shared/image-refs-public.jsonl` too, so a newer shared file is checked as well.

use registry_allowlist::reference::parse;
use serde::Deserialize;

#[derive(Deserialize)]
struct Row {
    input: String,
    valid: bool,
    domain: Option<String>,
    path: Option<String>,
    tag: Option<String>,
    digest: Option<String>,
    normalized: Option<String>,
}

fn rows(path: &str) -> Vec<Row> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{path}: {e}: {l}")))
        .collect()
}

fn check(path: &str) -> usize {
    let rows = rows(path);
    let mut failures = Vec::new();
    for row in &rows {
        let got = parse(&row.input);
        // Go accepts a few strings with an empty domain (the registry part is no
        // valid host); containerd would still connect to it, so the policy refuses.
        let want_valid = row.valid && row.domain.as_deref() != Some("");
        match (&got, want_valid) {
            (Ok(r), true) => {
                let ours = (
                    r.domain.text,
                    r.path.as_ref(),
                    r.tag,
                    r.digest,
                    r.to_string(),
                );
                let theirs = (
                    row.domain.as_deref().unwrap_or_default(),
                    row.path.as_deref().unwrap_or_default(),
                    row.tag.as_deref(),
                    row.digest.as_deref(),
                    row.normalized.clone().unwrap_or_default(),
                );
                if ours != theirs {
                    failures.push(format!("{:?}: got {ours:?}, want {theirs:?}", row.input));
                }
            }
            (Err(_), false) => {}
            (got, _) => failures.push(format!(
                "{:?}: got {got:?}, want valid={want_valid}",
                row.input
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{path}: {} of {} rows disagree:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
    rows.len()
}

#[test]
fn agrees_with_every_public_row() {
    let count = check(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/test_data/image-refs-public.jsonl"
    ));
    assert!(count >= 187, "the public file lost rows: {count}");
}

#[test]
fn agrees_with_the_shared_file_when_present() {
    let shared = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/image-refs-public.jsonl"
    );
    if std::path::Path::new(shared).exists() {
        check(shared);
    }
}
