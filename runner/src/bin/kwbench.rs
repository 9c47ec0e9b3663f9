//! `kwbench`: what one admission request costs the registry-allowlist policy
//! in the engine Kubewarden runs it in, next to two floor guests.
//!
//! Every figure goes through the runner's waPC host (wapc + wasmtime-provider,
//! the same as `kwrunner run`), with the runner's default options (epoch
//! deadlines on, as in policy-server). Two modes:
//!
//! - **cold**: a fresh instance rehydrated from the precompiled module for
//!   every call, timed together with the call and with dropping it again;
//!   this is what policy-server does per admission request.
//! - **warm**: one instance reused for every call (what `kwctl bench` shows).
//!
//! Floors: `floor-call` accepts without reading its payload (the host's own
//! cost), `floor-scan` parses the whole payload once with serde_json and
//! accepts (the least any policy must do). Each case times the policy and
//! both floors in turn, call by call, on the same payload.
//!
//! Benchmarks report; this exits non-zero only when it cannot measure
//! (a module missing, a guest refusing the benchmark request), never
//! because a target is missed.

// The helper modules live in runner/src/bench/, outside the library.
#[path = "../bench/fixtures.rs"]
mod fixtures;
#[path = "../bench/memory.rs"]
mod memory;
#[path = "../bench/scan_input.rs"]
mod scan_input;
#[path = "../bench/stats.rs"]
mod stats;
#[path = "../bench/tables/mod.rs"]
mod tables;
#[path = "../bench/timing.rs"]
mod timing;

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Parser;

use fixtures::{NamedSettings, Request};
use tables::entries::{entries_by_kind_table, entries_table};
use tables::guest_memory::memory_table;
use tables::one_host::one_host_table;
use tables::scaling::scaling_table;
use tables::scan::{scan_input_table, scan_table};
use tables::settings::settings_table;
use tables::targets::targets;
use tables::tools::{dump_payloads, perf_map};
use tables::validate::main_table;
use tables::variants::variants_table;
use tables::{print_header, Module};
use timing::Counts;

#[derive(Parser)]
#[command(name = "kwbench")]
struct Cli {
    /// Timed warm calls per guest and case; cold calls are a fifth of this (at least 5)
    #[arg(long, default_value_t = 1000)]
    calls: usize,

    /// The policy module
    #[arg(long, value_name = "PATH")]
    policy: Option<PathBuf>,

    /// The floor-call module
    #[arg(long, value_name = "PATH")]
    floor_call: Option<PathBuf>,

    /// The floor-scan module
    #[arg(long, value_name = "PATH")]
    floor_scan: Option<PathBuf>,

    /// Directory with pod_minimal.json, pod_realistic.json and deployment_50.json
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,

    /// Objects in the generated multi-document file of the scan case
    #[arg(long, default_value_t = 5000)]
    scan_objects: usize,

    /// Largest input of the scan-input table, in MiB (it also reads 1/16 and 1/4 of it);
    /// 4, or 1 for a smoke run of fewer than 100 calls
    #[arg(long, value_name = "MIB")]
    scan_input_mib: Option<usize>,

    /// Only print the scan-input table (reading hostile YAML shapes), skip the rest
    #[arg(long)]
    scan_input_only: bool,

    /// Another build of the policy to compare on the realistic Pod (repeatable), e.g. opt-z=/tmp/z.wasm
    #[arg(long, value_name = "LABEL=PATH")]
    variant: Vec<String>,

    /// Only compare the variants (and policy.wasm), skip the full benchmark
    #[arg(long)]
    variants_only: bool,

    /// Write every `validate` payload the benchmark sends into DIR (for profiling), then exit
    #[arg(long, value_name = "DIR")]
    dump_payloads: Option<PathBuf>,

    /// Profile instead of measuring: call the policy's `validate` with this payload
    /// `--calls` times in one instance, with wasmtime's perf map on (run under `perf record`)
    /// and epoch interruption on, as in policy-server
    #[arg(long, value_name = "PAYLOAD")]
    perf_map: Option<PathBuf>,
}

/// The workspace root, where `make bench` runs.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn main() {
    if let Err(e) = run(&Cli::parse()) {
        eprintln!("kwbench: {e:#}");
        std::process::exit(2);
    }
}

fn run(cli: &Cli) -> Result<()> {
    let root = root();
    let release = root.join("target/wasm32-wasip1/release");
    let policy = Module::read(
        "policy",
        cli.policy
            .clone()
            .unwrap_or_else(|| root.join("policy.wasm")),
    )?;
    let floor_call = Module::read(
        "floor-call",
        cli.floor_call
            .clone()
            .unwrap_or_else(|| release.join("floor_call.wasm")),
    )?;
    let floor_scan = Module::read(
        "floor-scan",
        cli.floor_scan
            .clone()
            .unwrap_or_else(|| release.join("floor_scan.wasm")),
    )?;
    let data = cli
        .data
        .clone()
        .unwrap_or_else(|| root.join("test_data/bench"));
    let counts = Counts::from_calls(cli.calls);

    let pod_minimal = Request::load(&data, "pod_minimal.json", "pod_minimal")?;
    let pod_realistic = Request::load(&data, "pod_realistic.json", "pod_realistic")?;
    let deployment_50 = Request::load(&data, "deployment_50.json", "deployment_50")?;
    let small = NamedSettings::small()?;
    let large = NamedSettings::large()?;

    if let Some(dir) = &cli.dump_payloads {
        return dump_payloads(
            dir,
            &[&pod_minimal, &pod_realistic, &deployment_50],
            &[&small, &large],
        );
    }
    if let Some(payload) = &cli.perf_map {
        return perf_map(&policy, payload, cli.calls);
    }
    let scan_input_mib = cli
        .scan_input_mib
        .unwrap_or(if cli.calls < 100 { 1 } else { 4 });
    if cli.scan_input_only {
        return scan_input_table(scan_input_mib);
    }
    print_header(&[&policy, &floor_call, &floor_scan], counts);
    if !cli.variants_only {
        let guests = vec![policy.guest()?, floor_call.guest()?, floor_scan.guest()?];
        let requests = [&pod_minimal, &pod_realistic, &deployment_50];
        let settings = [&small, &large];
        let results = main_table(&guests, &requests, &settings, counts)?;
        settings_table(&guests, &settings, counts)?;
        let scaling = scaling_table(&guests, &deployment_50, &small, counts)?;
        let entries = entries_table(&guests, &pod_realistic, counts)?;
        entries_by_kind_table(&guests, &pod_realistic, counts)?;
        let one_host = one_host_table(&guests, &deployment_50, counts)?;
        memory_table(
            &[&policy, &floor_call, &floor_scan],
            &requests,
            &settings,
            &deployment_50,
            counts,
        )?;
        scan_table(&policy, &small, cli.scan_objects)?;
        scan_input_table(scan_input_mib)?;
        if !cli.variant.is_empty() {
            variants_table(
                &policy,
                &floor_scan,
                &cli.variant,
                &pod_realistic,
                &small,
                counts,
            )?;
        }
        targets(&policy, &results, &scaling, &entries, &one_host);
    } else {
        variants_table(
            &policy,
            &floor_scan,
            &cli.variant,
            &pod_realistic,
            &small,
            counts,
        )?;
    }
    Ok(())
}
