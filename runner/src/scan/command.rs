//! `kwrunner scan`: check rendered manifests with a policy before they
//! reach a cluster (`helm template ./chart | kwrunner scan -f - policy.wasm`).
//!
//! Exit status: 0 when nothing was refused, 1 when an object was refused
//! (or, with `--fail-on-warnings`, admitted with warnings), 2 on usage,
//! settings or input errors (an unreadable file, a YAML syntax error, an
//! unrendered template, a named file's document that is no object: the rest
//! is still scanned and reported, but the exit status is 2). Documents of a
//! directory walk that are no Kubernetes object, and Helm's and Kustomize's
//! own files there, are skipped: listed and counted, never an error.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, Result};
use clap::{Args, ValueEnum};

use crate::engine::{commands, host};
use crate::scan::{manifests, report as scan_report, Scanner, SetupError};

/// Output formats of `scan`.
#[derive(Clone, Copy, ValueEnum)]
pub enum ScanOutput {
    /// One line per refused, mutated or skipped object and per warning, then a summary
    Text,
    /// One JSON record per object, and the summary
    Json,
    /// JUnit XML: one test case per object, a failure per refusal, with times
    Junit,
}

/// Arguments of `scan`; settings, registry and host capability flags as `run` names them,
/// `-f` as kubectl and kwctl name it.
#[derive(Args)]
pub struct ScanArgs {
    /// A manifest file, a directory (searched recursively for .yaml, .yml, .json) or '-' for stdin; repeatable
    #[arg(short = 'f', long = "filename", value_name = "PATH", required = true)]
    filenames: Vec<String>,

    /// File with the policy settings, YAML or JSON
    #[arg(long = "settings-path", value_name = "PATH")]
    settings_path: Option<PathBuf>,

    /// Policy settings as a JSON document
    #[arg(long = "settings-json", value_name = "JSON")]
    settings_json: Option<String>,

    /// Namespace of the objects that do not name one
    #[arg(
        short = 'n',
        long = "namespace",
        value_name = "NAME",
        default_value = "default"
    )]
    namespace: String,

    /// Report format
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    output: ScanOutput,

    /// Exit 1 when an object was admitted with warnings, as when one was refused
    #[arg(long = "fail-on-warnings")]
    fail_on_warnings: bool,

    #[command(flatten)]
    policy: commands::PolicyArgs,
}

/// Runs `scan` and prints its report; the exit status is the report's.
pub fn scan(args: &ScanArgs, verbose: bool) -> ExitCode {
    match scan_and_print(args, verbose) {
        Ok(code) => ExitCode::from(code),
        Err(SetupError::InvalidSettings(message)) => {
            eprintln!("{}", commands::invalid_settings_error(&message));
            ExitCode::from(2)
        }
        Err(SetupError::Other(e)) => {
            eprintln!("Error: {}", host::one_line(&format!("{e:#}")));
            ExitCode::from(2)
        }
    }
}

fn scan_and_print(args: &ScanArgs, verbose: bool) -> Result<u8, SetupError> {
    let settings =
        commands::read_settings(args.settings_path.as_deref(), args.settings_json.as_deref())
            .map_err(SetupError::Other)?;
    let (host, policy) = args.policy.load(verbose).map_err(SetupError::Other)?;
    let mut scanner = Scanner::new(&policy, settings, &args.namespace)?;
    let sources = manifests::read_inputs(&args.filenames, &mut std::io::stdin().lock());
    let report = scanner.scan(&sources);
    args.policy
        .host
        .save_recording(&host)
        .map_err(SetupError::Other)?;
    let out = match args.output {
        ScanOutput::Text => scan_report::text(&report),
        ScanOutput::Json => format!("{:#}\n", scan_report::json(&report)),
        ScanOutput::Junit => scan_report::junit(&report),
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| SetupError::Other(anyhow!("Cannot write the report: {e}")))?;
    Ok(report.exit_code(args.fail_on_warnings))
}
