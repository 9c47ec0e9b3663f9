//! `oci::manifest_digest`, the lookup behind `oci/v1/manifest_digest`, against
//! a scripted registry on 127.0.0.1: the HEAD's `Docker-Content-Digest` when
//! the registry sends one, else the sha256 of the manifest a GET returns, and
//! readable errors otherwise. (e2e-pin.bats does the same against the real
//! docker-registry, which always sends the header.)

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

use kwrunner::oci::{self, Access};
use rstest::rstest;

const MANIFEST: &str = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}"#;
const OTHER: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

/// How the scripted registry answers manifest requests.
#[derive(Debug, Clone, Copy)]
struct Script {
    /// Status of the HEAD and GET of the manifest.
    status: u16,
    /// `Docker-Content-Digest` on the HEAD: none, the manifest's, or another.
    head_digest: Digest,
    /// `Docker-Content-Digest` on the GET.
    get_digest: Digest,
}

/// What the lookup must give.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// The sha256 of `MANIFEST`.
    ManifestDigest,
    /// This digest, as the registry's header said.
    Header(&'static str),
    /// An error naming the image and containing this text.
    Error(&'static str),
}

#[derive(Debug, Clone, Copy)]
enum Digest {
    None,
    Right,
    Wrong,
}

impl Digest {
    fn header(self) -> String {
        match self {
            Digest::None => String::new(),
            Digest::Right => format!(
                "Docker-Content-Digest: {}\r\n",
                oci::sha256_digest(MANIFEST.as_bytes())
            ),
            Digest::Wrong => format!("Docker-Content-Digest: {OTHER}\r\n"),
        }
    }
}

/// Serves `script` on a free local port; returns the port and the request
/// lines seen ("HEAD /v2/acme/app/manifests/1.0"...).
fn serve(script: Script) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            if answer(stream, script, &log).is_err() {
                break;
            }
        }
    });
    (port, seen)
}

fn answer(stream: TcpStream, script: Script, log: &Mutex<Vec<String>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" {
            break;
        }
    }
    let mut parts = request_line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    log.lock().expect("log").push(format!("{method} {path}"));
    let (status, headers, body) = if path == "/v2/" {
        (200, String::new(), "{}".to_owned())
    } else if script.status != 200 {
        let body = r#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#;
        (script.status, String::new(), body.to_owned())
    } else if method == "HEAD" {
        (200, script.head_digest.header(), MANIFEST.to_owned())
    } else {
        (200, script.get_digest.header(), MANIFEST.to_owned())
    };
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nContent-Length: {}\r\n{headers}Connection: close\r\n\r\n",
        body.len()
    )?;
    if method != "HEAD" {
        stream.write_all(body.as_bytes())?;
    }
    stream.flush()
}

/// Each row: how the registry answers, what the lookup gives (the digest, or
/// the start of the error after the image), and the manifest requests made.
#[rstest]
#[case::head_header(
    Script { status: 200, head_digest: Digest::Right, get_digest: Digest::None },
    Expect::ManifestDigest,
    &["HEAD /v2/acme/app/manifests/1.0"]
)]
#[case::head_header_is_trusted_as_docker_registry_sends_it(
    Script { status: 200, head_digest: Digest::Wrong, get_digest: Digest::None },
    Expect::Header(OTHER),
    &["HEAD /v2/acme/app/manifests/1.0"]
)]
#[case::no_header_bytes_hashed(
    Script { status: 200, head_digest: Digest::None, get_digest: Digest::None },
    Expect::ManifestDigest,
    &["HEAD /v2/acme/app/manifests/1.0", "GET /v2/acme/app/manifests/1.0"]
)]
#[case::get_header_matching_bytes(
    Script { status: 200, head_digest: Digest::None, get_digest: Digest::Right },
    Expect::ManifestDigest,
    &["HEAD /v2/acme/app/manifests/1.0", "GET /v2/acme/app/manifests/1.0"]
)]
#[case::get_header_not_the_bytes(
    Script { status: 200, head_digest: Digest::None, get_digest: Digest::Wrong },
    Expect::Error("digest"),
    &["HEAD /v2/acme/app/manifests/1.0", "GET /v2/acme/app/manifests/1.0"]
)]
#[case::no_such_tag(
    Script { status: 404, head_digest: Digest::None, get_digest: Digest::None },
    Expect::Error("manifest unknown"),
    &["HEAD /v2/acme/app/manifests/1.0", "GET /v2/acme/app/manifests/1.0"]
)]
fn digest_comes_from_the_header_or_the_bytes(
    #[case] script: Script,
    #[case] expected: Expect,
    #[case] manifest_requests: &[&str],
) {
    let (port, seen) = serve(script);
    let host = format!("127.0.0.1:{port}");
    let access = Access {
        insecure: vec![host.clone()],
        docker_config: None,
    };
    let image = format!("{host}/acme/app:1.0");
    let got = oci::manifest_digest(&image, &access, None).map_err(|e| format!("{e:#}"));
    match (expected, &got) {
        (Expect::ManifestDigest, Ok(digest)) => {
            assert_eq!(digest, &oci::sha256_digest(MANIFEST.as_bytes()))
        }
        // A HEAD digest is the registry's word, as for kwctl; the guest
        // still checks its form.
        (Expect::Header(wanted), Ok(digest)) => assert_eq!(digest, wanted),
        (Expect::Error(text), Err(error)) => {
            let start = format!("cannot fetch the manifest digest of {image}: ");
            assert!(error.starts_with(&start), "{error}");
            assert!(error.contains(text), "{error}");
        }
        (expected, got) => panic!("expected {expected:?}, got {got:?}"),
    }
    let manifests: Vec<String> = seen
        .lock()
        .expect("log")
        .iter()
        .filter(|line| line.contains("/manifests/"))
        .cloned()
        .collect();
    assert_eq!(manifests, manifest_requests);
}
