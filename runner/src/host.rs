//! Host capabilities offered to the guest through waPC `__host_call`.
//!
//! Only the policy's structured logs (`kubewarden`/`tracing`/`log`) are
//! served: printed on stderr when verbose, dropped otherwise. Everything
//! else (OCI, DNS, crypto, Kubernetes lookups) answers an error the guest
//! sees as a failed host call.

use std::error::Error;
use std::io::Write as _;

use serde_json::{Map, Value};

/// The error type waPC host callbacks return.
pub type HostError = Box<dyn Error + Send + Sync>;

/// Builds the waPC host callback; `verbose` decides whether policy logs are printed.
pub fn callback(
    verbose: bool,
) -> impl Fn(u64, &str, &str, &str, &[u8]) -> Result<Vec<u8>, HostError> + Send + Sync + 'static {
    move |_id, binding, namespace, operation, payload| match (binding, namespace, operation) {
        ("kubewarden", "tracing", "log") => {
            if verbose {
                print_log(payload);
            }
            Ok(Vec::new())
        }
        _ => Err(format!("host capability not available: {namespace}/{operation}").into()),
    }
}

/// Prints one policy log event on stderr: `LEVEL message key=value...`.
fn print_log(payload: &[u8]) {
    let line = match serde_json::from_slice::<Map<String, Value>>(payload) {
        Ok(event) => format_event(event),
        Err(_) => String::from_utf8_lossy(payload).into_owned(),
    };
    // A closed stderr must not fail the evaluation.
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Formats a kubewarden-policy-sdk log event (fields `level`, `message`,
/// `file`, `line`, `column` plus the policy's own fields).
fn format_event(mut event: Map<String, Value>) -> String {
    let level = take_string(&mut event, "level").to_uppercase();
    let message = take_string(&mut event, "message");
    for location in ["file", "line", "column"] {
        event.remove(location);
    }
    let mut line = format!("{level:>5} policy: {message}");
    for (key, value) in event {
        match value {
            Value::String(text) => line.push_str(&format!(" {key}={text}")),
            other => line.push_str(&format!(" {key}={other}")),
        }
    }
    line
}

fn take_string(event: &mut Map<String, Value>, key: &str) -> String {
    match event.remove(key) {
        Some(Value::String(text)) => text,
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    #[rstest]
    #[case::log("kubewarden", "tracing", "log", Ok(Vec::new()))]
    #[case::oci("kubewarden", "oci", "v1/manifest_digest", Err("host capability not available: oci/v1/manifest_digest".to_owned()))]
    #[case::dns("kubewarden", "net", "v1/dns_lookup_host", Err("host capability not available: net/v1/dns_lookup_host".to_owned()))]
    #[case::unknown_binding("other", "tracing", "log", Err("host capability not available: tracing/log".to_owned()))]
    fn only_logging_is_served(
        #[case] binding: &str,
        #[case] namespace: &str,
        #[case] operation: &str,
        #[case] expected: Result<Vec<u8>, String>,
    ) {
        let call = callback(false);
        let got = call(1, binding, namespace, operation, b"{}").map_err(|e| e.to_string());
        assert_eq!(got, expected);
    }

    #[test]
    fn log_event_is_one_readable_line() {
        let event = json!({
            "level": "info", "message": "validating", "file": "src/lib.rs",
            "line": 3, "column": 5, "image": "docker.io/nginx", "count": 2
        });
        let Value::Object(event) = event else {
            unreachable!("literal object")
        };
        assert_eq!(
            format_event(event),
            " INFO policy: validating count=2 image=docker.io/nginx"
        );
    }
}
