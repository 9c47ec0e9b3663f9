//! `kwrunner`: run Kubewarden policies like `kwctl run`, without kwctl.
//!
//! Exit status of `run`: 0 when the policy answered (allowed or not, or
//! failed inside the guest: that is a code-500 answer), 1 when the policy
//! rejected its settings, 2 when evaluation could not start (unreadable
//! file, bad JSON, module that does not load, bad command line).
//! The publishing subcommands (`annotate`, `inspect`, `scaffold`, `push`,
//! `pull`) exit 0 when they did their work and 2 when they could not.
//! `scan` exits 0, 1 when it refused an object, 2 on bad input (see `kwrunner::scan::command`).
//!
//! This file is the command line; each command lives in the room of the
//! library it belongs to: `run` in `engine::commands`, the publishing ones in
//! `publish::commands`, `scan` in `scan::command`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kwrunner::engine::commands::{self, Failure, RunArgs};
use kwrunner::engine::host;
use kwrunner::publish;
use kwrunner::scan::command as scan_command;

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

/// The subcommands: `run` (see `engine::commands`), `scan` (see `scan::command`), and publishing
/// with `annotate`, `inspect`, `scaffold`, `push` and `pull` (see `publish::commands`).
#[derive(Subcommand)]
enum Command {
    /// Evaluate one request with a policy module and print the AdmissionResponse
    Run(RunArgs),
    /// Embed metadata.yml (and the README as usage) in a copy of a module
    Annotate(publish::commands::AnnotateArgs),
    /// Print the metadata embedded in a module
    Inspect(publish::commands::InspectArgs),
    /// Generate publishing files
    #[command(subcommand)]
    Scaffold(publish::commands::ScaffoldCommand),
    /// Push an annotated module to an OCI registry and print its digest
    Push(publish::commands::PushArgs),
    /// Fetch a module from an OCI registry, by tag or digest, into the store
    Pull(publish::commands::PullArgs),
    /// Check rendered manifests: every object through the policy, a verdict per object
    Scan(scan_command::ScanArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match &cli.command {
        Command::Run(args) => commands::run(args, cli.verbose),
        Command::Annotate(args) => publish::commands::annotate(args).map_err(Failure::Setup),
        Command::Inspect(args) => publish::commands::inspect(args).map_err(Failure::Setup),
        Command::Scaffold(command) => publish::commands::scaffold(command).map_err(Failure::Setup),
        Command::Push(args) => publish::commands::push(args).map_err(Failure::Setup),
        Command::Pull(args) => publish::commands::pull(args).map_err(Failure::Setup),
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
