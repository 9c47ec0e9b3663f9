//! The publishing subcommands: `annotate`, `inspect`, `scaffold artifacthub`,
//! `push` and `pull`, with kwctl's flag names where kwctl has them.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};

use crate::engine::commands::{store, AccessArgs};
use crate::oci;
use crate::publish::{annotate, inspect, scaffold};
use crate::wasm::metadata::{Metadata, ANNOTATION_VERSION};

/// Arguments of `annotate`, as `kwctl annotate` names them.
#[derive(Args)]
pub struct AnnotateArgs {
    /// File with the policy metadata (metadata.yml)
    #[arg(short = 'm', long = "metadata-path", value_name = "PATH")]
    metadata_path: PathBuf,

    /// File with the policy's usage text, stored as io.kubewarden.policy.usage (the README)
    #[arg(short = 'u', long = "usage-path", value_name = "PATH")]
    usage_path: Option<PathBuf>,

    /// Where to write the annotated module
    #[arg(short = 'o', long = "output-path", value_name = "PATH")]
    output_path: PathBuf,

    /// The module to annotate
    #[arg(value_name = "MODULE")]
    module: PathBuf,
}

/// Output formats of `inspect`.
#[derive(Clone, Copy, ValueEnum)]
pub enum InspectOutput {
    /// A summary
    Text,
    /// The metadata as YAML
    Yaml,
    /// The metadata as JSON
    Json,
}

/// Arguments of `inspect`.
#[derive(Args)]
pub struct InspectArgs {
    /// How to print the metadata
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    output: InspectOutput,

    /// Store of pulled policies (default: $XDG_CACHE_HOME/kwrunner/store)
    #[arg(long = "store-path", value_name = "PATH")]
    store_path: Option<PathBuf>,

    #[command(flatten)]
    access: AccessArgs,

    /// A module file, or a registry:// URI
    #[arg(value_name = "MODULE")]
    module: String,
}

/// What `scaffold` can generate.
#[derive(Subcommand)]
pub enum ScaffoldCommand {
    /// Write artifacthub-pkg.yml from metadata.yml, questions-ui.yml and the version
    Artifacthub(ArtifacthubArgs),
}

/// Arguments of `scaffold artifacthub`.
#[derive(Args)]
pub struct ArtifacthubArgs {
    /// File with the policy metadata (metadata.yml)
    #[arg(short = 'm', long = "metadata-path", value_name = "PATH")]
    metadata_path: PathBuf,

    /// The release version (e.g. from Cargo.toml); must equal the metadata's io.kubewarden.policy.version
    #[arg(long = "version", value_name = "SEMVER")]
    version: Option<String>,

    /// File with the Rancher UI questions (questions-ui.yml)
    #[arg(short = 'q', long = "questions-path", value_name = "PATH")]
    questions_path: Option<PathBuf>,

    /// Creation time (RFC 3339); default: kept from the --output file if its version is the same, else now
    #[arg(long = "created-at", value_name = "TIME")]
    created_at: Option<String>,

    /// Where to write the package (default: stdout)
    #[arg(long = "output", value_name = "PATH")]
    output: Option<PathBuf>,

    /// Do not write: fail when the --output file differs from what would be written
    #[arg(long = "check", requires = "output")]
    check: bool,
}

/// Arguments of `push`, as `kwctl push` names them.
#[derive(Args)]
pub struct PushArgs {
    /// Push a module that carries no metadata
    #[arg(short = 'f', long = "force")]
    force: bool,

    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    output: PushOutput,

    #[command(flatten)]
    access: AccessArgs,

    /// The module to push
    #[arg(value_name = "MODULE")]
    module: PathBuf,

    /// Destination, registry://host[:port]/path:tag
    #[arg(value_name = "URI")]
    uri: String,
}

/// Output formats of `push`.
#[derive(Clone, Copy, ValueEnum)]
pub enum PushOutput {
    /// `Policy successfully pushed: <ref>@<digest>`
    Text,
    /// `{"immutable_ref": "<ref>@<digest>"}`
    Json,
}

/// Arguments of `pull`.
#[derive(Args)]
pub struct PullArgs {
    /// Write the module here instead of into the store
    #[arg(short = 'o', long = "output-path", value_name = "PATH")]
    output_path: Option<PathBuf>,

    /// Store of pulled policies (default: $XDG_CACHE_HOME/kwrunner/store)
    #[arg(long = "store-path", value_name = "PATH")]
    store_path: Option<PathBuf>,

    #[command(flatten)]
    access: AccessArgs,

    /// The policy, registry://host[:port]/path:tag or registry://host[:port]/path@sha256:...
    #[arg(value_name = "URI")]
    uri: String,
}

/// `annotate`: writes the annotated copy of the module.
pub fn annotate(args: &AnnotateArgs) -> Result<()> {
    let module = read(&args.module, "policy module")?;
    let metadata = read_text(&args.metadata_path, "metadata file")?;
    let usage = args
        .usage_path
        .as_ref()
        .map(|path| read_text(path, "usage file"))
        .transpose()?;
    let (annotated, _) = annotate::annotate(&module, &metadata, usage.as_deref())
        .with_context(|| format!("cannot annotate {}", args.module.display()))?;
    std::fs::write(&args.output_path, annotated)
        .with_context(|| format!("cannot write {}", args.output_path.display()))
}

/// `inspect`: prints the module's metadata, or fails saying it has none.
pub fn inspect(args: &InspectArgs) -> Result<()> {
    let store = store(args.store_path.as_deref())?;
    let path = oci::resolve_module(&args.module, &args.access.access_for(&args.module)?, &store)?;
    let module = read(&path, "policy module")?;
    let metadata = Metadata::from_module(&module)?
        .ok_or_else(|| anyhow!(inspect::missing_metadata_message(&args.module)))?;
    let format = match args.output {
        InspectOutput::Text => inspect::Format::Text,
        InspectOutput::Yaml => inspect::Format::Yaml,
        InspectOutput::Json => inspect::Format::Json,
    };
    print(&inspect::render(&metadata, format)?)
}

/// `scaffold artifacthub`: writes, prints or checks artifacthub-pkg.yml.
pub fn scaffold(command: &ScaffoldCommand) -> Result<()> {
    let ScaffoldCommand::Artifacthub(args) = command;
    let metadata = Metadata::from_yaml(&read_text(&args.metadata_path, "metadata file")?)
        .with_context(|| format!("cannot read {}", args.metadata_path.display()))?;
    metadata.validate(false)?;
    let questions = args
        .questions_path
        .as_ref()
        .map(|path| read_text(path, "questions file"))
        .transpose()?;
    let existing = match &args.output {
        Some(path) if path.exists() => Some(read_text(path, "package file")?),
        _ => None,
    };
    let version = args
        .version
        .as_deref()
        .or_else(|| metadata.annotation(ANNOTATION_VERSION))
        .unwrap_or_default()
        .to_owned();
    let created_at = match &args.created_at {
        Some(time) => time.clone(),
        None => existing
            .as_deref()
            .and_then(|text| scaffold::created_at_to_keep(text, &version))
            .unwrap_or_else(scaffold::now_rfc3339),
    };
    let package = scaffold::artifacthub(&scaffold::Package {
        metadata: &metadata,
        version: args.version.as_deref(),
        questions: questions.as_deref(),
        created_at: &created_at,
    })?;
    match (&args.output, args.check) {
        (Some(path), true) => {
            if existing.as_deref() == Some(package.as_str()) {
                Ok(())
            } else {
                eprintln!(
                    "{}",
                    first_difference(existing.as_deref().unwrap_or(""), &package)
                );
                bail!(
                    "{} is out of date with metadata.yml, the questions or the version; \
                     regenerate it with `make artifacthub-pkg.yml`",
                    path.display()
                )
            }
        }
        (Some(path), false) => std::fs::write(path, package)
            .with_context(|| format!("cannot write {}", path.display())),
        (None, _) => print(&package),
    }
}

/// `push`: pushes the module and prints its immutable reference.
pub fn push(args: &PushArgs) -> Result<()> {
    let module = read(&args.module, "policy module")?;
    let immutable = oci::push(
        &module,
        &args.uri,
        &args.access.access_for(&args.uri)?,
        args.force,
    )?;
    match args.output {
        PushOutput::Text => print(&format!("Policy successfully pushed: {immutable}\n")),
        PushOutput::Json => print(&format!(
            "{}\n",
            serde_json::json!({ "immutable_ref": immutable })
        )),
    }
}

/// `pull`: fetches the policy into the store (or `--output-path`).
pub fn pull(args: &PullArgs) -> Result<()> {
    let access = args.access.access_for(&args.uri)?;
    let (path, pulled) = match &args.output_path {
        Some(path) => {
            let pulled = oci::pull(&args.uri, &access)?;
            std::fs::write(path, &pulled.module)
                .with_context(|| format!("cannot write {}", path.display()))?;
            (path.clone(), pulled)
        }
        None => oci::pull_to_store(&args.uri, &access, &store(args.store_path.as_deref())?)?,
    };
    print(&format!(
        "Policy pulled: {}\nmanifest digest: {}\nmodule digest: {}\nsaved to: {}\n",
        args.uri,
        pulled.manifest_digest,
        pulled.layer_digest,
        path.display()
    ))
}

fn read(path: &Path, what: &str) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {what} {}", path.display()))
}

fn read_text(path: &Path, what: &str) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {what} {}", path.display()))
}

fn print(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context("cannot write to stdout")
}

/// `line N: - old / + new` for the first line that differs.
fn first_difference(old: &str, new: &str) -> String {
    let mut old_lines = old.lines();
    let mut new_lines = new.lines();
    for number in 1.. {
        match (old_lines.next(), new_lines.next()) {
            (None, None) => break,
            (a, b) if a == b => continue,
            (a, b) => {
                return format!(
                    "first difference at line {number}:\n- {}\n+ {}",
                    a.unwrap_or("<end of file>"),
                    b.unwrap_or("<end of file>")
                )
            }
        }
    }
    "the files differ in line endings".to_owned()
}
