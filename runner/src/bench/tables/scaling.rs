//! Deployments of 1..100 containers: the cost per container.

use std::collections::BTreeMap;

use anyhow::Result;
use kwrunner::ValidateRequest;

use crate::fixtures::{self, NamedSettings, Request, SCALING};
use crate::stats::{fmt_bytes, fmt_ratio, fmt_us, Table};
use crate::timing::{self, Counts, Guest, Mode};

use super::{slope, Measured};

/// Per mode: (containers, policy, floor-scan) for each Deployment of the series.
pub(crate) type Scaling = BTreeMap<Mode, Vec<(usize, Measured)>>;

pub(crate) fn scaling_table(
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
