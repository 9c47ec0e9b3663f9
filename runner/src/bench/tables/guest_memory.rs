//! The guest's linear memory per request.

use anyhow::Result;

use crate::fixtures::{self, NamedSettings, Request, SCALING};
use crate::memory;
use crate::stats::Table;
use crate::timing::Counts;

use super::{accepted, kib, Module};

pub(crate) fn memory_table(
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
