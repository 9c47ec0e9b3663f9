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
#[path = "../bench/timing.rs"]
mod timing;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use clap::Parser;
use kwrunner::{Policy, ValidateRequest, ValidationResponse};

use fixtures::{EntryKind, NamedSettings, Request, ENTRIES, ONE_HOST_PREFIXES, SCALING};
use stats::{fmt_bytes, fmt_ratio, fmt_us, Summary, Table};
use timing::{Counts, Guest, Mode};

/// Cost per admission request of the policy, cold and warm, against two floors.
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

/// A module's bytes and its compiled form.
struct Module {
    name: String,
    path: PathBuf,
    bytes: Vec<u8>,
}

impl Module {
    fn read(name: &str, path: PathBuf) -> Result<Self> {
        let bytes = std::fs::read(&path).with_context(|| {
            format!(
                "cannot read {} (build it first: `make policy.wasm floors`)",
                path.display()
            )
        })?;
        Ok(Self {
            name: name.to_owned(),
            path,
            bytes,
        })
    }

    fn guest(&self) -> Result<Guest> {
        Ok(Guest {
            name: self.name.clone(),
            policy: Policy::from_bytes(&self.bytes)
                .with_context(|| format!("cannot load {}", self.path.display()))?,
        })
    }
}

/// The policy's ratio to the floors in one case.
#[derive(Clone, Copy)]
struct Measured {
    policy: Summary,
    call: Summary,
    scan: Summary,
}

impl Measured {
    fn of(summaries: &[Summary]) -> Self {
        Self {
            policy: summaries[0],
            call: summaries[1],
            scan: summaries[2],
        }
    }
    fn over_call(&self) -> f64 {
        self.policy.median_us() / self.call.median_us()
    }
    fn over_scan(&self) -> f64 {
        self.policy.median_us() / self.scan.median_us()
    }
}

type Key = (String, String, Mode);

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

/// Reading scan inputs of every shape that once cost more than its size
/// (`manifests::documents` and `objects`, what `kwrunner scan` does before
/// the policy): time per MiB must stay flat as size and depth grow.
fn scan_input_table(max_mib: usize) -> Result<()> {
    use kwrunner::scan::manifests;
    use std::time::{Duration, Instant};

    const MIB: usize = 1 << 20;
    let largest = max_mib.max(1) * MIB;
    println!("## scan input: reading YAML of hostile shapes (manifests::documents and objects, no policy; best of 3)");
    println!();
    let mut table = Table::new(
        &[
            "shape",
            "MiB",
            "documents",
            "objects",
            "errors",
            "ms",
            "ms/MiB",
        ],
        1,
    );
    for bytes in [largest / 16, largest / 4, largest] {
        for (name, text) in scan_input::shapes(bytes) {
            let mut best = Duration::MAX;
            let (mut documents, mut objects, mut errors) = (0, 0, 0);
            for _ in 0..3 {
                let clock = Instant::now();
                let docs = manifests::documents(&text);
                documents = docs.len();
                errors = 0;
                objects = 0;
                for doc in docs {
                    match doc.value {
                        Ok(value) => objects += manifests::objects(value).len(),
                        Err(_) => errors += 1,
                    }
                }
                best = best.min(clock.elapsed());
            }
            let mib = text.len() as f64 / MIB as f64;
            let ms = best.as_secs_f64() * 1000.0;
            table.row(vec![
                name,
                format!("{mib:.2}"),
                fmt_bytes(documents),
                fmt_bytes(objects),
                fmt_bytes(errors),
                format!("{ms:.1}"),
                format!("{:.1}", ms / mib),
            ]);
        }
    }
    println!("{}", table.render());
    println!("nesting deeper than {} levels is refused before the YAML reader (one error per document); \
              broken documents: one syntax error each", manifests::MAX_DEPTH);
    println!();
    Ok(())
}

/// `kwrunner scan` on one generated file of mixed objects, through the
/// library call the command makes (`Scanner::scan`: parsing, requests,
/// one reused instance), after `Scanner::new` (instance, validate_settings).
fn scan_table(policy: &Module, settings: &NamedSettings, objects: usize) -> Result<()> {
    use kwrunner::scan::manifests::{self, Source};
    use kwrunner::scan::{Scanner, SetupError};
    use std::time::Instant;

    let text = scan_input::manifests(objects);
    let bytes = text.len();
    let compiled = Policy::from_bytes(&policy.bytes)
        .with_context(|| format!("cannot load {}", policy.path.display()))?;
    let parse_start = Instant::now();
    let parsed: usize = manifests::documents(&text)
        .into_iter()
        .filter_map(|d| d.value.ok())
        .map(|v| manifests::objects(v).len())
        .sum();
    let parse = parse_start.elapsed();
    let sources = [Source::named("generated.yaml", Ok(text))];
    let mut scanner = match Scanner::new(&compiled, settings.settings.clone(), "default") {
        Ok(scanner) => scanner,
        Err(SetupError::InvalidSettings(m)) => return Err(anyhow!("settings refused: {m}")),
        Err(SetupError::Other(e)) => return Err(e),
    };
    let start = Instant::now();
    let report = scanner.scan(&sources);
    let elapsed = start.elapsed();
    let summary = report.summary();
    if summary.scanned != objects || parsed != objects || summary.errors > 0 {
        return Err(anyhow!(
            "scan case: {} of {objects} objects scanned, {parsed} parsed, {} input errors",
            summary.scanned,
            summary.errors
        ));
    }
    println!("## scan: `kwrunner scan` on one generated multi-document YAML file (Scanner::scan, the command's code path; warm, one instance)");
    println!();
    let mut table = Table::new(
        &[
            "objects",
            "YAML bytes",
            "admitted",
            "refused",
            "parse only ms",
            "scan ms",
            "µs/object",
            "objects/s",
        ],
        0,
    );
    let secs = elapsed.as_secs_f64();
    table.row(vec![
        fmt_bytes(objects),
        fmt_bytes(bytes),
        fmt_bytes(summary.admitted),
        fmt_bytes(summary.refused),
        format!("{:.1}", parse.as_secs_f64() * 1000.0),
        format!("{:.1}", secs * 1000.0),
        fmt_us(stats::us(elapsed) / objects as f64),
        fmt_bytes((objects as f64 / secs) as usize),
    ]);
    println!("{}", table.render());
    println!(
        "settings: {} registries.allow entries; kinds: Deployment, Service, ConfigMap, Pod, Secret, StatefulSet, Job, CronJob",
        settings.entries
    );
    println!();
    Ok(())
}

/// Writes `<request>.<entries>.json` for every request, Deployment of the
/// scaling series and settings: the exact bytes `validate` receives.
fn dump_payloads(dir: &Path, requests: &[&Request], settings: &[&NamedSettings]) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let template = requests
        .iter()
        .find(|r| r.name == "deployment_50")
        .ok_or_else(|| anyhow!("deployment_50 missing"))?;
    let mut all: Vec<Request> = Vec::new();
    for n in SCALING {
        all.push(fixtures::deployment_with(template, n)?);
    }
    for r in requests.iter().copied().chain(&all) {
        for s in settings {
            let path = dir.join(format!("{}.{}.json", r.name, s.entries));
            std::fs::write(&path, r.prepare(&s.settings)?.payload())?;
            println!("{}", path.display());
        }
    }
    // The one-host series, its lists named by their lengths (the mixed one, 1,200).
    let one_host = fixtures::one_host_deployment(template)?;
    let mut lists: Vec<NamedSettings> = ONE_HOST_PREFIXES
        .iter()
        .map(|n| NamedSettings::one_host_prefixes(*n))
        .collect::<Result<_>>()?;
    lists.push(NamedSettings::one_host_mixed()?);
    for s in &lists {
        let path = dir.join(format!("{}.{}.json", one_host.name, s.entries));
        std::fs::write(&path, one_host.prepare(&s.settings)?.payload())?;
        println!("{}", path.display());
    }
    Ok(())
}

/// Runs `validate` many times under wasmtime's perf map, for `perf record`.
fn perf_map(policy: &Module, payload: &Path, calls: usize) -> Result<()> {
    let payload =
        std::fs::read(payload).with_context(|| format!("cannot read {}", payload.display()))?;
    let probe = memory::Probe::new(&policy.bytes, true)?;
    let mut guest = probe.instance()?;
    let start = std::time::Instant::now();
    for _ in 0..calls {
        accepted(&policy.name, &guest.call("validate", &payload)?)?;
    }
    eprintln!(
        "{calls} calls, {} µs each",
        fmt_us(stats::us(start.elapsed()) / calls as f64)
    );
    Ok(())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

fn print_header(modules: &[&Module], counts: Counts) {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("# kwbench: registry-allowlist through the kwrunner waPC host (wapc + wasmtime-provider 2.25)");
    println!();
    println!("machine: {} CPUs, {}", cpus, cpu_model());
    println!(
        "calls:   {} warm and {} cold timed per guest and case, after {} and {} untimed; guests take turns in blocks of {} warm / {} cold calls (one untimed call first)",
        counts.warm,
        counts.cold,
        counts.warmup(Mode::Warm),
        counts.warmup(Mode::Cold),
        counts.block(Mode::Warm),
        counts.block(Mode::Cold),
    );
    println!("cold:    rehydrate instance + wapc_init + validate + drop, all timed; warm: validate on one reused instance");
    println!(
        "engine:  kwrunner's defaults, as policy-server: epoch deadlines on ({:?}), WASI linked",
        kwrunner::DEFAULT_TIMEOUT
    );
    for m in modules {
        println!(
            "module:  {:<10} {:>9} bytes  {}",
            m.name,
            fmt_bytes(m.bytes.len()),
            m.path.display()
        );
    }
    println!();
}

fn main_table(
    guests: &[Guest],
    requests: &[&Request],
    settings: &[&NamedSettings],
    counts: Counts,
) -> Result<BTreeMap<Key, Measured>> {
    println!("## validate: median and p99 per call (µs), ratio of medians to the floors");
    println!();
    for s in settings {
        println!(
            "settings {:>5}: {} registries.allow entries, {} bytes",
            s.name,
            s.entries,
            fmt_bytes(s.bytes)
        );
    }
    for r in requests {
        println!(
            "request  {:<14} {} containers, {} bytes compact",
            r.name,
            r.containers,
            fmt_bytes(r.compact_bytes)
        );
    }
    println!();
    let mut table = Table::new(
        &[
            "request",
            "entries",
            "mode",
            "payload B",
            "calls",
            "policy med",
            "p99",
            "floor-call med",
            "p99",
            "floor-scan med",
            "p99",
            "/floor-call",
            "/floor-scan",
        ],
        3,
    );
    let mut results = BTreeMap::new();
    for mode in [Mode::Cold, Mode::Warm] {
        for r in requests {
            for s in settings {
                let prepared = r.prepare(&s.settings)?;
                let m = Measured::of(&timing::validate(guests, &prepared, mode, counts)?);
                table.row(vec![
                    r.name.clone(),
                    s.name.clone(),
                    mode.to_string(),
                    fmt_bytes(prepared.payload().len()),
                    m.policy.calls.to_string(),
                    fmt_us(m.policy.median_us()),
                    fmt_us(m.policy.p99_us()),
                    fmt_us(m.call.median_us()),
                    fmt_us(m.call.p99_us()),
                    fmt_us(m.scan.median_us()),
                    fmt_us(m.scan.p99_us()),
                    fmt_ratio(m.over_call()),
                    fmt_ratio(m.over_scan()),
                ]);
                results.insert((r.name.clone(), s.name.clone(), mode), m);
            }
        }
    }
    println!("{}", table.render());
    Ok(results)
}

fn settings_table(guests: &[Guest], settings: &[&NamedSettings], counts: Counts) -> Result<()> {
    println!(
        "## validate_settings, and a fresh instance alone: median and p99 per call (µs); the floors accept without reading"
    );
    println!();
    let mut table = Table::new(
        &[
            "entries",
            "mode",
            "payload B",
            "calls",
            "policy med",
            "p99",
            "floor-call med",
            "floor-scan med",
            "/floor-call",
        ],
        2,
    );
    let m = Measured::of(&timing::instantiate(guests, counts)?);
    table.row(vec![
        "(none: instance only)".to_owned(),
        Mode::Cold.to_string(),
        "0".to_owned(),
        m.policy.calls.to_string(),
        fmt_us(m.policy.median_us()),
        fmt_us(m.policy.p99_us()),
        fmt_us(m.call.median_us()),
        fmt_us(m.scan.median_us()),
        fmt_ratio(m.over_call()),
    ]);
    for mode in [Mode::Cold, Mode::Warm] {
        for s in settings {
            let payload = serde_json::to_vec(&s.settings)?;
            let m = Measured::of(&timing::validate_settings(guests, &payload, mode, counts)?);
            table.row(vec![
                s.name.clone(),
                mode.to_string(),
                fmt_bytes(payload.len()),
                m.policy.calls.to_string(),
                fmt_us(m.policy.median_us()),
                fmt_us(m.policy.p99_us()),
                fmt_us(m.call.median_us()),
                fmt_us(m.scan.median_us()),
                fmt_ratio(m.over_call()),
            ]);
        }
    }
    println!("{}", table.render());
    Ok(())
}

/// Per mode: (containers, policy, floor-scan) for each Deployment of the series.
type Scaling = BTreeMap<Mode, Vec<(usize, Measured)>>;

impl PartialOrd for Mode {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Mode {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (*self as u8).cmp(&(*other as u8))
    }
}

/// Least-squares slope of y over x.
fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = points.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    sxy / sxx
}

fn scaling_table(
    guests: &[Guest],
    template: &Request,
    settings: &NamedSettings,
    counts: Counts,
) -> Result<Scaling> {
    println!(
        "## scaling: Deployments of 1..100 containers made from deployment_50, {} entries (µs)",
        settings.name
    );
    println!();
    let deployments: Vec<Request> = SCALING
        .iter()
        .map(|n| fixtures::deployment_with(template, *n))
        .collect::<Result<_>>()?;
    let prepared: Vec<ValidateRequest> = deployments
        .iter()
        .map(|d| d.prepare(&settings.settings))
        .collect::<Result<_>>()?;
    let mut table = Table::new(
        &[
            "mode",
            "containers",
            "payload B",
            "policy med",
            "p99",
            "floor-call med",
            "floor-scan med",
            "policy-scan",
            "/floor-scan",
            "step µs/ctr policy",
            "step µs/ctr scan",
        ],
        1,
    );
    let mut scaling = Scaling::new();
    let mut slopes = Vec::new();
    for mode in [Mode::Cold, Mode::Warm] {
        let mut series: Vec<(usize, Measured)> = Vec::new();
        for (d, p) in deployments.iter().zip(&prepared) {
            let m = Measured::of(&timing::validate(guests, p, mode, counts)?);
            let (step_policy, step_scan) = match series.last() {
                Some((n0, m0)) => {
                    let dn = (d.containers - n0) as f64;
                    (
                        fmt_us((m.policy.median_us() - m0.policy.median_us()) / dn),
                        fmt_us((m.scan.median_us() - m0.scan.median_us()) / dn),
                    )
                }
                None => (String::new(), String::new()),
            };
            table.row(vec![
                mode.to_string(),
                d.containers.to_string(),
                fmt_bytes(p.payload().len()),
                fmt_us(m.policy.median_us()),
                fmt_us(m.policy.p99_us()),
                fmt_us(m.call.median_us()),
                fmt_us(m.scan.median_us()),
                fmt_us(m.policy.median_us() - m.scan.median_us()),
                fmt_ratio(m.over_scan()),
                step_policy,
                step_scan,
            ]);
            series.push((d.containers, m));
        }
        let fit = |f: &dyn Fn(&Measured) -> f64| {
            let points: Vec<(f64, f64)> = series.iter().map(|(n, m)| (*n as f64, f(m))).collect();
            slope(&points)
        };
        slopes.push(format!(
            "{mode}: least-squares µs per container: policy {}, floor-scan {}, policy minus floor-scan {}",
            fmt_us(fit(&|m| m.policy.median_us())),
            fmt_us(fit(&|m| m.scan.median_us())),
            fmt_us(fit(&|m| m.policy.median_us() - m.scan.median_us())),
        ));
        scaling.insert(mode, series);
    }
    println!("{}", table.render());
    for line in slopes {
        println!("{line}");
    }
    println!();
    Ok(scaling)
}

/// (entries, mode, measured) for each length of the entries series.
type EntriesSeries = Vec<(usize, Mode, Measured)>;

/// The realistic Pod judged with 3 / 100 / 1,000 / 10,000 registries.allow
/// entries: the policy's own cost (over floor-scan, which reads the same
/// payload) should grow with the entries that can match, not with the list.
fn entries_table(guests: &[Guest], request: &Request, counts: Counts) -> Result<EntriesSeries> {
    println!(
        "## entries: {} judged with 3..10,000 registries.allow entries (µs; generated as for 1,253, the real three last)",
        request.name
    );
    println!();
    let settings: Vec<NamedSettings> = ENTRIES
        .iter()
        .map(|n| NamedSettings::with_entries(*n))
        .collect::<Result<_>>()?;
    let mut table = Table::new(
        &[
            "mode",
            "entries",
            "payload B",
            "policy med",
            "p99",
            "floor-scan med",
            "p99",
            "policy-scan",
            "/floor-scan",
        ],
        1,
    );
    let mut series = EntriesSeries::new();
    let mut slopes = Vec::new();
    for mode in [Mode::Cold, Mode::Warm] {
        let mut points = Vec::new();
        for s in &settings {
            let prepared = request.prepare(&s.settings)?;
            let m = Measured::of(&timing::validate(guests, &prepared, mode, counts)?);
            let own = m.policy.median_us() - m.scan.median_us();
            table.row(vec![
                mode.to_string(),
                fmt_bytes(s.entries),
                fmt_bytes(prepared.payload().len()),
                fmt_us(m.policy.median_us()),
                fmt_us(m.policy.p99_us()),
                fmt_us(m.scan.median_us()),
                fmt_us(m.scan.p99_us()),
                fmt_us(own),
                fmt_ratio(m.over_scan()),
            ]);
            points.push((s.entries as f64, m.policy.median_us(), m.scan.median_us()));
            series.push((s.entries, mode, m));
        }
        let fit = |f: &dyn Fn(&(f64, f64, f64)) -> f64| {
            let xy: Vec<(f64, f64)> = points.iter().map(|p| (p.0 / 1000.0, f(p))).collect();
            slope(&xy)
        };
        slopes.push(format!(
            "{mode}: least-squares µs per 1,000 entries: policy {}, floor-scan {}, policy minus floor-scan {}",
            fmt_us(fit(&|p| p.1)),
            fmt_us(fit(&|p| p.2)),
            fmt_us(fit(&|p| p.1 - p.2)),
        ));
    }
    println!("{}", table.render());
    for line in slopes {
        println!("{line}");
    }
    println!();
    Ok(series)
}

/// The entries series again, warm, with every generated entry of one kind:
/// which entries the policy's own cost grows with, and which it does not.
fn entries_by_kind_table(guests: &[Guest], request: &Request, counts: Counts) -> Result<()> {
    println!(
        "## entries by kind: {} judged warm with 3..10,000 registries.allow entries of one kind (µs; the real three last)",
        request.name
    );
    println!();
    let mut table = Table::new(
        &[
            "kind",
            "entries",
            "policy med",
            "floor-scan med",
            "policy-scan",
            "/floor-scan",
        ],
        1,
    );
    let measure = |kind: EntryKind, n: usize| -> Result<Measured> {
        let s = NamedSettings::of_kind(kind, n)?;
        let prepared = request.prepare(&s.settings)?;
        Ok(Measured::of(&timing::validate(
            guests,
            &prepared,
            Mode::Warm,
            counts,
        )?))
    };
    // The three real entries alone are the same list for every kind.
    let base = measure(EntryKind::OtherHosts, ENTRIES[0])?;
    let mut slopes = Vec::new();
    for kind in EntryKind::ALL {
        let mut own = vec![(0.0, base.policy.median_us() - base.scan.median_us())];
        for &n in &ENTRIES[1..] {
            let m = measure(kind, n)?;
            let policy_minus_scan = m.policy.median_us() - m.scan.median_us();
            table.row(vec![
                kind.name().to_owned(),
                fmt_bytes(n),
                fmt_us(m.policy.median_us()),
                fmt_us(m.scan.median_us()),
                fmt_us(policy_minus_scan),
                fmt_ratio(m.over_scan()),
            ]);
            own.push(((n - ENTRIES[0]) as f64 / 1000.0, policy_minus_scan));
        }
        slopes.push(format!("{} {}", kind.name(), fmt_us(slope(&own))));
    }
    println!("{}", table.render());
    println!(
        "warm: least-squares own cost (policy minus floor-scan) per 1,000 entries, from the 3 real ones: {}",
        slopes.join(", ")
    );
    println!();
    Ok(())
}

/// (settings name, mode, measured) for each list of the one-host series.
type OneHostSeries = Vec<(String, Mode, Measured)>;

/// Per-team allowlists on one shared registry: a Deployment whose 45 images
/// all live on one host, judged with 100..3,000 path prefixes on that host
/// (and a mixed list). Every prefix shares the images' host, so only its
/// path tells it apart: the policy's own cost should not grow with the list.
fn one_host_table(guests: &[Guest], template: &Request, counts: Counts) -> Result<OneHostSeries> {
    let request = fixtures::one_host_deployment(template)?;
    println!(
        "## one host: {} ({} containers, every image on {} under its own team) judged with per-team path prefixes on that host (µs)",
        request.name,
        request.containers,
        fixtures::ONE_HOST
    );
    println!();
    let mut settings: Vec<NamedSettings> = ONE_HOST_PREFIXES
        .iter()
        .map(|n| NamedSettings::one_host_prefixes(*n))
        .collect::<Result<_>>()?;
    settings.push(NamedSettings::one_host_mixed()?);
    let mut table = Table::new(
        &[
            "mode",
            "entries",
            "payload B",
            "policy med",
            "p99",
            "floor-scan med",
            "p99",
            "policy-scan",
            "/floor-scan",
        ],
        1,
    );
    let mut series = OneHostSeries::new();
    for mode in [Mode::Cold, Mode::Warm] {
        for s in &settings {
            let prepared = request.prepare(&s.settings)?;
            let m = Measured::of(&timing::validate(guests, &prepared, mode, counts)?);
            table.row(vec![
                mode.to_string(),
                s.name.clone(),
                fmt_bytes(prepared.payload().len()),
                fmt_us(m.policy.median_us()),
                fmt_us(m.policy.p99_us()),
                fmt_us(m.scan.median_us()),
                fmt_us(m.scan.p99_us()),
                fmt_us(m.policy.median_us() - m.scan.median_us()),
                fmt_ratio(m.over_scan()),
            ]);
            series.push((s.name.clone(), mode, m));
        }
    }
    println!("{}", table.render());
    println!("mixed: 900 entries generated as for 1,253 (hosts, path prefixes on four hosts, wildcards), a team prefix on the one host after every three");
    println!();
    Ok(series)
}

/// Checks a probe answer the way the runner would: `accepted: true`.
fn accepted(guest: &str, answer: &[u8]) -> Result<()> {
    let response: ValidationResponse = serde_json::from_slice(answer)?;
    if response.accepted {
        Ok(())
    } else {
        Err(anyhow!(
            "{guest} did not accept in the memory probe: {:?}",
            response.message
        ))
    }
}

fn kib(bytes: usize) -> String {
    format!(
        "{} KiB ({} pages)",
        fmt_bytes(bytes / 1024),
        bytes / memory::PAGE
    )
}

fn memory_table(
    modules: &[&Module],
    requests: &[&Request],
    settings: &[&NamedSettings],
    template: &Request,
    counts: Counts,
) -> Result<()> {
    println!("## guest linear memory (read through wasmtime by kwbench's own minimal waPC host, see memory.rs)");
    println!();
    let mut payloads: Vec<(String, Vec<u8>)> = Vec::new();
    for r in requests {
        for s in settings {
            payloads.push((
                format!("{}/{}", r.name, s.name),
                r.prepare(&s.settings)?.payload().to_vec(),
            ));
        }
    }
    for n in SCALING {
        let d = fixtures::deployment_with(template, n)?;
        for s in settings {
            payloads.push((
                format!("{}/{}", d.name, s.name),
                d.prepare(&s.settings)?.payload().to_vec(),
            ));
        }
    }
    let per_case = counts.warm.min(200);
    let mut table = Table::new(
        &[
            "guest",
            "after init",
            "cold: largest after 1 call",
            "on",
            "warm: after the run",
            "warm: peak",
        ],
        1,
    );
    for m in modules {
        let probe = memory::Probe::new(&m.bytes, false)?;
        let init = probe.instance()?.memory_bytes();
        let mut cold_max = (0, String::new());
        for (name, payload) in &payloads {
            let mut guest = probe.instance()?;
            accepted(&m.name, &guest.call("validate", payload)?)?;
            if guest.peak_bytes() > cold_max.0 {
                cold_max = (guest.peak_bytes(), name.clone());
            }
        }
        let mut warm = probe.instance()?;
        for (_, payload) in &payloads {
            for _ in 0..per_case {
                accepted(&m.name, &warm.call("validate", payload)?)?;
            }
        }
        table.row(vec![
            m.name.clone(),
            kib(init),
            kib(cold_max.0),
            cold_max.1,
            kib(warm.memory_bytes()),
            kib(warm.peak_bytes()),
        ]);
    }
    println!("{}", table.render());
    println!(
        "warm run: one instance, {} payloads (every request and Deployment above, both settings) x {} calls each",
        payloads.len(),
        per_case
    );
    println!();
    Ok(())
}

fn variants_table(
    policy: &Module,
    floor_scan: &Module,
    variants: &[String],
    request: &Request,
    settings: &NamedSettings,
    counts: Counts,
) -> Result<()> {
    println!(
        "## policy builds compared on {} with {} entries (µs, medians)",
        request.name, settings.name
    );
    println!();
    let mut modules = vec![Module::read(
        &format!("{} (current)", policy.path.display()),
        policy.path.clone(),
    )?];
    for v in variants {
        let (label, path) = v
            .split_once('=')
            .ok_or_else(|| anyhow!("--variant wants LABEL=PATH, got {v:?}"))?;
        modules.push(Module::read(label, PathBuf::from(path))?);
    }
    // floor-scan first, then every build: all timed in turn, call by call.
    let mut guests = vec![floor_scan.guest()?];
    for m in &modules {
        guests.push(m.guest()?);
    }
    let prepared = request.prepare(&settings.settings)?;
    let cold = timing::validate(&guests, &prepared, Mode::Cold, counts)?;
    let warm = timing::validate(&guests, &prepared, Mode::Warm, counts)?;
    let mut table = Table::new(
        &[
            "build",
            "wasm bytes",
            "cold med",
            "cold p99",
            "warm med",
            "warm p99",
            "cold /floor-scan",
            "warm /floor-scan",
        ],
        1,
    );
    for (i, m) in modules.iter().enumerate() {
        let (c, w) = (cold[i + 1], warm[i + 1]);
        table.row(vec![
            m.name.clone(),
            fmt_bytes(m.bytes.len()),
            fmt_us(c.median_us()),
            fmt_us(c.p99_us()),
            fmt_us(w.median_us()),
            fmt_us(w.p99_us()),
            fmt_ratio(c.median_us() / cold[0].median_us()),
            fmt_ratio(w.median_us() / warm[0].median_us()),
        ]);
    }
    table.row(vec![
        "floor-scan".to_owned(),
        fmt_bytes(floor_scan.bytes.len()),
        fmt_us(cold[0].median_us()),
        fmt_us(cold[0].p99_us()),
        fmt_us(warm[0].median_us()),
        fmt_us(warm[0].p99_us()),
        String::new(),
        String::new(),
    ]);
    println!("{}", table.render());
    Ok(())
}

/// The limit: every case at most 1.3x floor-scan on the same payload.
const OVER_SCAN_LIMIT: f64 = 1.3;

fn targets(
    policy: &Module,
    results: &BTreeMap<Key, Measured>,
    scaling: &Scaling,
    entries: &EntriesSeries,
    one_host: &OneHostSeries,
) {
    println!("## targets (medians, this run)");
    println!();
    let mut table = Table::new(&["target", "measured", "limit", "result"], 1);
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" }.to_owned();
    let get = |r: &str, s: &str, mode: Mode| results.get(&(r.to_owned(), s.to_owned(), mode));
    let limit = format!("<= {}", fmt_ratio(OVER_SCAN_LIMIT));
    for mode in [Mode::Cold, Mode::Warm] {
        for r in ["pod_realistic", "deployment_50"] {
            for s in ["3", "1,253"] {
                if let Some(m) = get(r, s, mode) {
                    table.row(vec![
                        format!("{r}, {s} entries, {mode}: policy / floor-scan"),
                        fmt_ratio(m.over_scan()),
                        limit.clone(),
                        verdict(m.over_scan() <= OVER_SCAN_LIMIT),
                    ]);
                }
            }
        }
    }
    for (n, mode, m) in entries.iter().filter(|(n, _, _)| *n == 10_000) {
        table.row(vec![
            format!(
                "pod_realistic, {} entries, {mode}: policy / floor-scan",
                fmt_bytes(*n)
            ),
            fmt_ratio(m.over_scan()),
            limit.clone(),
            verdict(m.over_scan() <= OVER_SCAN_LIMIT),
        ]);
    }
    for (name, mode, m) in one_host
        .iter()
        .filter(|(name, _, _)| name == "3,000" || name.starts_with("mixed"))
    {
        table.row(vec![
            format!("one host, 45 containers, {name} entries, {mode}: policy / floor-scan"),
            fmt_ratio(m.over_scan()),
            limit.clone(),
            verdict(m.over_scan() <= OVER_SCAN_LIMIT),
        ]);
    }
    for (mode, series) in scaling {
        // A quadratic term shows as a per-container cost that grows with the
        // count: compare the last step (50 -> 100) with the first half (1 -> 50).
        let at = |n: usize| {
            series
                .iter()
                .find(|(c, _)| *c == n)
                .map(|(_, m)| m.policy.median_us())
        };
        if let (Some(t1), Some(t50), Some(t100)) = (at(1), at(50), at(100)) {
            let early = (t50 - t1) / 49.0;
            let late = (t100 - t50) / 50.0;
            let ratio = late / early;
            table.row(vec![
                format!(
                    "per-container cost, {mode}: µs/ctr 50->100 ({}) / 1->50 ({})",
                    fmt_us(late),
                    fmt_us(early)
                ),
                fmt_ratio(ratio),
                "<= 1.25x (quadratic ~2.9x)".to_owned(),
                verdict(ratio <= 1.25),
            ]);
        }
    }
    let size = policy.bytes.len();
    table.row(vec![
        "policy.wasm size (bytes; 300 KB read as 300,000)".to_owned(),
        fmt_bytes(size),
        "<= 300,000".to_owned(),
        verdict(size <= 300_000),
    ]);
    println!("{}", table.render());
}
