//! validate_settings, and a fresh instance alone, against the floors.

use anyhow::Result;

use crate::fixtures::NamedSettings;
use crate::stats::{fmt_bytes, fmt_ratio, fmt_us, Table};
use crate::timing::{self, Counts, Guest, Mode};

use super::Measured;

pub(crate) fn settings_table(
    guests: &[Guest],
    settings: &[&NamedSettings],
    counts: Counts,
) -> Result<()> {
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
