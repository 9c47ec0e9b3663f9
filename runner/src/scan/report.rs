//! How `kwrunner scan` prints its report: text for people, JSON for
//! scripts, JUnit XML for CI test reporters (GitLab, Jenkins, GitHub
//! actions that read JUnit).

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::{json, Value};

use crate::scan::{Category, Change, Entry, Outcome, Report, Summary};

/// One line per refused, mutated or skipped object and per input error,
/// one per warning, then the summary.
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    for entry in &report.entries {
        let said = match &entry.outcome {
            Outcome::Admitted => None,
            Outcome::Refused(message) => Some(message.clone()),
            Outcome::Mutated(changes) => Some(format!("mutated: {}", describe(changes))),
            Outcome::Error(message) => Some(format!("error: {message}")),
            Outcome::Skipped(why) => Some(format!("skipped: {why}")),
        };
        let subject = entry.subject().map(|s| s + ": ").unwrap_or_default();
        let location = entry.location();
        if let Some(said) = said {
            let _ = writeln!(out, "{location}: {subject}{said}");
        }
        for warning in &entry.warnings {
            let _ = writeln!(out, "{location}: {subject}warning: {warning}");
        }
    }
    let _ = writeln!(out, "{}", summary_line(&report.summary()));
    out
}

/// `scanned N objects: A admitted, R refused, M mutated[, W warned][, S skipped][, E errors]`.
pub fn summary_line(summary: &Summary) -> String {
    let mut line = format!(
        "scanned {} {}: {} admitted, {} refused, {} mutated",
        summary.scanned,
        if summary.scanned == 1 {
            "object"
        } else {
            "objects"
        },
        summary.admitted,
        summary.refused,
        summary.mutated
    );
    if summary.warned > 0 {
        let _ = write!(line, ", {} warned", summary.warned);
    }
    if summary.skipped > 0 {
        let _ = write!(line, ", {} skipped", summary.skipped);
    }
    if summary.errors > 0 {
        let noun = if summary.errors == 1 {
            "error"
        } else {
            "errors"
        };
        let _ = write!(line, ", {} {noun}", summary.errors);
    }
    line
}

/// `old -> new` for each rewritten value, `op path` for other changes.
fn describe(changes: &[Change]) -> String {
    changes
        .iter()
        .map(
            |change| match (change.op.as_str(), &change.from, &change.to) {
                ("replace", Some(Value::String(from)), Some(Value::String(to))) => {
                    format!("{from} -> {to}")
                }
                (op, _, _) => format!("{op} {}", change.path),
            },
        )
        .collect::<Vec<_>>()
        .join(", ")
}

/// `{"results": [one record per object or input error], "summary": {...}}`.
pub fn json(report: &Report) -> Value {
    let results: Vec<Value> = report.entries.iter().map(record).collect();
    let summary = report.summary();
    json!({
        "results": results,
        "summary": {
            "scanned": summary.scanned,
            "admitted": summary.admitted,
            "refused": summary.refused,
            "mutated": summary.mutated,
            "warned": summary.warned,
            "skipped": summary.skipped,
            "errors": summary.errors,
        }
    })
}

/// The `result` of a record: its category in the summary.
fn result(category: Category) -> &'static str {
    match category {
        Category::Admitted => "admitted",
        Category::Refused => "refused",
        Category::Mutated => "mutated",
        Category::Warned => "warned",
        Category::Skipped => "skipped",
        Category::Error => "error",
    }
}

fn record(entry: &Entry) -> Value {
    let mut record = json!({ "file": entry.file, "line": entry.line });
    if let Some(item) = entry.item {
        record["item"] = json!(item);
    }
    if let Some(object) = &entry.object {
        record["apiVersion"] = json!(object.api_version);
        record["kind"] = json!(object.kind);
        record["namespace"] = json!(object.namespace);
        record["name"] = json!(object.name);
    }
    record["result"] = json!(result(entry.category()));
    match &entry.outcome {
        Outcome::Admitted => {}
        Outcome::Mutated(changes) => {
            record["changes"] = changes
                .iter()
                .map(|c| json!({"op": c.op, "path": c.path, "from": c.from, "to": c.to}))
                .collect();
        }
        Outcome::Refused(message) | Outcome::Error(message) | Outcome::Skipped(message) => {
            record["message"] = json!(message);
        }
    }
    // Every answer of the policy has its warnings, possibly none.
    if matches!(
        entry.outcome,
        Outcome::Admitted | Outcome::Mutated(_) | Outcome::Refused(_)
    ) {
        record["warnings"] = json!(entry.warnings);
    }
    record
}

/// A JUnit XML report: one test suite per file, one test case per object
/// (a `<failure>` when refused, its warnings and changes in `<system-out>`),
/// input error (an `<error>`) or skipped document (`<skipped/>`), each with
/// its `time` in seconds.
pub fn junit(report: &Report) -> String {
    let summary = report.summary();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"kwrunner scan\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">",
        report.entries.len(),
        summary.refused,
        summary.errors,
        summary.skipped,
        seconds(report.entries.iter().map(|e| e.time).sum())
    );
    let mut rest = report.entries.as_slice();
    while let Some(first) = rest.first() {
        let count = rest.iter().take_while(|e| e.file == first.file).count();
        let (suite, after) = rest.split_at(count);
        testsuite(&mut out, &first.file, suite);
        rest = after;
    }
    out.push_str("</testsuites>\n");
    out
}

/// Seconds, as JUnit readers expect them, to the microsecond.
fn seconds(time: Duration) -> String {
    format!("{:.6}", time.as_secs_f64())
}

fn testsuite(out: &mut String, file: &str, entries: &[Entry]) {
    let count = |c: Category| entries.iter().filter(|e| e.category() == c).count();
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">",
        escape(file),
        entries.len(),
        count(Category::Refused),
        count(Category::Error),
        count(Category::Skipped),
        seconds(entries.iter().map(|e| e.time).sum())
    );
    for entry in entries {
        let mut name = match entry.line {
            Some(line) => format!("line {line}"),
            None => "file".to_owned(),
        };
        name.push_str(": ");
        name.push_str(&entry.subject().unwrap_or_else(|| "input".to_owned()));
        let line = entry
            .line
            .map(|l| format!(" line=\"{l}\""))
            .unwrap_or_default();
        let _ = write!(
            out,
            "    <testcase classname=\"{file}\" name=\"{}\" file=\"{file}\"{line} time=\"{}\"",
            escape(&name),
            seconds(entry.time),
            file = escape(file)
        );
        let mut body = String::new();
        match &entry.outcome {
            Outcome::Admitted | Outcome::Mutated(_) => {}
            Outcome::Refused(message) => {
                let message = escape(message);
                let _ = writeln!(
                    body,
                    "      <failure type=\"refused\" message=\"{message}\">{message}</failure>"
                );
            }
            Outcome::Error(message) => {
                let message = escape(message);
                let _ = writeln!(
                    body,
                    "      <error type=\"input\" message=\"{message}\">{message}</error>"
                );
            }
            Outcome::Skipped(why) => {
                let _ = writeln!(body, "      <skipped message=\"{}\"/>", escape(why));
            }
        }
        // Changes and warnings pass: they are told, not failed.
        let mut told: Vec<String> = Vec::new();
        if let Outcome::Mutated(changes) = &entry.outcome {
            told.push(format!("mutated: {}", describe(changes)));
        }
        told.extend(entry.warnings.iter().map(|w| format!("warning: {w}")));
        if !told.is_empty() {
            let _ = writeln!(
                body,
                "      <system-out>{}</system-out>",
                escape(&told.join("\n"))
            );
        }
        if body.is_empty() {
            out.push_str("/>\n");
        } else {
            let _ = write!(out, ">\n{body}    </testcase>\n");
        }
    }
    out.push_str("  </testsuite>\n");
}

/// Escapes text for XML content and attribute values. Characters XML 1.0
/// cannot carry at all (most control characters) become U+FFFD; line breaks
/// and tabs are written as references, so attribute values keep them.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{fffd}'),
        }
    }
    out
}

/// XML 1.0's `Char` production, less the three whitespace controls handled above.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..='\u{10ffff}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::ObjectName;
    use rstest::rstest;

    fn entry(line: usize, kind: &str, name: &str, outcome: Outcome) -> Entry {
        Entry {
            warnings: Vec::new(),
            time: Duration::from_micros(1500),
            file: "k8s/app.yaml".to_owned(),
            line: Some(line),
            item: None,
            object: Some(ObjectName {
                api_version: "v1".to_owned(),
                kind: kind.to_owned(),
                namespace: Some("shop".to_owned()),
                name: Some(name.to_owned()),
            }),
            outcome,
        }
    }

    fn sample() -> Report {
        Report {
            entries: vec![
                entry(1, "Deployment", "web", Outcome::Admitted),
                entry(
                    20,
                    "Pod",
                    "debug",
                    Outcome::Refused("container \"x\" image \"a<b>&'\": no".to_owned()),
                ),
                entry(
                    30,
                    "Pod",
                    "cache",
                    Outcome::Mutated(vec![Change {
                        op: "replace".to_owned(),
                        path: "/spec/containers/0/image".to_owned(),
                        from: Some(json!("redis:7")),
                        to: Some(json!("mirror.example/library/redis:7")),
                    }]),
                ),
                Entry {
                    warnings: vec![
                        "container \"a\" image \"k8s.gcr.io/pause:3.9\": registry k8s.gcr.io is discouraged".to_owned(),
                        "second <one>".to_owned(),
                    ],
                    ..entry(40, "Pod", "legacy", Outcome::Admitted)
                },
                Entry {
                    file: "other.yaml".to_owned(),
                    line: Some(4),
                    item: Some(2),
                    object: None,
                    outcome: Outcome::Error("no kind: not a Kubernetes object".to_owned()),
                    warnings: Vec::new(),
                    time: Duration::ZERO,
                },
                Entry {
                    file: "other.yaml".to_owned(),
                    line: Some(9),
                    item: None,
                    object: None,
                    outcome: Outcome::Skipped("not a Kubernetes object".to_owned()),
                    warnings: Vec::new(),
                    time: Duration::from_micros(20),
                },
            ],
        }
    }

    #[test]
    fn text_lists_refusals_mutations_warnings_skips_and_errors_then_counts() {
        assert_eq!(
            text(&sample()),
            "k8s/app.yaml:20: Pod shop/debug: container \"x\" image \"a<b>&'\": no\n\
             k8s/app.yaml:30: Pod shop/cache: mutated: redis:7 -> mirror.example/library/redis:7\n\
             k8s/app.yaml:40: Pod shop/legacy: warning: container \"a\" image \"k8s.gcr.io/pause:3.9\": registry k8s.gcr.io is discouraged\n\
             k8s/app.yaml:40: Pod shop/legacy: warning: second <one>\n\
             other.yaml:4: items[2]: error: no kind: not a Kubernetes object\n\
             other.yaml:9: skipped: not a Kubernetes object\n\
             scanned 4 objects: 1 admitted, 1 refused, 1 mutated, 1 warned, 1 skipped, 1 error\n"
        );
    }

    #[rstest]
    #[case::one(Summary { scanned: 1, admitted: 1, ..Summary::default() }, "scanned 1 object: 1 admitted, 0 refused, 0 mutated")]
    #[case::errors(Summary { errors: 2, ..Summary::default() }, "scanned 0 objects: 0 admitted, 0 refused, 0 mutated, 2 errors")]
    #[case::warned(Summary { scanned: 8, admitted: 5, refused: 1, warned: 2, ..Summary::default() }, "scanned 8 objects: 5 admitted, 1 refused, 0 mutated, 2 warned")]
    #[case::skipped(Summary { scanned: 3, admitted: 2, refused: 1, skipped: 2, ..Summary::default() }, "scanned 3 objects: 2 admitted, 1 refused, 0 mutated, 2 skipped")]
    fn summary_lines(#[case] summary: Summary, #[case] expected: &str) {
        assert_eq!(summary_line(&summary), expected);
    }

    #[test]
    fn json_has_one_record_per_entry() {
        let value = json(&sample());
        assert_eq!(
            value["summary"],
            json!({"scanned": 4, "admitted": 1, "refused": 1, "mutated": 1, "warned": 1, "skipped": 1, "errors": 1})
        );
        let results = value["results"].as_array().expect("results");
        assert_eq!(results.len(), 6);
        assert_eq!(
            results[1],
            json!({"file": "k8s/app.yaml", "line": 20, "apiVersion": "v1", "kind": "Pod", "namespace": "shop", "name": "debug", "result": "refused", "message": "container \"x\" image \"a<b>&'\": no", "warnings": []})
        );
        assert_eq!(
            results[2]["changes"][0]["to"],
            "mirror.example/library/redis:7"
        );
        assert_eq!(
            results[3],
            json!({"file": "k8s/app.yaml", "line": 40, "apiVersion": "v1", "kind": "Pod", "namespace": "shop", "name": "legacy", "result": "warned", "warnings": [
                "container \"a\" image \"k8s.gcr.io/pause:3.9\": registry k8s.gcr.io is discouraged",
                "second <one>"
            ]})
        );
        assert_eq!(
            results[4],
            json!({"file": "other.yaml", "line": 4, "item": 2, "result": "error", "message": "no kind: not a Kubernetes object"})
        );
        assert_eq!(
            results[5],
            json!({"file": "other.yaml", "line": 9, "result": "skipped", "message": "not a Kubernetes object"})
        );
    }

    #[test]
    fn junit_groups_by_file_and_escapes() {
        let xml = junit(&sample());
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"kwrunner scan\" tests=\"6\" failures=\"1\" errors=\"1\" skipped=\"1\" time=\"0.006020\">\n"), "{xml}");
        assert!(xml.contains(
            "  <testsuite name=\"k8s/app.yaml\" tests=\"4\" failures=\"1\" errors=\"0\" skipped=\"0\" time=\"0.006000\">\n"
        ), "{xml}");
        assert!(xml.contains("<testcase classname=\"k8s/app.yaml\" name=\"line 1: Deployment shop/web\" file=\"k8s/app.yaml\" line=\"1\" time=\"0.001500\"/>"));
        assert!(xml.contains("<failure type=\"refused\" message=\"container &quot;x&quot; image &quot;a&lt;b&gt;&amp;&apos;&quot;: no\">"));
        assert!(xml.contains(
            "<system-out>mutated: redis:7 -&gt; mirror.example/library/redis:7</system-out>"
        ));
        // Warnings pass, and are told.
        assert!(xml.contains(
            "name=\"line 40: Pod shop/legacy\" file=\"k8s/app.yaml\" line=\"40\" time=\"0.001500\">\n      <system-out>warning: container &quot;a&quot; image &quot;k8s.gcr.io/pause:3.9&quot;: registry k8s.gcr.io is discouraged&#10;warning: second &lt;one&gt;</system-out>\n    </testcase>\n"
        ), "{xml}");
        assert!(xml.contains(
            "  <testsuite name=\"other.yaml\" tests=\"2\" failures=\"0\" errors=\"1\" skipped=\"1\" time=\"0.000020\">\n"
        ), "{xml}");
        assert!(xml.contains("name=\"line 4: items[2]\""));
        assert!(xml.contains(
            "name=\"line 9: input\" file=\"other.yaml\" line=\"9\" time=\"0.000020\">\n      <skipped message=\"not a Kubernetes object\"/>\n    </testcase>\n"
        ), "{xml}");
        assert!(xml.ends_with("  </testsuite>\n</testsuites>\n"));
    }

    #[rstest]
    #[case::markup("a<b>&\"'", "a&lt;b&gt;&amp;&quot;&apos;")]
    #[case::line_breaks("a\nb\r\tc", "a&#10;b&#13;&#9;c")]
    #[case::forbidden_controls("a\u{0}b\u{1b}c\u{fffe}", "a\u{fffd}b\u{fffd}c\u{fffd}")]
    #[case::unicode_kept("é😀", "é😀")]
    fn xml_escaping(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(escape(input), expected);
    }
}
