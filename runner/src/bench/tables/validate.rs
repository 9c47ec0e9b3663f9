//! The main table: validate per request and settings, cold and warm, against the floors.

use std::collections::BTreeMap;

use anyhow::Result;

use crate::fixtures::{NamedSettings, Request};
use crate::stats::{fmt_bytes, fmt_ratio, fmt_us, Table};
use crate::timing::{self, Counts, Guest, Mode};

use super::{Key, Measured};

pub(crate) fn main_table(
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
