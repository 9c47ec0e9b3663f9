//! `run`, and the arguments every command that loads a module shares, named
//! as kwctl names them: the module and its store ([`PolicyArgs`]), how
//! registries are reached ([`AccessArgs`]), the host capabilities offered
//! ([`HostArgs`]) and the settings.
//!
//! Exit status of `run`: 0 when the policy answered (allowed or not, or
//! failed inside the guest: that is a code-500 answer), 1 when the policy
//! rejected its settings, 2 when evaluation could not start (unreadable
//! file, bad JSON, module that does not load, bad command line); see
//! [`Failure`].

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{anyhow, Result};
use clap::Args;

use crate::engine::capabilities::AllowList;
use crate::engine::host::Host;
use crate::engine::session;
use crate::kube::settings;
use crate::oci;
use crate::{AdmissionRequest, Options, Policy, Settings, ValidateRequest};

/// Arguments of `run`, named as `kwctl run` names them.
#[derive(Args)]
pub struct RunArgs {
    /// File with the AdmissionReview or AdmissionRequest to evaluate ('-' reads stdin)
    #[arg(short = 'r', long = "request-path", value_name = "PATH")]
    request_path: String,

    /// File with the policy settings, YAML or JSON
    #[arg(long = "settings-path", value_name = "PATH")]
    settings_path: Option<PathBuf>,

    /// Policy settings as a JSON document
    #[arg(long = "settings-json", value_name = "JSON")]
    settings_json: Option<String>,

    #[command(flatten)]
    policy: PolicyArgs,
}

/// Why `run` stopped, and so which exit status it gives.
pub enum Failure {
    /// The policy rejected its settings (exit 1).
    InvalidSettings(String),
    /// Evaluation could not start (exit 2).
    Setup(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Setup(e)
    }
}

/// `run`: evaluates one request and prints the AdmissionResponse kwctl prints.
pub fn run(args: &RunArgs, verbose: bool) -> Result<(), Failure> {
    let request = read_request(&args.request_path)?;
    let settings = read_settings(args.settings_path.as_deref(), args.settings_json.as_deref())?;
    let (host, policy) = args.policy.load(verbose)?;
    let mut instance = policy.instance()?;
    let request = ValidateRequest::new(&AdmissionRequest::from_value(&request)?, &settings)?;

    let verdict = instance.validate_settings(&settings)?;
    if !verdict.valid {
        return Err(Failure::InvalidSettings(
            verdict.message.unwrap_or_default(),
        ));
    }

    let response = instance.validate_request(&request);
    args.policy.host.save_recording(&host)?;
    let line = serde_json::to_string(&response).map_err(anyhow::Error::from)?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .map_err(|e| anyhow!("Cannot write the response: {e}"))?;
    Ok(())
}

/// Reads the request file (or stdin for `-`) as JSON.
fn read_request(path: &str) -> Result<serde_json::Value> {
    let text = if path == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| anyhow!("Error reading request from stdin: {e}"))?;
        text
    } else {
        std::fs::read_to_string(Path::new(path))
            .map_err(|e| anyhow!("Error opening request file {path}; {e}"))?
    };
    serde_json::from_str(&text).map_err(|e| anyhow!("Cannot parse request {path} as JSON: {e}"))
}

/// How registries are reached, shared by `push`, `pull`, `run` and `inspect`.
#[derive(Args, Default)]
pub struct AccessArgs {
    /// Reach the registry over plain HTTP
    #[arg(long = "insecure")]
    insecure: bool,

    /// kwctl sources file; registries under insecure_sources are reached over plain HTTP
    #[arg(long = "sources-path", value_name = "PATH")]
    sources_path: Option<PathBuf>,

    /// Docker config.json with registry credentials (default: ~/.docker/config.json)
    #[arg(long = "docker-config-json-path", value_name = "PATH")]
    docker_config: Option<PathBuf>,
}

impl AccessArgs {
    /// The access settings; `--insecure` applies to the registry `target` names.
    pub fn access_for(&self, target: &str) -> Result<oci::Access> {
        let mut access = oci::Access {
            insecure: Vec::new(),
            docker_config: self.docker_config.clone(),
        };
        if self.insecure {
            access.insecure.extend(oci::registry_of(target));
        }
        match &self.sources_path {
            Some(path) => access.with_sources_file(path),
            None => Ok(access),
        }
    }
}

/// How the policy's host capability calls are answered, shared by `run` and `scan`.
#[derive(Args)]
pub struct HostArgs {
    /// Host capability the policy may use, e.g. 'oci/v1/manifest_digest', 'oci/*' or '*'; repeatable
    #[arg(
        long = "allowed-host-capabilities",
        value_name = "PATTERN",
        default_value = "*"
    )]
    allowed_host_capabilities: Vec<String>,

    /// Record every host capability exchange to this kwctl session file
    #[arg(long = "record-host-capabilities-interactions", value_name = "FILE")]
    record_host_capabilities: Option<PathBuf>,

    /// Answer host capability calls from this kwctl session file, contacting nothing
    #[arg(
        long = "replay-host-capabilities-interactions",
        value_name = "FILE",
        conflicts_with = "record_host_capabilities"
    )]
    replay_host_capabilities: Option<PathBuf>,
}

impl HostArgs {
    /// The host capabilities offered: the granted ones, registries reached
    /// as for the module, live or from a session file.
    pub fn host(&self, access: &AccessArgs, module: &Path, verbose: bool) -> Result<Host> {
        let allowed = AllowList::parse(&self.allowed_host_capabilities)
            .map_err(|e| anyhow!("invalid --allowed-host-capabilities: {e}"))?;
        let access = access.access_for(&module.to_string_lossy())?;
        let host = Host::new(verbose).with_allowed(allowed).with_access(access);
        Ok(
            match (
                &self.record_host_capabilities,
                &self.replay_host_capabilities,
            ) {
                (Some(_), _) => host.recording(),
                (None, Some(path)) => host.replaying(session::read(path)?),
                (None, None) => host,
            },
        )
    }

    /// Writes the session file when recording was asked for.
    pub fn save_recording(&self, host: &Host) -> Result<()> {
        match &self.record_host_capabilities {
            Some(path) => session::write(path, &host.recorded()?),
            None => Ok(()),
        }
    }
}

/// Settings from `--settings-path` (checked first, as kwctl does), else
/// `--settings-json`, else none; shared by `run` and `scan`.
pub fn read_settings(path: Option<&Path>, json: Option<&str>) -> Result<Settings> {
    match (path, json) {
        (Some(path), _) => settings::from_path(path),
        (None, Some(json)) => settings::from_json(json),
        (None, None) => Ok(Settings::new()),
    }
}

/// The policy module and what the host offers it: the arguments `run` and
/// `scan` share, named as kwctl names them.
#[derive(Args)]
pub struct PolicyArgs {
    /// Store of pulled policies, for registry:// modules (default: $XDG_CACHE_HOME/kwrunner/store)
    #[arg(long = "store-path", value_name = "PATH")]
    pub store_path: Option<PathBuf>,

    #[command(flatten)]
    pub access: AccessArgs,

    #[command(flatten)]
    pub host: HostArgs,

    /// Turn off usage of wasmtime cache
    #[arg(long = "disable-wasmtime-cache")]
    pub disable_wasmtime_cache: bool,

    /// Policy module (.wasm, or .wat text), or registry://host[:port]/path:tag (or @sha256:...)
    #[arg(value_name = "MODULE")]
    pub module: PathBuf,
}

impl PolicyArgs {
    /// The host capabilities offered, then the module compiled once with them
    /// (a `registry://` module is pulled into the store first when it is not there).
    pub fn load(&self, verbose: bool) -> Result<(Arc<Host>, Policy)> {
        let host = Arc::new(self.host.host(&self.access, &self.module, verbose)?);
        let path = self.local_module()?;
        let module = std::fs::read(&path)
            .map_err(|e| anyhow!("Cannot read policy module {}: {e}", self.module.display()))?;
        let options = Options {
            verbose,
            wasmtime_cache: !self.disable_wasmtime_cache,
            ..Options::default()
        };
        let policy = Policy::with_host(&module, options, Arc::clone(&host))
            .map_err(|e| anyhow!("Cannot load policy module {}: {e:#}", self.module.display()))?;
        Ok((host, policy))
    }

    /// The local file to run: the module itself, or where a `registry://`
    /// module is in the store (pulled there first when it is not).
    fn local_module(&self) -> Result<PathBuf> {
        let Some(uri) = self.module.to_str().filter(|m| m.starts_with(oci::SCHEME)) else {
            return Ok(self.module.clone());
        };
        let store = store(self.store_path.as_deref())?;
        oci::resolve_module(uri, &self.access.access_for(uri)?, &store)
            .map_err(|e| anyhow!("Cannot fetch policy module {uri}: {e:#}"))
    }
}

/// What kwctl prints on stderr when the policy refuses its settings.
pub fn invalid_settings_error(message: &str) -> String {
    // As kwctl 1.36 prints it: the policy's message, plain.
    format!("Error: Provided settings are not valid: {message}")
}

/// The store given, or the default one.
pub fn store(given: Option<&Path>) -> Result<PathBuf> {
    match given {
        Some(path) => Ok(path.to_path_buf()),
        None => oci::default_store(),
    }
}
