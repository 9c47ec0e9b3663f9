//! Not tables: the payloads written out (`--dump-payloads`) and a perf map run (`--perf-map`).

use std::path::Path;

use anyhow::{anyhow, Context, Result};

use crate::fixtures::{self, NamedSettings, Request, ONE_HOST_PREFIXES, SCALING};
use crate::memory;
use crate::stats::{self, fmt_us};

use super::{accepted, Module};

/// Writes `<request>.<entries>.json` for every request, Deployment of the
/// scaling series and settings: the exact bytes `validate` receives.
pub(crate) fn dump_payloads(
    dir: &Path,
    requests: &[&Request],
    settings: &[&NamedSettings],
) -> Result<()> {
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
pub(crate) fn perf_map(policy: &Module, payload: &Path, calls: usize) -> Result<()> {
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
