//! `kwrunner scan` on a generated file, and reading hostile YAML shapes.

use anyhow::{anyhow, Context, Result};
use kwrunner::Policy;

use crate::fixtures::NamedSettings;
use crate::scan_input;
use crate::stats::{self, fmt_bytes, fmt_us, Table};

use super::Module;

/// Reading scan inputs of every shape that once cost more than its size
/// (`manifests::documents` and `objects`, what `kwrunner scan` does before
/// the policy): time per MiB must stay flat as size and depth grow.
pub(crate) fn scan_input_table(max_mib: usize) -> Result<()> {
    use kwrunner::scan::manifests;
    use std::time::{Duration, Instant};

    const MIB: usize = 1 << 20;
    let largest = max_mib.max(1) * MIB;
    println!("## scan input: reading YAML of hostile shapes (manifests::documents and objects, no policy; best of 3)");
    println!();
    let mut table = Table::new(
        &[
            "shape",
            "MiB",
            "documents",
            "objects",
            "errors",
            "ms",
            "ms/MiB",
        ],
        1,
    );
    for bytes in [largest / 16, largest / 4, largest] {
        for (name, text) in scan_input::shapes(bytes) {
            let mut best = Duration::MAX;
            let (mut documents, mut objects, mut errors) = (0, 0, 0);
            for _ in 0..3 {
                let clock = Instant::now();
                let docs = manifests::documents(&text);
                documents = docs.len();
                errors = 0;
                objects = 0;
                for doc in docs {
                    match doc.value {
                        Ok(value) => objects += manifests::objects(value).len(),
                        Err(_) => errors += 1,
                    }
                }
                best = best.min(clock.elapsed());
            }
            let mib = text.len() as f64 / MIB as f64;
            let ms = best.as_secs_f64() * 1000.0;
            table.row(vec![
                name,
                format!("{mib:.2}"),
                fmt_bytes(documents),
                fmt_bytes(objects),
                fmt_bytes(errors),
                format!("{ms:.1}"),
                format!("{:.1}", ms / mib),
            ]);
        }
    }
    println!("{}", table.render());
    println!("nesting deeper than {} levels is refused before the YAML reader (one error per document); \
              broken documents: one syntax error each", manifests::MAX_DEPTH);
    println!();
    Ok(())
}

/// `kwrunner scan` on one generated file of mixed objects, through the
/// library call the command makes (`Scanner::scan`: parsing, requests,
/// one reused instance), after `Scanner::new` (instance, validate_settings).
pub(crate) fn scan_table(policy: &Module, settings: &NamedSettings, objects: usize) -> Result<()> {
    use kwrunner::scan::manifests::{self, Source};
    use kwrunner::scan::{Scanner, SetupError};
    use std::time::Instant;

    let text = scan_input::manifests(objects);
    let bytes = text.len();
    let compiled = Policy::from_bytes(&policy.bytes)
        .with_context(|| format!("cannot load {}", policy.path.display()))?;
    let parse_start = Instant::now();
    let parsed: usize = manifests::documents(&text)
        .into_iter()
        .filter_map(|d| d.value.ok())
        .map(|v| manifests::objects(v).len())
        .sum();
    let parse = parse_start.elapsed();
    let sources = [Source::named("generated.yaml", Ok(text))];
    let mut scanner = match Scanner::new(&compiled, settings.settings.clone(), "default") {
        Ok(scanner) => scanner,
        Err(SetupError::InvalidSettings(m)) => return Err(anyhow!("settings refused: {m}")),
        Err(SetupError::Other(e)) => return Err(e),
    };
    let start = Instant::now();
    let report = scanner.scan(&sources);
    let elapsed = start.elapsed();
    let summary = report.summary();
    if summary.scanned != objects || parsed != objects || summary.errors > 0 {
        return Err(anyhow!(
            "scan case: {} of {objects} objects scanned, {parsed} parsed, {} input errors",
            summary.scanned,
            summary.errors
        ));
    }
    println!("## scan: `kwrunner scan` on one generated multi-document YAML file (Scanner::scan, the command's code path; warm, one instance)");
    println!();
    let mut table = Table::new(
        &[
            "objects",
            "YAML bytes",
            "admitted",
            "refused",
            "parse only ms",
            "scan ms",
            "µs/object",
            "objects/s",
        ],
        0,
    );
    let secs = elapsed.as_secs_f64();
    table.row(vec![
        fmt_bytes(objects),
        fmt_bytes(bytes),
        fmt_bytes(summary.admitted),
        fmt_bytes(summary.refused),
        format!("{:.1}", parse.as_secs_f64() * 1000.0),
        format!("{:.1}", secs * 1000.0),
        fmt_us(stats::us(elapsed) / objects as f64),
        fmt_bytes((objects as f64 / secs) as usize),
    ]);
    println!("{}", table.render());
    println!(
        "settings: {} registries.allow entries; kinds: Deployment, Service, ConfigMap, Pod, Secret, StatefulSet, Job, CronJob",
        settings.entries
    );
    println!();
    Ok(())
}
