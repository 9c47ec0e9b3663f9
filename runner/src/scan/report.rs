//! How `kwrunner scan` prints its report: text for people, JSON for
//! scripts, JUnit XML for CI test reporters (GitLab, Jenkins, GitHub
//! actions that read JUnit).

use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::scan::{Change, Entry, Outcome, Report, Summary};

/// One line per refused or mutated object and per input error, then the summary.
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    for entry in &report.entries {
        let said = match &entry.outcome {
            Outcome::Admitted => continue,
            Outcome::Refused(message) => message.clone(),
            Outcome::Mutated(changes) => format!("mutated: {}", describe(changes)),
            Outcome::Error(message) => format!("error: {message}"),
        };
        let subject = entry.subject().map(|s| s + ": ").unwrap_or_default();
        let _ = writeln!(out, "{}: {subject}{said}", entry.location());
    }
    let _ = writeln!(out, "{}", summary_line(&report.summary()));
    out
}

/// `scanned N objects: A admitted, R refused, M mutated[, E errors]`.
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
            "errors": summary.errors,
        }
    })
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
    match &entry.outcome {
        Outcome::Admitted => record["result"] = json!("admitted"),
        Outcome::Refused(message) => {
            record["result"] = json!("refused");
            record["message"] = json!(message);
        }
        Outcome::Mutated(changes) => {
            record["result"] = json!("mutated");
            record["changes"] = changes
                .iter()
                .map(|c| json!({"op": c.op, "path": c.path, "from": c.from, "to": c.to}))
                .collect();
        }
        Outcome::Error(message) => {
            record["result"] = json!("error");
            record["message"] = json!(message);
        }
    }
    record
}

/// A JUnit XML report: one test suite per file, one test case per object
/// (a `<failure>` when refused) or input error (an `<error>`).
pub fn junit(report: &Report) -> String {
    let summary = report.summary();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"kwrunner scan\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
        report.entries.len(),
        summary.refused,
        summary.errors
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

fn testsuite(out: &mut String, file: &str, entries: &[Entry]) {
    let count = |f: fn(&Outcome) -> bool| entries.iter().filter(|e| f(&e.outcome)).count();
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
        escape(file),
        entries.len(),
        count(|o| matches!(o, Outcome::Refused(_))),
        count(|o| matches!(o, Outcome::Error(_)))
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
            "    <testcase classname=\"{file}\" name=\"{}\" file=\"{file}\"{line}",
            escape(&name),
            file = escape(file)
        );
        match &entry.outcome {
            Outcome::Admitted => out.push_str("/>\n"),
            Outcome::Refused(message) => {
                let message = escape(message);
                let _ = write!(
                    out,
                    ">\n      <failure type=\"refused\" message=\"{message}\">{message}</failure>\n    </testcase>\n"
                );
            }
            Outcome::Mutated(changes) => {
                let _ = write!(
                    out,
                    ">\n      <system-out>mutated: {}</system-out>\n    </testcase>\n",
                    escape(&describe(changes))
                );
            }
            Outcome::Error(message) => {
                let message = escape(message);
                let _ = write!(
                    out,
                    ">\n      <error type=\"input\" message=\"{message}\">{message}</error>\n    </testcase>\n"
                );
            }
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
                    file: "other.yaml".to_owned(),
                    line: Some(4),
                    item: Some(2),
                    object: None,
                    outcome: Outcome::Error("no kind: not a Kubernetes object".to_owned()),
                },
            ],
        }
    }

    #[test]
    fn text_lists_refusals_mutations_and_errors_then_counts() {
        assert_eq!(
            text(&sample()),
            "k8s/app.yaml:20: Pod shop/debug: container \"x\" image \"a<b>&'\": no\n\
             k8s/app.yaml:30: Pod shop/cache: mutated: redis:7 -> mirror.example/library/redis:7\n\
             other.yaml:4: items[2]: error: no kind: not a Kubernetes object\n\
             scanned 3 objects: 1 admitted, 1 refused, 1 mutated, 1 error\n"
        );
    }

    #[rstest]
    #[case::one(Summary { scanned: 1, admitted: 1, ..Summary::default() }, "scanned 1 object: 1 admitted, 0 refused, 0 mutated")]
    #[case::errors(Summary { errors: 2, ..Summary::default() }, "scanned 0 objects: 0 admitted, 0 refused, 0 mutated, 2 errors")]
    fn summary_lines(#[case] summary: Summary, #[case] expected: &str) {
        assert_eq!(summary_line(&summary), expected);
    }

    #[test]
    fn json_has_one_record_per_entry() {
        let value = json(&sample());
        assert_eq!(
            value["summary"],
            json!({"scanned": 3, "admitted": 1, "refused": 1, "mutated": 1, "errors": 1})
        );
        let results = value["results"].as_array().expect("results");
        assert_eq!(results.len(), 4);
        assert_eq!(
            results[1],
            json!({"file": "k8s/app.yaml", "line": 20, "apiVersion": "v1", "kind": "Pod", "namespace": "shop", "name": "debug", "result": "refused", "message": "container \"x\" image \"a<b>&'\": no"})
        );
        assert_eq!(
            results[2]["changes"][0]["to"],
            "mirror.example/library/redis:7"
        );
        assert_eq!(
            results[3],
            json!({"file": "other.yaml", "line": 4, "item": 2, "result": "error", "message": "no kind: not a Kubernetes object"})
        );
    }

    #[test]
    fn junit_groups_by_file_and_escapes() {
        let xml = junit(&sample());
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"kwrunner scan\" tests=\"4\" failures=\"1\" errors=\"1\">\n"));
        assert!(xml.contains(
            "  <testsuite name=\"k8s/app.yaml\" tests=\"3\" failures=\"1\" errors=\"0\">\n"
        ));
        assert!(xml.contains("<testcase classname=\"k8s/app.yaml\" name=\"line 1: Deployment shop/web\" file=\"k8s/app.yaml\" line=\"1\"/>"));
        assert!(xml.contains("<failure type=\"refused\" message=\"container &quot;x&quot; image &quot;a&lt;b&gt;&amp;&apos;&quot;: no\">"));
        assert!(xml.contains(
            "<system-out>mutated: redis:7 -&gt; mirror.example/library/redis:7</system-out>"
        ));
        assert!(xml.contains(
            "  <testsuite name=\"other.yaml\" tests=\"1\" failures=\"0\" errors=\"1\">\n"
        ));
        assert!(xml.contains("name=\"line 4: items[2]\""));
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
