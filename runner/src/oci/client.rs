//! The registry client: pushes, pulls and manifest digest lookups over
//! oci-client, TLS through rustls with ring.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use base64::Engine as _;
use oci_client::client::{ClientConfig, ClientProtocol, Config, ImageLayer};
use oci_client::manifest::{OciImageManifest, WASM_CONFIG_MEDIA_TYPE, WASM_LAYER_MEDIA_TYPE};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use serde::Deserialize;

use super::{sha256_digest, Access, Pulled, SCHEME};
use crate::wasm::metadata::{Metadata, ANNOTATION_SOURCE};

/// Longest wait for a registry connection during a digest lookup.
const LOOKUP_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest wait for a registry answer during a digest lookup.
const LOOKUP_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Manifest annotation pointing at the source repository.
const OCI_SOURCE: &str = "org.opencontainers.image.source";

// How the client reaches the registry a reference names.
impl Access {
    fn client(&self, reference: &Reference) -> Client {
        Client::new(self.config(reference))
    }

    fn config(&self, reference: &Reference) -> ClientConfig {
        // reqwest is built without a crypto provider of its own (see Cargo.toml);
        // the first client installs ring. A second install is refused: harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let registry = reference.resolve_registry();
        let protocol = if self.insecure.iter().any(|host| host == registry) {
            ClientProtocol::HttpsExcept(vec![registry.to_owned()])
        } else {
            ClientProtocol::Https
        };
        ClientConfig {
            protocol,
            ..ClientConfig::default()
        }
    }

    fn auth(&self, reference: &Reference) -> Result<RegistryAuth> {
        let path = match &self.docker_config {
            Some(path) => path.clone(),
            None => match default_docker_config() {
                Some(path) if path.is_file() => path,
                _ => return Ok(RegistryAuth::Anonymous),
            },
        };
        credentials(&path, reference.registry())
    }
}

/// `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
fn default_docker_config() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG") {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".docker/config.json"))
}

/// Basic credentials for `registry` from a Docker `config.json`.
fn credentials(path: &Path, registry: &str) -> Result<RegistryAuth> {
    #[derive(Deserialize)]
    struct DockerConfig {
        #[serde(default)]
        auths: BTreeMap<String, DockerAuth>,
    }
    #[derive(Deserialize)]
    struct DockerAuth {
        auth: Option<String>,
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read Docker config {}", path.display()))?;
    let config: DockerConfig = serde_json::from_str(&text)
        .with_context(|| format!("cannot parse Docker config {}", path.display()))?;
    let wanted = |key: &str| {
        let host = key.split_once("://").map_or(key, |(_, rest)| rest);
        let host = host.split('/').next().unwrap_or(host);
        host == registry
            || (registry == "docker.io"
                && (host == "index.docker.io" || host == "registry-1.docker.io"))
    };
    let Some(encoded) = config
        .auths
        .iter()
        .find(|(key, _)| wanted(key))
        .and_then(|(_, auth)| auth.auth.as_deref())
    else {
        return Ok(RegistryAuth::Anonymous);
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .with_context(|| format!("auth for {registry} in {} is not base64", path.display()))?;
    let decoded = String::from_utf8(decoded)
        .with_context(|| format!("auth for {registry} in {} is not UTF-8", path.display()))?;
    let (user, password) = decoded.split_once(':').ok_or_else(|| {
        anyhow!(
            "auth for {registry} in {} is not user:password",
            path.display()
        )
    })?;
    Ok(RegistryAuth::Basic(user.to_owned(), password.to_owned()))
}

/// Parses `registry://host[:port]/path[:tag][@digest]` (the scheme is optional).
pub fn parse_reference(uri: &str) -> Result<Reference> {
    let image = uri.strip_prefix(SCHEME).unwrap_or(uri);
    if image.contains("://") {
        bail!("{uri:?}: only {SCHEME} URIs name a registry");
    }
    Reference::from_str(image).map_err(|e| anyhow!("{uri:?} is not an OCI reference: {e}"))
}

/// `host[:port]/repository`, the reference without tag or digest.
fn repository_of(reference: &Reference) -> String {
    format!("{}/{}", reference.registry(), reference.repository())
}

/// The manifest annotations kwctl derives from the metadata annotations:
/// multi-line values (the usage text) are dropped, values are trimmed, and
/// `io.kubewarden.policy.source` is repeated as `org.opencontainers.image.source`.
pub fn manifest_annotations(metadata: &Metadata) -> BTreeMap<String, String> {
    let mut annotations: BTreeMap<String, String> = metadata
        .annotations
        .iter()
        .flatten()
        .filter(|(_, value)| value.lines().count() <= 1)
        .map(|(key, value)| (key.clone(), value.trim().to_owned()))
        .collect();
    if let Some(source) = annotations.get(ANNOTATION_SOURCE).cloned() {
        annotations.entry(OCI_SOURCE.to_owned()).or_insert(source);
    }
    annotations
}

/// The manifest a push of `module` stores, with its layers and config.
pub fn manifest_for(
    module: &[u8],
    metadata: Option<&Metadata>,
) -> (OciImageManifest, Vec<ImageLayer>, Config) {
    let layers = vec![ImageLayer::new(
        module.to_vec(),
        WASM_LAYER_MEDIA_TYPE.to_owned(),
        None,
    )];
    let config = Config::new(b"{}".to_vec(), WASM_CONFIG_MEDIA_TYPE.to_owned(), None);
    let annotations = metadata.map(manifest_annotations);
    let manifest = OciImageManifest::build(&layers, &config, annotations);
    (manifest, layers, config)
}

/// Pushes `module` to `uri` and returns its immutable reference
/// (`host/repository@sha256:...`). Like kwctl, refuses a module without
/// metadata unless `force` is set.
pub fn push(module: &[u8], uri: &str, access: &Access, force: bool) -> Result<String> {
    let reference = parse_reference(uri)?;
    if reference.digest().is_some() {
        bail!("{uri}: push to a tag, not to a digest");
    }
    let metadata = Metadata::from_module(module)?;
    if metadata.is_none() && !force {
        bail!(
            "Cannot push a policy that is not annotated. Use `annotate` command or `push --force`"
        );
    }
    let (manifest, layers, config) = manifest_for(module, metadata.as_ref());
    let client = access.client(&reference);
    let auth = access.auth(&reference)?;
    let manifest_url = runtime()?
        .block_on(client.push(&reference, &layers, config, &auth, Some(manifest)))
        .with_context(|| format!("could not push policy to {}", reference.whole()))?
        .manifest_url;
    let digest = manifest_url
        .rsplit_once('/')
        .map(|(_, digest)| digest)
        .filter(|digest| is_sha256_digest(digest))
        .ok_or_else(|| {
            anyhow!("the registry answered with a manifest URL without digest: {manifest_url}")
        })?;
    Ok(format!("{}@{digest}", repository_of(&reference)))
}

fn is_sha256_digest(digest: &str) -> bool {
    digest.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// The manifest digest `image` names now, as Kubewarden hosts answer
/// `oci/v1/manifest_digest`: the image is normalized as kwctl does (`busybox`
/// is `docker.io/library/busybox:latest`), then the registry is asked with a
/// HEAD of the manifest (its `Docker-Content-Digest`), or a GET whose bytes
/// are hashed when the registry sends no digest header.
///
/// The lookup gives up at `deadline`: the guest waits for it, and must still
/// answer within its own timeout.
pub fn manifest_digest(image: &str, access: &Access, deadline: Option<Instant>) -> Result<String> {
    let reference = Reference::from_str(image)
        .map_err(|e| anyhow!("{image:?} is not an OCI reference: {e}"))?;
    // A lookup blocks the guest: a registry that never answers must not
    // hang the evaluation.
    let client = Client::new(ClientConfig {
        connect_timeout: Some(LOOKUP_CONNECT_TIMEOUT),
        read_timeout: Some(LOOKUP_READ_TIMEOUT),
        ..access.config(&reference)
    });
    let auth = access.auth(&reference)?;
    let runtime = runtime()?;
    let lookup = client.fetch_manifest_digest(&reference, &auth);
    let answer = match deadline {
        None => runtime.block_on(lookup).map_err(anyhow::Error::from),
        Some(deadline) => {
            // Measured after the set-up above, which a loaded machine slows.
            let within = deadline.saturating_duration_since(Instant::now());
            runtime
                .block_on(async { tokio::time::timeout(within, lookup).await })
                .map_err(|_| {
                    anyhow!(
                        "no answer within the {:.1} s left of the policy timeout",
                        within.as_secs_f64()
                    )
                })
                .and_then(|answer| answer.map_err(anyhow::Error::from))
        }
    };
    answer.with_context(|| format!("cannot fetch the manifest digest of {}", reference.whole()))
}

/// Fetches the policy at `uri` (by tag or by digest).
pub fn pull(uri: &str, access: &Access) -> Result<Pulled> {
    let reference = parse_reference(uri)?;
    let client = access.client(&reference);
    let auth = access.auth(&reference)?;
    let image = runtime()?
        .block_on(client.pull(&reference, &auth, vec![WASM_LAYER_MEDIA_TYPE]))
        .with_context(|| format!("could not pull policy {}", reference.whole()))?;
    let mut layers = image.layers.into_iter();
    let (Some(layer), None) = (layers.next(), layers.next()) else {
        bail!("{}: a policy has exactly one layer", reference.whole());
    };
    let layer_digest = sha256_digest(&layer.data);
    if let Some(expected) = image
        .manifest
        .as_ref()
        .and_then(|manifest| manifest.layers.first())
        .map(|descriptor| descriptor.digest.as_str())
    {
        if expected != layer_digest {
            bail!(
                "{}: layer digest is {layer_digest}, the manifest says {expected}",
                reference.whole()
            );
        }
    }
    let manifest_digest = image
        .digest
        .or_else(|| reference.digest().map(str::to_owned))
        .ok_or_else(|| {
            anyhow!(
                "{}: the registry did not say the manifest digest",
                reference.whole()
            )
        })?;
    if let Some(pinned) = reference.digest() {
        if pinned != manifest_digest {
            bail!(
                "{}: the registry served manifest {manifest_digest}",
                reference.whole()
            );
        }
    }
    Ok(Pulled {
        module: layer.data.to_vec(),
        manifest_digest,
        layer_digest,
    })
}

/// Where a pulled policy is kept: `<store>/registry/<host[:port]>/<repository>:<tag>`
/// (or `@<digest>`), the layout of kwctl's store.
pub fn store_path(store: &Path, uri: &str) -> Result<PathBuf> {
    let reference = parse_reference(uri)?;
    let version = match (reference.digest(), reference.tag()) {
        (Some(digest), _) => format!("@{digest}"),
        (None, Some(tag)) => format!(":{tag}"),
        (None, None) => ":latest".to_owned(),
    };
    let mut path = store.join("registry").join(reference.registry());
    for component in reference.repository().split('/') {
        if component.is_empty() || component == "." || component == ".." {
            bail!("{uri}: unusable repository component {component:?}");
        }
        path.push(component);
    }
    let file = path
        .file_name()
        .map(|name| format!("{}{version}", name.to_string_lossy()))
        .ok_or_else(|| anyhow!("{uri}: no repository name"))?;
    path.set_file_name(file);
    Ok(path)
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// The address of the registry a policy URI names (`host[:port]`; Docker
/// Hub's is `index.docker.io`), when the URI is a reference.
pub fn registry_of(uri: &str) -> Option<String> {
    parse_reference(uri)
        .ok()
        .map(|reference| reference.resolve_registry().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    /// A directory of one test's own, removed when dropped (also on panic):
    /// rows of a table run in parallel, and two rows writing one file with
    /// different contents (as `kwrunner-docker-<pid>/ghcr.io.json` was) each
    /// may read the other's.
    struct TestDir(PathBuf);

    impl TestDir {
        fn new(label: &str) -> Self {
            static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let path =
                std::env::temp_dir().join(format!("kwrunner-{label}-{}-{n}", std::process::id()));
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path).unwrap();
            Self(path)
        }

        fn write(&self, name: &str, contents: &str) -> PathBuf {
            let path = self.0.join(name);
            std::fs::write(&path, contents).unwrap();
            path
        }
    }

    impl Drop for TestDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[rstest]
    #[case::scheme(
        "registry://127.0.0.1:5000/policies/x:v1",
        "127.0.0.1:5000",
        "policies/x",
        Some("v1"),
        None
    )]
    #[case::bare(
        "127.0.0.1:5000/policies/x:v1",
        "127.0.0.1:5000",
        "policies/x",
        Some("v1"),
        None
    )]
    #[case::default_tag("ghcr.io/acme/x", "ghcr.io", "acme/x", Some("latest"), None)]
    #[case::digest(
        "registry://localhost:5000/x@sha256:0000000000000000000000000000000000000000000000000000000000000000",
        "localhost:5000", "x", None,
        Some("sha256:0000000000000000000000000000000000000000000000000000000000000000")
    )]
    fn parses_references(
        #[case] uri: &str,
        #[case] registry: &str,
        #[case] repository: &str,
        #[case] tag: Option<&str>,
        #[case] digest: Option<&str>,
    ) {
        let reference = parse_reference(uri).unwrap();
        assert_eq!(reference.registry(), registry);
        assert_eq!(reference.repository(), repository);
        assert_eq!(reference.tag(), tag);
        assert_eq!(reference.digest(), digest);
    }

    /// Each row: the URI, and the whole refusal. The reasons after the colon
    /// are oci-spec's error texts; unlike Go's distribution/reference it has
    /// no "must be lowercase" diagnosis, an upper-case path fails its regex.
    #[rstest]
    #[case::https(
        "https://ghcr.io/acme/x:v1",
        r#""https://ghcr.io/acme/x:v1": only registry:// URIs name a registry"#
    )]
    #[case::upper(
        "registry://ghcr.io/ACME/x:v1",
        r#""registry://ghcr.io/ACME/x:v1" is not an OCI reference: invalid reference format"#
    )]
    #[case::empty(
        "registry://",
        r#""registry://" is not an OCI reference: repository name must have at least one component"#
    )]
    fn refuses_what_is_not_a_reference(#[case] uri: &str, #[case] reason: &str) {
        let error = parse_reference(uri).expect_err("refused");
        assert_eq!(error.to_string(), reason);
    }

    #[rstest]
    #[case::tag(
        "registry://127.0.0.1:5000/policies/x:v1",
        "registry/127.0.0.1:5000/policies/x:v1"
    )]
    #[case::latest("ghcr.io/acme/x", "registry/ghcr.io/acme/x:latest")]
    #[case::digest(
        "localhost/x@sha256:1111111111111111111111111111111111111111111111111111111111111111",
        "registry/localhost/x@sha256:1111111111111111111111111111111111111111111111111111111111111111"
    )]
    fn stores_like_kwctl(#[case] uri: &str, #[case] relative: &str) {
        assert_eq!(
            store_path(Path::new("/store"), uri).unwrap(),
            Path::new("/store").join(relative)
        );
    }

    #[test]
    fn manifest_is_what_kwctl_pushes() {
        let metadata = Metadata::from_yaml(
            "rules: []\nmutating: false\nannotations:\n  io.kubewarden.policy.source: https://github.com/acme/x\n  io.kubewarden.policy.title: ' x '\n  io.kubewarden.policy.usage: \"line 1\\nline 2\\n\"\n  io.kubewarden.policy.description: \"one line\\n\"\n",
        )
        .unwrap();
        let module = b"\0asm\x01\0\0\0".to_vec();
        let (manifest, layers, config) = manifest_for(&module, Some(&metadata));
        assert_eq!(manifest.schema_version, 2);
        assert_eq!(manifest.config.media_type, WASM_CONFIG_MEDIA_TYPE);
        assert_eq!(manifest.config.size, 2);
        assert_eq!(manifest.config.digest, sha256_digest(b"{}"));
        assert_eq!(&config.data[..], b"{}");
        assert_eq!(manifest.layers.len(), 1);
        assert_eq!(manifest.layers[0].media_type, WASM_LAYER_MEDIA_TYPE);
        assert_eq!(manifest.layers[0].size, 8);
        assert_eq!(manifest.layers[0].digest, sha256_digest(&module));
        assert_eq!(&layers[0].data[..], &module[..]);
        let annotations = manifest.annotations.unwrap();
        let expected: BTreeMap<String, String> = [
            ("io.kubewarden.policy.description", "one line"),
            ("io.kubewarden.policy.source", "https://github.com/acme/x"),
            ("io.kubewarden.policy.title", "x"),
            (
                "org.opencontainers.image.source",
                "https://github.com/acme/x",
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(annotations, expected);
    }

    #[test]
    fn digest_is_sha256_hex() {
        assert_eq!(
            sha256_digest(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert!(is_sha256_digest(&sha256_digest(b"x")));
        assert!(!is_sha256_digest("sha256:XYZ"));
    }

    #[rstest]
    #[case::exact("127.0.0.1:5000", "127.0.0.1:5000", true)]
    #[case::scheme_and_path("https://ghcr.io/v2/", "ghcr.io", true)]
    #[case::docker_hub("https://index.docker.io/v1/", "docker.io", true)]
    #[case::other("quay.io", "ghcr.io", false)]
    fn finds_docker_credentials(#[case] key: &str, #[case] registry: &str, #[case] found: bool) {
        let dir = TestDir::new("docker");
        // "user:secret"
        let path = dir.write(
            "config.json",
            &format!(r#"{{"auths":{{"{key}":{{"auth":"dXNlcjpzZWNyZXQ="}}}}}}"#),
        );
        let auth = credentials(&path, registry).unwrap();
        match (auth, found) {
            (RegistryAuth::Basic(user, password), true) => {
                assert_eq!((user.as_str(), password.as_str()), ("user", "secret"));
            }
            (RegistryAuth::Anonymous, false) => {}
            (other, _) => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn reads_kwctl_sources() {
        let dir = TestDir::new("sources");
        let path = dir.write(
            "sources.yml",
            "insecure_sources:\n  - \"127.0.0.1:5000\"\nsource_authorities: {}\n",
        );
        let access = Access::default().with_sources_file(&path).unwrap();
        assert_eq!(access.insecure, vec!["127.0.0.1:5000".to_owned()]);
    }
}
