//! Variants of the policy module (`--variant`) against floor-scan.

use std::path::PathBuf;

use anyhow::{anyhow, Result};

use crate::fixtures::{NamedSettings, Request};
use crate::stats::{fmt_bytes, fmt_ratio, fmt_us, Table};
use crate::timing::{self, Counts, Mode};

use super::Module;

pub(crate) fn variants_table(
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
