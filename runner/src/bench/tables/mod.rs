//! kwbench's tables, a file each; `src/bin/kwbench.rs` parses the flags and
//! calls them. This file holds what several tables share: the modules under
//! test, a case's ratio to the floors, and the report's header.

pub(crate) mod entries;
pub(crate) mod guest_memory;
pub(crate) mod one_host;
pub(crate) mod scaling;
pub(crate) mod scan;
pub(crate) mod settings;
pub(crate) mod targets;
pub(crate) mod tools;
pub(crate) mod validate;
pub(crate) mod variants;

use std::path::PathBuf;

use anyhow::{anyhow, Context, Result};
use kwrunner::{Policy, ValidationResponse};

use crate::memory;
use crate::stats::{fmt_bytes, Summary};
use crate::timing::{Counts, Guest, Mode};

/// A module's bytes and its compiled form.
pub(crate) struct Module {
    pub(crate) name: String,
    pub(crate) path: PathBuf,
    pub(crate) bytes: Vec<u8>,
}

impl Module {
    pub(crate) fn read(name: &str, path: PathBuf) -> Result<Self> {
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

    pub(crate) fn guest(&self) -> Result<Guest> {
        Ok(Guest {
            name: self.name.clone(),
            policy: Policy::from_bytes(&self.bytes)
                .with_context(|| format!("cannot load {}", self.path.display()))?,
        })
    }
}

/// The policy's ratio to the floors in one case.
#[derive(Clone, Copy)]
pub(crate) struct Measured {
    pub(crate) policy: Summary,
    pub(crate) call: Summary,
    pub(crate) scan: Summary,
}

impl Measured {
    pub(crate) fn of(summaries: &[Summary]) -> Self {
        Self {
            policy: summaries[0],
            call: summaries[1],
            scan: summaries[2],
        }
    }
    pub(crate) fn over_call(&self) -> f64 {
        self.policy.median_us() / self.call.median_us()
    }
    pub(crate) fn over_scan(&self) -> f64 {
        self.policy.median_us() / self.scan.median_us()
    }
}

pub(crate) type Key = (String, String, Mode);

pub(crate) fn cpu_model() -> String {
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

pub(crate) fn print_header(modules: &[&Module], counts: Counts) {
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
pub(crate) fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = points.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    sxy / sxx
}

/// Checks a probe answer the way the runner would: `accepted: true`.
pub(crate) fn accepted(guest: &str, answer: &[u8]) -> Result<()> {
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

pub(crate) fn kib(bytes: usize) -> String {
    format!(
        "{} KiB ({} pages)",
        fmt_bytes(bytes / 1024),
        bytes / memory::PAGE
    )
}
