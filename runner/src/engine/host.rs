//! Host capabilities offered to the guest through waPC `__host_call`, as
//! kwctl and policy-server offer them.
//!
//! - `kubewarden`/`tracing`/`log`: the policy's structured logs, printed on
//!   stderr when verbose, dropped otherwise; never gated.
//! - `kubewarden`/`oci`/`v1/manifest_digest`: the digest of the manifest an
//!   image names, looked up in its registry (see [`oci::manifest_digest`]),
//!   or recorded to / replayed from a kwctl session file.
//!
//! Every capability is first checked against the [`AllowList`]
//! (`--allowed-host-capabilities`); the other capabilities Kubewarden defines
//! (DNS, Sigstore, Kubernetes...) are not served here and answer an error the
//! guest sees as a failed host call. Error texts are policy-evaluator's where
//! it has one.

use std::collections::VecDeque;
use std::error::Error;
use std::io::Write as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use serde_json::{Map, Value};

use crate::engine::capabilities::{AllowList, KNOWN};
use crate::engine::session::{self, Exchange, Request};
use crate::oci;

/// The error type waPC host callbacks return.
pub type HostError = Box<dyn Error + Send + Sync>;

/// The capability this host serves besides logging.
pub const MANIFEST_DIGEST: &str = "oci/v1/manifest_digest";

/// Where host answers come from.
#[derive(Debug)]
enum Mode {
    /// From the registries.
    Live,
    /// From the registries, each exchange kept for a session file.
    Record(Mutex<Vec<Result<Exchange, String>>>),
    /// From a session file, in order; nothing is contacted.
    Replay(Mutex<VecDeque<Exchange>>),
}

/// What the host offers a policy, shared by all its instances.
#[derive(Debug)]
pub struct Host {
    verbose: bool,
    allowed: AllowList,
    access: oci::Access,
    mode: Mode,
}

impl Host {
    /// Every capability allowed (kwctl's default), registries reached over
    /// HTTPS with `~/.docker/config.json` credentials; `verbose` prints logs.
    pub fn new(verbose: bool) -> Self {
        Self {
            verbose,
            allowed: AllowList::All,
            access: oci::Access::default(),
            mode: Mode::Live,
        }
    }

    /// Grants only the capabilities in `allowed`.
    pub fn with_allowed(mut self, allowed: AllowList) -> Self {
        self.allowed = allowed;
        self
    }

    /// Reaches registries with `access` (plain HTTP hosts, credentials).
    pub fn with_access(mut self, access: oci::Access) -> Self {
        self.access = access;
        self
    }

    /// Keeps every exchange, for [`Host::recorded`].
    pub fn recording(mut self) -> Self {
        self.mode = Mode::Record(Mutex::new(Vec::new()));
        self
    }

    /// Answers from a session instead of contacting anything.
    pub fn replaying(mut self, exchanges: VecDeque<Exchange>) -> Self {
        self.mode = Mode::Replay(Mutex::new(exchanges));
        self
    }

    /// The exchanges recorded so far (none unless [`Host::recording`]); fails
    /// if one could not be recorded, as kwctl then writes no file.
    pub fn recorded(&self) -> anyhow::Result<Vec<Exchange>> {
        let Mode::Record(exchanges) = &self.mode else {
            return Ok(Vec::new());
        };
        exchanges
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|exchange| exchange.clone().map_err(anyhow::Error::msg))
            .collect::<anyhow::Result<Vec<_>>>()
            .map_err(|e| {
                anyhow::anyhow!("Cannot record communication between host and policy: {e}")
            })
    }

    /// Answers one waPC host call, with no time limit.
    pub fn call(
        &self,
        binding: &str,
        namespace: &str,
        operation: &str,
        payload: &[u8],
    ) -> Result<Vec<u8>, HostError> {
        self.call_by(binding, namespace, operation, payload, None)
    }

    /// Answers one waPC host call; a registry lookup gives up at `deadline`.
    pub fn call_by(
        &self,
        binding: &str,
        namespace: &str,
        operation: &str,
        payload: &[u8],
        deadline: Option<Instant>,
    ) -> Result<Vec<u8>, HostError> {
        if binding != "kubewarden" {
            return Err(format!("unknown binding: {binding}").into());
        }
        if namespace == "tracing" {
            if operation != "log" {
                return Err(format!("unknown operation: {operation}").into());
            }
            if self.verbose {
                print_log(payload);
            }
            return Ok(Vec::new());
        }
        let capability = format!("{namespace}/{operation}");
        if !KNOWN.contains(&capability.as_str()) {
            let namespace_known = KNOWN
                .iter()
                .any(|known| known.starts_with(&format!("{namespace}/")));
            return Err(if namespace_known {
                format!("unknown operation: {operation}")
            } else {
                format!("unknown namespace: {namespace}")
            }
            .into());
        }
        // As policy-evaluator: the payload is read before the grant is checked.
        let request = match capability.as_str() {
            MANIFEST_DIGEST => Request::OciManifestDigest {
                image: serde_json::from_slice(payload)?,
            },
            other => return Err(self.refusal(other).into()),
        };
        if !self.allowed.allows(&capability) {
            return Err(format!(
                "Policy has not been granted access to the '{capability}' host capability. The violation has been reported."
            )
            .into());
        }
        self.answer(&request, deadline)
            .map_err(|e| format!("Callback evaluation failure: {e}").into())
    }

    /// The error for a known capability this host does not serve; a denial
    /// when it is not granted either, as policy-evaluator checks grants first.
    fn refusal(&self, capability: &str) -> String {
        if self.allowed.allows(capability) {
            format!("host capability '{capability}' is not served by kwrunner (it serves {MANIFEST_DIGEST} and tracing/log)")
        } else {
            format!("Policy has not been granted access to the '{capability}' host capability. The violation has been reported.")
        }
    }

    /// The answer to a granted request, from the registry or the session.
    fn answer(&self, request: &Request, deadline: Option<Instant>) -> Result<Vec<u8>, String> {
        match &self.mode {
            Mode::Live => lookup(request, &self.access, deadline),
            Mode::Record(exchanges) => {
                let answer = lookup(request, &self.access, deadline);
                exchanges
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(Exchange::new(request, &answer).map_err(|e| e.to_string()));
                answer
            }
            Mode::Replay(exchanges) => session::replay(
                &mut exchanges.lock().unwrap_or_else(PoisonError::into_inner),
                request,
            ),
        }
    }
}

/// Asks the registry, giving up at `deadline`; the answer is the JSON the SDK expects.
fn lookup(
    request: &Request,
    access: &oci::Access,
    deadline: Option<Instant>,
) -> Result<Vec<u8>, String> {
    match request {
        Request::OciManifestDigest { image } => oci::manifest_digest(image, access, deadline)
            .map_err(|e| one_line(&format!("{e:#}")))
            .and_then(|digest| {
                serde_json::to_vec(&serde_json::json!({ "digest": digest }))
                    .map_err(|e| e.to_string())
            }),
    }
}

/// Joins a multi-line message (WAT parse errors show source excerpts,
/// registry errors their causes) into one line.
pub fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// When the host calls of the guest call under way must be done by; `None`
/// when guest calls have no timeout. Each instance sets its own.
pub type Deadline = Arc<Mutex<Option<Instant>>>;

/// Builds the waPC host callback answering from `host`, registry lookups
/// bounded by `deadline`.
pub fn callback(
    host: Arc<Host>,
    deadline: Deadline,
) -> impl Fn(u64, &str, &str, &str, &[u8]) -> Result<Vec<u8>, HostError> + Send + Sync + 'static {
    move |_id, binding, namespace, operation, payload| {
        let by = *deadline.lock().unwrap_or_else(PoisonError::into_inner);
        host.call_by(binding, namespace, operation, payload, by)
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

    const DIGEST: &str = "sha256:3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a";
    const DENIED_OCI: &str = "Policy has not been granted access to the 'oci/v1/manifest_digest' host capability. The violation has been reported.";

    /// A host answering `app:1.0` from a one-exchange session.
    fn replaying(patterns: &[&str]) -> Host {
        let exchange = Exchange::new(
            &Request::OciManifestDigest {
                image: "127.0.0.1:5000/acme/app:1.0".to_owned(),
            },
            &Ok(format!(r#"{{"digest":"{DIGEST}"}}"#).into_bytes()),
        )
        .unwrap();
        Host::new(false)
            .with_allowed(AllowList::parse(patterns).unwrap())
            .replaying(VecDeque::from([exchange]))
    }

    /// Each row: granted patterns, the call, and the answer or error text.
    #[rstest]
    #[case::log(&["*"], "kubewarden", "tracing", "log", "{}", Ok(String::new()))]
    #[case::log_is_never_gated(&["net/*"], "kubewarden", "tracing", "log", "{}", Ok(String::new()))]
    #[case::digest(&["*"], "kubewarden", "oci", "v1/manifest_digest", r#""127.0.0.1:5000/acme/app:1.0""#, Ok(format!(r#"{{"digest":"{DIGEST}"}}"#)))]
    #[case::digest_by_prefix(&["oci/*"], "kubewarden", "oci", "v1/manifest_digest", r#""127.0.0.1:5000/acme/app:1.0""#, Ok(format!(r#"{{"digest":"{DIGEST}"}}"#)))]
    #[case::digest_exact(&["oci/v1/manifest_digest"], "kubewarden", "oci", "v1/manifest_digest", r#""127.0.0.1:5000/acme/app:1.0""#, Ok(format!(r#"{{"digest":"{DIGEST}"}}"#)))]
    #[case::digest_not_granted(&["net/*"], "kubewarden", "oci", "v1/manifest_digest", r#""127.0.0.1:5000/acme/app:1.0""#, Err(DENIED_OCI.to_owned()))]
    #[case::digest_other_version_granted(&["oci/v2/*"], "kubewarden", "oci", "v1/manifest_digest", r#""127.0.0.1:5000/acme/app:1.0""#, Err(DENIED_OCI.to_owned()))]
    #[case::digest_payload_not_a_string(&["*"], "kubewarden", "oci", "v1/manifest_digest", r#"{"image":"app"}"#, Err("invalid type: map, expected a string at line 1 column 0".to_owned()))]
    #[case::digest_not_in_session(&["*"], "kubewarden", "oci", "v1/manifest_digest", r#""127.0.0.1:5000/acme/app:2.0""#, Err(r#"Callback evaluation failure: Replay error: unexpected request. Was expecting OciManifestDigest { image: "127.0.0.1:5000/acme/app:1.0" }, got OciManifestDigest { image: "127.0.0.1:5000/acme/app:2.0" } instead"#.to_owned()))]
    #[case::dns_not_served(&["*"], "kubewarden", "net", "v1/dns_lookup_host", r#""example.com""#, Err("host capability 'net/v1/dns_lookup_host' is not served by kwrunner (it serves oci/v1/manifest_digest and tracing/log)".to_owned()))]
    #[case::dns_not_granted(&["oci/*"], "kubewarden", "net", "v1/dns_lookup_host", r#""example.com""#, Err("Policy has not been granted access to the 'net/v1/dns_lookup_host' host capability. The violation has been reported.".to_owned()))]
    #[case::kubernetes_not_served(&["*"], "kubewarden", "kubernetes", "can_i", "{}", Err("host capability 'kubernetes/can_i' is not served by kwrunner (it serves oci/v1/manifest_digest and tracing/log)".to_owned()))]
    #[case::unknown_operation(&["*"], "kubewarden", "oci", "v1/digest", "{}", Err("unknown operation: v1/digest".to_owned()))]
    #[case::unknown_log_operation(&["*"], "kubewarden", "tracing", "trace", "{}", Err("unknown operation: trace".to_owned()))]
    #[case::unknown_namespace(&["*"], "kubewarden", "files", "read", "{}", Err("unknown namespace: files".to_owned()))]
    #[case::unknown_binding(&["*"], "other", "tracing", "log", "{}", Err("unknown binding: other".to_owned()))]
    fn calls_are_granted_served_or_refused(
        #[case] patterns: &[&str],
        #[case] binding: &str,
        #[case] namespace: &str,
        #[case] operation: &str,
        #[case] payload: &str,
        #[case] expected: Result<String, String>,
    ) {
        let call = callback(Arc::new(replaying(patterns)), Deadline::default());
        let got = call(1, binding, namespace, operation, payload.as_bytes())
            .map(|answer| String::from_utf8(answer).unwrap())
            .map_err(|e| e.to_string());
        assert_eq!(got, expected);
    }

    /// Lookup failures reach the guest as one readable line naming the image.
    #[rstest]
    #[case::connection_refused("127.0.0.1:1/acme/app:1.0", &["127.0.0.1:1"], "Callback evaluation failure: cannot fetch the manifest digest of 127.0.0.1:1/acme/app:1.0: ")]
    #[case::not_a_reference("127.0.0.1:1/ACME/app:1.0", &[], "Callback evaluation failure: \"127.0.0.1:1/ACME/app:1.0\" is not an OCI reference: ")]
    fn lookup_errors_are_one_readable_line(
        #[case] image: &str,
        #[case] insecure: &[&str],
        #[case] start: &str,
    ) {
        let access = oci::Access {
            insecure: insecure.iter().map(|host| (*host).to_owned()).collect(),
            docker_config: None,
        };
        let host = Host::new(false).with_access(access);
        let payload = serde_json::to_vec(image).unwrap();
        let error = host
            .call("kubewarden", "oci", "v1/manifest_digest", &payload)
            .unwrap_err()
            .to_string();
        assert!(error.starts_with(start), "{error}");
        assert_eq!(error.lines().count(), 1, "{error}");
    }

    #[test]
    fn recording_keeps_each_exchange_with_its_error() {
        let access = oci::Access {
            insecure: vec!["127.0.0.1:1".to_owned()],
            docker_config: None,
        };
        let host = Host::new(false).with_access(access).recording();
        let payload = br#""127.0.0.1:1/acme/app:1.0""#;
        let seen = host
            .call("kubewarden", "oci", "v1/manifest_digest", payload)
            .unwrap_err()
            .to_string();
        let recorded = host.recorded().unwrap();
        assert_eq!(recorded.len(), 1);
        assert_eq!(
            recorded[0].request,
            "!OciManifestDigest\nimage: 127.0.0.1:1/acme/app:1.0\n"
        );
        let session::Response::Error { message } = &recorded[0].response else {
            panic!("{recorded:?}")
        };
        assert_eq!(format!("Callback evaluation failure: {message}"), seen);
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
