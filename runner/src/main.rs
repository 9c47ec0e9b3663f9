//! `kwrunner`: run Kubewarden policies like `kwctl run`, without kwctl.
//!
//! Exit status of `run`: 0 when the policy answered (allowed or not, or
//! failed inside the guest: that is a code-500 answer), 1 when the policy
//! rejected its settings, 2 when evaluation could not start (unreadable
//! file, bad JSON, module that does not load, bad command line).

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, Result};
use clap::{Args, Parser, Subcommand};
use kwrunner::{settings, AdmissionRequest, Options, Policy, Settings, ValidateRequest};

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

/// The subcommands; `annotate`, `inspect`, `push` and `pull` are meant to join `run` here.
#[derive(Subcommand)]
enum Command {
    /// Evaluate one request with a local policy module and print the AdmissionResponse
    Run(RunArgs),
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

    /// Policy module (.wasm, or .wat text)
    #[arg(value_name = "MODULE")]
    module: PathBuf,
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
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::InvalidSettings(message)) => {
            // kwctl formats the message with `{:?}`, hence the quotes and escapes.
            eprintln!("Error: Provided settings are not valid: {message:?}");
            ExitCode::from(1)
        }
        Err(Failure::Setup(e)) => {
            eprintln!("Error: {}", one_line(&format!("{e:#}")));
            ExitCode::from(2)
        }
    }
}

fn run(args: &RunArgs, verbose: bool) -> Result<(), Failure> {
    let request = read_request(&args.request_path)?;
    let settings = read_settings(args)?;
    let module = std::fs::read(&args.module)
        .map_err(|e| anyhow!("Cannot read policy module {}: {e}", args.module.display()))?;
    let options = Options {
        verbose,
        ..Options::default()
    };
    let policy = Policy::with_options(&module, options)
        .map_err(|e| anyhow!("Cannot load policy module {}: {e:#}", args.module.display()))?;
    let mut instance = policy.instance()?;
    let request = ValidateRequest::new(&AdmissionRequest::from_value(&request)?, &settings)?;

    let verdict = instance.validate_settings(&settings)?;
    if !verdict.valid {
        return Err(Failure::InvalidSettings(
            verdict.message.unwrap_or_default(),
        ));
    }

    let response = instance.validate_request(&request);
    let line = serde_json::to_string(&response).map_err(anyhow::Error::from)?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .map_err(|e| anyhow!("Cannot write the response: {e}"))?;
    Ok(())
}

/// Joins a multi-line message (WAT parse errors show source excerpts) into one line.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
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
    match (&args.settings_path, &args.settings_json) {
        (Some(path), _) => settings::from_path(path),
        (None, Some(json)) => settings::from_json(json),
        (None, None) => Ok(Settings::new()),
    }
}
