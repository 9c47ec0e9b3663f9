//! wasmtime's compilation cache in `run` and `scan`: on by default, as in
//! kwctl, off with `--disable-wasmtime-cache`. A module loaded from the
//! cache answers exactly as a freshly compiled one.
//!
//! Each case gets its own cache (wasmtime keeps it under
//! `$XDG_CACHE_HOME/wasmtime`, and reads `$XDG_CONFIG_HOME/wasmtime/config.toml`),
//! so the user's own cache and configuration play no part.

mod common;

use std::ffi::OsStr;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use common::TempDir;
use rstest::rstest;

/// A scratch home for wasmtime's cache and configuration, removed with it.
struct CacheHome {
    dir: TempDir,
}

impl CacheHome {
    fn new(name: &str) -> Self {
        Self {
            dir: TempDir::new(&format!("cache-{name}")),
        }
    }

    /// Runs kwrunner in the workspace with `XDG_CACHE_HOME` set to `cache`.
    fn kwrunner_with_cache<S: AsRef<OsStr>>(&self, cache: &Path, args: &[S]) -> common::Run {
        common::run(
            common::kwrunner_command()
                .args(args)
                .env("XDG_CACHE_HOME", cache)
                .env("XDG_CONFIG_HOME", self.dir.join("config")),
        )
    }

    /// Runs kwrunner in the workspace with this cache.
    fn kwrunner<S: AsRef<OsStr>>(&self, args: &[S]) -> common::Run {
        self.kwrunner_with_cache(&self.dir.join("cache"), args)
    }

    /// The compiled modules stored, with their inode numbers: an entry that
    /// was compiled again is written anew, under a new inode.
    fn stored_modules(&self) -> Vec<(PathBuf, u64)> {
        let modules = self.dir.join("cache/wasmtime/modules");
        let Ok(versions) = std::fs::read_dir(&modules) else {
            return Vec::new();
        };
        let mut stored = Vec::new();
        for version in versions {
            let version = version.expect("cache entry").path();
            for entry in std::fs::read_dir(&version).expect("cache version dir") {
                let path = entry.expect("cache entry").path();
                // Usage statistics (.stats) and unfinished writes (.wip-*) are no modules.
                if path.extension().is_none() {
                    let inode = std::fs::metadata(&path).expect("cache entry").ino();
                    stored.push((path, inode));
                }
            }
        }
        stored.sort();
        stored
    }
}

/// The project's policy, built by `make` (or `make policy.wasm`).
fn policy() -> String {
    common::policy_wasm()
        .to_str()
        .expect("utf-8 path")
        .to_owned()
}

#[rstest]
#[case::run_accepts(
    &["run", "--request-path", "test_data/pod_creation.json", "--settings-path", "examples/settings.yaml"],
    0,
    r#""allowed":true"#
)]
#[case::run_rejects(
    &["run", "--request-path", "test_data/pod_creation_untrusted.json", "--settings-path", "examples/settings.yaml"],
    0,
    r#""allowed":false"#
)]
#[case::run_invalid_settings(
    &["run", "--request-path", "test_data/pod_creation.json", "--settings-json", r#"{"registries": {"allow": []}}"#],
    1,
    "Error: Provided settings are not valid: "
)]
#[case::scan_refuses(
    &["scan", "--settings-path", "examples/settings.yaml", "-f", "test_data/scan/app.yaml"],
    1,
    "scanned 3 objects: 2 admitted, 1 refused, 0 mutated\n"
)]
fn cached_module_answers_as_a_fresh_compilation(
    #[case] args: &[&str],
    #[case] status: i32,
    #[case] output_has: &str,
) {
    let home = CacheHome::new(args[0]);
    let policy = policy();
    let with = |extra: &[&'static str]| -> Vec<String> {
        [args, extra]
            .concat()
            .into_iter()
            .map(str::to_owned)
            .chain([policy.clone()])
            .collect()
    };

    let fresh = home.kwrunner(&with(&["--disable-wasmtime-cache"]));
    assert_eq!(fresh.status, status, "{fresh:?}");
    assert!(
        format!("{}{}", fresh.stdout, fresh.stderr).contains(output_has),
        "{fresh:?}"
    );
    assert_eq!(
        home.stored_modules(),
        vec![],
        "--disable-wasmtime-cache stores nothing"
    );

    let compiled = home.kwrunner(&with(&[]));
    let stored = home.stored_modules();
    assert_eq!(
        stored.len(),
        1,
        "the first run stores the module: {stored:?}"
    );

    let cached = home.kwrunner(&with(&[]));
    assert_eq!(
        home.stored_modules(),
        stored,
        "the second run loads the stored module, it does not compile it again"
    );

    for run in [&compiled, &cached] {
        assert_eq!(
            (run.status, &run.stdout, &run.stderr),
            (fresh.status, &fresh.stdout, &fresh.stderr)
        );
    }
}

/// Where the cache cannot be (here its directory would be under a file),
/// `run` fails, as kwctl does, and `--disable-wasmtime-cache` is the way out.
#[rstest]
#[case::cache_on(&[], 2, "", "Error: Cannot load policy module ")]
#[case::cache_off(&["--disable-wasmtime-cache"], 0, r#""allowed":true"#, "")]
fn unusable_cache_location(
    #[case] extra: &[&str],
    #[case] status: i32,
    #[case] stdout_has: &str,
    #[case] stderr_starts: &str,
) {
    let home = CacheHome::new("unusable");
    let not_a_dir = home.dir.join("file");
    std::fs::write(&not_a_dir, "").expect("scratch file");
    let policy = policy();
    let args = [
        &[
            "run",
            "--request-path",
            "test_data/pod_creation.json",
            "--settings-path",
            "examples/settings.yaml",
        ][..],
        extra,
        &[policy.as_str()],
    ]
    .concat();

    let run = home.kwrunner_with_cache(&not_a_dir, &args);
    assert_eq!(run.status, status, "{run:?}");
    assert!(run.stdout.contains(stdout_has), "{run:?}");
    assert!(run.stderr.starts_with(stderr_starts), "{run:?}");
    if status == 2 {
        assert!(
            run.stderr.contains("cannot set up the wasmtime cache"),
            "{run:?}"
        );
    }
}
