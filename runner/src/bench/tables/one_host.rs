//! Per-team path prefixes on the one host every image of a Deployment uses.

use anyhow::Result;

use crate::fixtures::{self, NamedSettings, Request, ONE_HOST_PREFIXES};
use crate::stats::{fmt_bytes, fmt_ratio, fmt_us, Table};
use crate::timing::{self, Counts, Guest, Mode};

use super::Measured;

/// (settings name, mode, measured) for each list of the one-host series.
pub(crate) type OneHostSeries = Vec<(String, Mode, Measured)>;

/// Per-team allowlists on one shared registry: a Deployment whose 45 images
/// all live on one host, judged with 100..3,000 path prefixes on that host
/// (and a mixed list). Every prefix shares the images' host, so only its
/// path tells it apart: the policy's own cost should not grow with the list.
pub(crate) fn one_host_table(
    guests: &[Guest],
    template: &Request,
    counts: Counts,
) -> Result<OneHostSeries> {
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
