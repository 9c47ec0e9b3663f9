//! `kwrunner`: run Kubewarden policies like `kwctl run`, without kwctl.
//!
//! Exit status of `run`: 0 when the policy answered (allowed or not, or
//! failed inside the guest: that is a code-500 answer), 1 when the policy
//! rejected its settings, 2 when evaluation could not start (unreadable
//! file, bad JSON, module that does not load, bad command line).
//! The publishing subcommands (`annotate`, `inspect`, `scaffold`, `push`,
//! `pull`) exit 0 when they did their work and 2 when they could not.
//! `scan` exits 0, 1 when it refused an object, 2 on bad input (see `scan_command`).

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, Result};
use clap::{Args, Parser, Subcommand};
use kwrunner::{host, AdmissionRequest, Settings, ValidateRequest};

mod commands;
mod scan_command;

#[derive(Parser)]
#[command(
    name = "kwrunner",
    version,
    about = "Run Kubewarden policies like `kwctl run`"
)]
struct Cli {
    /// Print the policy's log events on stderr
    #[arg(short, long, global = true)]
    verbose: bool,

    #[command(subcommand)]
    command: Command,
}

/// The subcommands: `run`, `scan` (see `scan_command`), and publishing with `annotate`, `inspect`,
/// `scaffold`, `push` and `pull` (see `commands`).
#[derive(Subcommand)]
enum Command {
    /// Evaluate one request with a policy module and print the AdmissionResponse
    Run(RunArgs),
    /// Embed metadata.yml (and the README as usage) in a copy of a module
    Annotate(commands::AnnotateArgs),
    /// Print the metadata embedded in a module
    Inspect(commands::InspectArgs),
    /// Generate publishing files
    #[command(subcommand)]
    Scaffold(commands::ScaffoldCommand),
    /// Push an annotated module to an OCI registry and print its digest
    Push(commands::PushArgs),
    /// Fetch a module from an OCI registry, by tag or digest, into the store
    Pull(commands::PullArgs),
    /// Check rendered manifests: every object through the policy, a verdict per object
    Scan(scan_command::ScanArgs),
}

/// Arguments of `run`, named as `kwctl run` names them.
#[derive(Args)]
struct RunArgs {
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
    policy: commands::PolicyArgs,
}

/// Why `run` stopped, and so which exit status it gives.
enum Failure {
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match &cli.command {
        Command::Run(args) => run(args, cli.verbose),
        Command::Annotate(args) => commands::annotate(args).map_err(Failure::Setup),
        Command::Inspect(args) => commands::inspect(args).map_err(Failure::Setup),
        Command::Scaffold(command) => commands::scaffold(command).map_err(Failure::Setup),
        Command::Push(args) => commands::push(args).map_err(Failure::Setup),
        Command::Pull(args) => commands::pull(args).map_err(Failure::Setup),
        // `scan` has its own exit statuses (1: something refused, 2: bad input or settings).
        Command::Scan(args) => return scan_command::scan(args, cli.verbose),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::InvalidSettings(message)) => {
            eprintln!("{}", commands::invalid_settings_error(&message));
            ExitCode::from(1)
        }
        Err(Failure::Setup(e)) => {
            eprintln!("Error: {}", host::one_line(&format!("{e:#}")));
            ExitCode::from(2)
        }
    }
}

fn run(args: &RunArgs, verbose: bool) -> Result<(), Failure> {
    let request = read_request(&args.request_path)?;
    let settings = read_settings(args)?;
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

/// Settings from `--settings-path` (checked first, as kwctl does), else
/// `--settings-json`, else none.
fn read_settings(args: &RunArgs) -> Result<Settings> {
    commands::read_settings(args.settings_path.as_deref(), args.settings_json.as_deref())
}
