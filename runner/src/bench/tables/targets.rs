//! The targets: each measured figure against its limit.

use std::collections::BTreeMap;

use crate::stats::{fmt_bytes, fmt_ratio, fmt_us, Table};
use crate::timing::Mode;

use super::entries::EntriesSeries;
use super::one_host::OneHostSeries;
use super::scaling::Scaling;
use super::{slope, Key, Measured, Module};

/// The limit: every case at most 1.3x floor-scan on the same payload.
pub(crate) const OVER_SCAN_LIMIT: f64 = 1.3;

pub(crate) fn targets(
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
        // count. The policy's own cost per container in the last step (50 ->
        // 100 containers: policy minus floor-scan, timed in the same turns,
        // so the machine's drift between payloads cancels) is set against
        // the floor-scan's cost per container over the whole series (least
        // squares, which no one slow payload moves): the policy's step as a
        // multiple of the floor's.
        let at = |n: usize| series.iter().find(|(c, _)| *c == n).map(|(_, m)| m);
        if let (Some(m50), Some(m100)) = (at(50), at(100)) {
            let own = |m: &Measured| m.policy.median_us() - m.scan.median_us();
            let own_step = (own(m100) - own(m50)) / 50.0;
            let points: Vec<(f64, f64)> = series
                .iter()
                .map(|(n, m)| (*n as f64, m.scan.median_us()))
                .collect();
            let floor = slope(&points);
            let ratio = 1.0 + own_step / floor;
            table.row(vec![
                format!(
                    "per-container cost, {mode}: policy's step 50->100 over floor-scan's µs/ctr (own step {}, floor {})",
                    fmt_us(own_step),
                    fmt_us(floor)
                ),
                fmt_ratio(ratio),
                "<= 1.25x (1.00x if linear)".to_owned(),
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
