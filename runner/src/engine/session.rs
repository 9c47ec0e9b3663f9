//! kwctl's host capability session files: `--record-host-capabilities-interactions`
//! writes every exchange between the policy and the host, and
//! `--replay-host-capabilities-interactions` answers from such a file, in
//! order, without contacting anything.
//!
//! The format is kwctl's: a YAML list of exchanges, each with the request as
//! the YAML text of policy-evaluator's `CallbackRequestType` and the host's
//! answer, for example
//!
//! ```yaml
//! - type: Exchange
//!   request: |
//!     !OciManifestDigest
//!     image: 127.0.0.1:5000/acme/app:1.0
//!   response:
//!     type: Success
//!     payload: '{"digest":"sha256:…"}'
//! ```

use std::collections::VecDeque;
use std::path::Path;

use anyhow::{anyhow, Context, Result};
use serde::{Deserialize, Serialize};

/// A host request, named and shaped as policy-evaluator's `CallbackRequestType`
/// (only the variants this host serves).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// `oci/v1/manifest_digest`: the image as the guest wrote it.
    OciManifestDigest {
        /// The image reference, e.g. `registry.example.com/app:1.0`.
        image: String,
    },
}

/// What the host answered to one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Response {
    /// The payload given back to the guest.
    Success {
        /// The payload, as text (JSON for every capability served here).
        payload: String,
    },
    /// The error the guest saw.
    Error {
        /// The host's error message.
        message: String,
    },
}

/// One request and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub struct Exchange {
    /// The request as YAML text (`!OciManifestDigest\nimage: ...\n`).
    pub request: String,
    /// The answer.
    pub response: Response,
}

impl Exchange {
    /// Records `request` and the host's `answer` to it.
    pub fn new(request: &Request, answer: &Result<Vec<u8>, String>) -> Result<Self> {
        let request = serde_yaml::to_string(request)
            .map_err(|e| anyhow!("cannot convert request to yaml: {e}"))?;
        let response = match answer {
            Ok(payload) => Response::Success {
                payload: String::from_utf8(payload.clone())
                    .map_err(|e| anyhow!("cannot convert response payload to utf8: {e}"))?,
            },
            Err(message) => Response::Error {
                message: message.clone(),
            },
        };
        Ok(Self { request, response })
    }
}

/// Reads a session file.
pub fn read(path: &Path) -> Result<VecDeque<Exchange>> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "Cannot open host capabilities interactions file {}",
            path.display()
        )
    })?;
    serde_yaml::from_str(&text)
        .with_context(|| format!("cannot deserialize contents of {}", path.display()))
}

/// Writes a session file.
pub fn write(path: &Path, exchanges: &[Exchange]) -> Result<()> {
    let text = serde_yaml::to_string(exchanges).context("cannot serialize the session")?;
    std::fs::write(path, text).with_context(|| {
        format!(
            "Cannot save host capabilities session to {}",
            path.display()
        )
    })
}

/// The answer the session holds for `request`, which must be the next one
/// recorded (the recorded exchange is consumed either way, as kwctl does).
pub fn replay(exchanges: &mut VecDeque<Exchange>, request: &Request) -> Result<Vec<u8>, String> {
    let Some(exchange) = exchanges.pop_front() else {
        return Err("the list of recorded responses is empty".to_owned());
    };
    let wanted = serde_yaml::to_value(request).map_err(|e| e.to_string())?;
    let recorded: Option<serde_yaml::Value> = serde_yaml::from_str(&exchange.request).ok();
    if recorded.as_ref() != Some(&wanted) {
        let expected = match serde_yaml::from_str::<Request>(&exchange.request) {
            Ok(expected) => format!("{expected:?}"),
            Err(_) => format!("{:?}", exchange.request.trim_end()),
        };
        return Err(format!(
            "Replay error: unexpected request. Was expecting {expected}, got {request:?} instead"
        ));
    }
    match exchange.response {
        Response::Success { payload } => Ok(payload.into_bytes()),
        Response::Error { message } => Err(message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const DIGEST: &str = "sha256:6f1a1f4ba0c1b2d6bfd1e9c0e3b4b5ad2d1e0f5b5c1a3e4f9d8c7b6a5f4e3d2c";

    fn digest_request(image: &str) -> Request {
        Request::OciManifestDigest {
            image: image.to_owned(),
        }
    }

    /// A session file as kwctl writes it (policy-evaluator's request enum
    /// through serde_yaml 0.9, whose enums are YAML tags).
    const KWCTL_FILE: &str = r#"- type: Exchange
  request: |
    !OciManifestDigest
    image: 127.0.0.1:5000/acme/app:1.0
  response:
    type: Success
    payload: '{"digest":"sha256:6f1a1f4ba0c1b2d6bfd1e9c0e3b4b5ad2d1e0f5b5c1a3e4f9d8c7b6a5f4e3d2c"}'
- type: Exchange
  request: |
    !OciManifestDigest
    image: 127.0.0.1:5000/acme/app:2.0
  response:
    type: Error
    message: 'manifest unknown'
"#;

    #[test]
    fn writes_the_request_as_kwctl_does() {
        let exchange = Exchange::new(
            &digest_request("127.0.0.1:5000/acme/app:1.0"),
            &Ok(format!(r#"{{"digest":"{DIGEST}"}}"#).into_bytes()),
        )
        .unwrap();
        assert_eq!(
            exchange.request,
            "!OciManifestDigest\nimage: 127.0.0.1:5000/acme/app:1.0\n"
        );
        let text = serde_yaml::to_string(std::slice::from_ref(&exchange)).unwrap();
        assert!(text.starts_with("- type: Exchange\n"), "{text}");
        let back: VecDeque<Exchange> = serde_yaml::from_str(&text).unwrap();
        assert_eq!(back, VecDeque::from([exchange]));
    }

    /// Each row: the requests made in order, and what each one gets.
    #[rstest]
    #[case::in_order(
        &["127.0.0.1:5000/acme/app:1.0", "127.0.0.1:5000/acme/app:2.0"],
        &[Ok(format!(r#"{{"digest":"{DIGEST}"}}"#)), Err("manifest unknown".to_owned())]
    )]
    #[case::other_image(
        &["127.0.0.1:5000/acme/other:1.0"],
        &[Err(r#"Replay error: unexpected request. Was expecting OciManifestDigest { image: "127.0.0.1:5000/acme/app:1.0" }, got OciManifestDigest { image: "127.0.0.1:5000/acme/other:1.0" } instead"#.to_owned())]
    )]
    #[case::more_calls_than_recorded(
        &["127.0.0.1:5000/acme/app:1.0", "127.0.0.1:5000/acme/app:2.0", "127.0.0.1:5000/acme/app:1.0"],
        &[Ok(format!(r#"{{"digest":"{DIGEST}"}}"#)), Err("manifest unknown".to_owned()), Err("the list of recorded responses is empty".to_owned())]
    )]
    fn replays_a_kwctl_file(#[case] images: &[&str], #[case] answers: &[Result<String, String>]) {
        let mut exchanges: VecDeque<Exchange> = serde_yaml::from_str(KWCTL_FILE).unwrap();
        for (image, answer) in images.iter().zip(answers) {
            let got = replay(&mut exchanges, &digest_request(image))
                .map(|payload| String::from_utf8(payload).unwrap());
            assert_eq!(&got, answer, "{image}");
        }
    }

    #[test]
    fn unknown_recorded_request_is_a_replay_error() {
        let mut exchanges: VecDeque<Exchange> = serde_yaml::from_str(
            "- type: Exchange\n  request: |\n    !DNSLookupHost\n    host: example.com\n  response:\n    type: Success\n    payload: '[]'\n",
        )
        .unwrap();
        let got = replay(&mut exchanges, &digest_request("app:1.0")).unwrap_err();
        assert_eq!(
            got,
            r#"Replay error: unexpected request. Was expecting "!DNSLookupHost\nhost: example.com", got OciManifestDigest { image: "app:1.0" } instead"#
        );
    }

    #[rstest]
    #[case::not_a_list("type: Exchange\n")]
    #[case::no_response("- type: Exchange\n  request: x\n")]
    #[case::unknown_response_type("- type: Exchange\n  request: x\n  response:\n    type: Maybe\n")]
    fn unreadable_session_is_refused(#[case] text: &str) {
        let path = std::env::temp_dir().join(format!(
            "kwrunner-session-{}-{}.yml",
            std::process::id(),
            text.len()
        ));
        std::fs::write(&path, text).unwrap();
        let error = read(&path).unwrap_err();
        assert!(
            format!("{error:#}").starts_with("cannot deserialize contents of "),
            "{error:#}"
        );
    }
}
