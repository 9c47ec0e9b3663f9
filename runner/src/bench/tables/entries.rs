//! pod_realistic against long registries.allow lists, all kinds and one kind at a time.

use anyhow::Result;

use crate::fixtures::{EntryKind, NamedSettings, Request, ENTRIES};
use crate::stats::{fmt_bytes, fmt_ratio, fmt_us, Table};
use crate::timing::{self, Counts, Guest, Mode};

use super::{slope, Measured};

/// (entries, mode, measured) for each length of the entries series.
pub(crate) type EntriesSeries = Vec<(usize, Mode, Measured)>;

/// The realistic Pod judged with 3 / 100 / 1,000 / 10,000 registries.allow
/// entries: the policy's own cost (over floor-scan, which reads the same
/// payload) should grow with the entries that can match, not with the list.
pub(crate) fn entries_table(
    guests: &[Guest],
    request: &Request,
    counts: Counts,
) -> Result<EntriesSeries> {
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
pub(crate) fn entries_by_kind_table(
    guests: &[Guest],
    request: &Request,
    counts: Counts,
) -> Result<()> {
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
