//! Shared helpers for kwrunner's integration tests: where the guest modules
//! are, how to run the binary, and tiny scripted waPC guests written in WAT.

#![allow(dead_code)] // each test crate uses a different subset

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Root of the cargo workspace (the parent of `runner/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("runner/ lives inside the workspace")
        .to_path_buf()
}

/// The cargo target directory: `$CARGO_TARGET_DIR` if set, else `<workspace>/target`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => workspace_root().join(dir),
        None => workspace_root().join("target"),
    }
}

/// Path of a benchmark floor guest (`floor-call`, `floor-scan`) built for
/// wasm32-wasip1 in release mode. Fails, never skips, when it is missing.
pub fn floor_guest(crate_name: &str) -> PathBuf {
    let file = format!("{}.wasm", crate_name.replace('-', "_"));
    let path = target_dir().join("wasm32-wasip1/release").join(file);
    assert!(
        path.is_file(),
        "{} is missing: build the guest modules first with `make` \
         (or `cargo build --release --target wasm32-wasip1 -p floor-call -p floor-scan`)",
        path.display()
    );
    path
}

/// A file under `runner/tests/data/`.
pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// A number no other call in this process gets, for scratch file names.
pub fn unique() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// A scratch directory for files a test writes.
pub fn scratch() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("kwrunner-tests");
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// A directory that belongs to one test: rows of a table run in parallel, so
/// a file two rows wrote under one name could be read half-written or with
/// the other row's contents. Removed when dropped, also when the test panics.
/// (Hand-written: `tempfile` is not among the crates the build already has.)
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// A new empty directory under [`scratch`], named after `label`.
    pub fn new(label: &str) -> Self {
        let path = scratch().join(format!("{label}-{}-{}", std::process::id(), unique()));
        // A directory left by a killed earlier run with the same pid and number.
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("test directory");
        Self { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `name` inside the directory.
    pub fn join(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Writes `contents` to `name` inside the directory; returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.join(name);
        std::fs::write(&path, contents).expect("write test file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// The project's built policy (`policy.wasm` at the workspace root, made by
/// `make policy.wasm`); fails, never skips, when it is missing.
pub fn policy_wasm() -> PathBuf {
    let path = workspace_root().join("policy.wasm");
    assert!(
        path.is_file(),
        "{} is missing: build it first with `make policy.wasm`",
        path.display()
    );
    path
}

/// The project's policy, compiled once per test binary for every row.
pub fn policy() -> &'static kwrunner::Policy {
    static POLICY: std::sync::OnceLock<kwrunner::Policy> = std::sync::OnceLock::new();
    POLICY.get_or_init(|| {
        let bytes = std::fs::read(policy_wasm()).expect("policy.wasm readable");
        kwrunner::Policy::from_bytes(&bytes).expect("policy.wasm loads")
    })
}

/// Exit status and output of one `kwrunner` run.
#[derive(Debug)]
pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout parsed as the one JSON line kwrunner prints.
    pub fn json(&self) -> serde_json::Value {
        assert_eq!(
            self.stdout.lines().count(),
            1,
            "expected exactly one line on stdout: {self:?}"
        );
        serde_json::from_str(&self.stdout).expect("stdout is JSON")
    }
}

/// Runs the kwrunner binary with the given arguments.
pub fn kwrunner<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run(Command::new(env!("CARGO_BIN_EXE_kwrunner")).args(args))
}

/// The same, started in the workspace root, so that paths such as
/// `test_data/pod_creation.json` or `metadata.yml` can be given as a user
/// types them.
pub fn kwrunner_in_workspace<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run(kwrunner_command().args(args))
}

/// A kwrunner command started in the workspace root, for a test that sets
/// more (environment, stdin) before running it with [`run`].
pub fn kwrunner_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kwrunner"));
    command.current_dir(workspace_root());
    command
}

/// Runs `command` to its end; kwrunner always exits (never killed) and
/// writes UTF-8.
pub fn run(command: &mut Command) -> Run {
    let output = command.output().expect("kwrunner runs");
    Run {
        status: output.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(output.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("utf-8 stderr"),
    }
}

/// What a scripted guest does when one of its functions is called.
#[derive(Debug, Clone)]
pub enum Act {
    /// Answer these bytes.
    Answer(String),
    /// Answer the payload it was given.
    Echo,
    /// Report a guest error with this message.
    Fail(String),
    /// Execute `unreachable`.
    Trap,
    /// Loop forever.
    Spin,
    /// Make a host call; on failure report the host's error as a guest
    /// error, on success answer `{"accepted":true}`.
    HostCall {
        binding: String,
        namespace: String,
        operation: String,
        payload: String,
    },
}

/// A waPC guest in WAT whose `validate_settings` and `validate` do what they are told.
#[derive(Debug, Clone)]
pub struct Guest {
    pub settings: Act,
    pub validate: Act,
    /// Trap in `wapc_init`, so the module cannot be initialized.
    pub init_traps: bool,
}

/// Where a guest keeps scratch data: the request it echoes, host errors.
const SCRATCH: u32 = 65536;

impl Guest {
    /// A guest that accepts its settings and answers `validate` with `validate`.
    pub fn validating(validate: Act) -> Self {
        Self {
            settings: Act::Answer(r#"{"valid":true}"#.to_owned()),
            validate,
            init_traps: false,
        }
    }

    /// The module's WAT text.
    pub fn wat(&self) -> String {
        let mut data = Data::default();
        let settings = body(&self.settings, &mut data);
        let version = body(&Act::Answer(r#""v1""#.to_owned()), &mut data);
        let validate = body(&self.validate, &mut data);
        let init = if self.init_traps {
            r#"(func (export "wapc_init") unreachable)"#
        } else {
            ""
        };
        format!(
            r#"(module
  (import "wapc" "__guest_request" (func $guest_request (param i32 i32)))
  (import "wapc" "__guest_response" (func $guest_response (param i32 i32)))
  (import "wapc" "__guest_error" (func $guest_error (param i32 i32)))
  (import "wapc" "__host_call" (func $host_call (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wapc" "__host_error_len" (func $host_error_len (result i32)))
  (import "wapc" "__host_error" (func $host_error (param i32)))
  (memory (export "memory") 2)
{segments}  {init}
  (func (export "__guest_call") (param $op_len i32) (param $msg_len i32) (result i32)
    ;; "validate_settings" is 17 bytes long, "protocol_version" 16, "validate" 8
    (if (i32.eq (local.get $op_len) (i32.const 17)) (then {settings}))
    (if (i32.eq (local.get $op_len) (i32.const 16)) (then {version}))
    {validate}))
"#,
            segments = data.segments
        )
    }

    /// Writes the module to the scratch directory as `<name>-<hash of its text>.wat`,
    /// so tests running in parallel never read each other's guests.
    pub fn write(&self, name: &str) -> PathBuf {
        let wat = self.wat();
        let mut hasher = DefaultHasher::new();
        wat.hash(&mut hasher);
        let path = scratch().join(format!("{name}-{:016x}.wat", hasher.finish()));
        // Write aside and rename, so a reader never sees a half-written file;
        // the aside name is unique per write, as threads may write the same guest.
        let partial = path.with_extension(format!("{}-{}.partial", std::process::id(), unique()));
        std::fs::write(&partial, wat).expect("write guest");
        std::fs::rename(&partial, &path).expect("move guest in place");
        path
    }
}

/// Data segments laid out one after another from offset 1024.
struct Data {
    segments: String,
    next: u32,
}

impl Default for Data {
    fn default() -> Self {
        Self {
            segments: String::new(),
            next: 1024,
        }
    }
}

impl Data {
    /// Places `bytes` in memory and returns `(offset, length)`.
    fn place(&mut self, bytes: &[u8]) -> (u32, u32) {
        let at = self.next;
        let len = u32::try_from(bytes.len()).expect("small data");
        let mut escaped = String::new();
        for byte in bytes {
            write!(escaped, "\\{byte:02x}").expect("write to string");
        }
        writeln!(self.segments, "  (data (i32.const {at}) \"{escaped}\")").expect("write");
        self.next = (at + len + 8) & !7;
        assert!(self.next < SCRATCH, "guest data overflows into scratch");
        (at, len)
    }
}

/// The WAT instructions for one act; each ends by returning or trapping.
fn body(act: &Act, data: &mut Data) -> String {
    match act {
        Act::Answer(text) => {
            let (at, len) = data.place(text.as_bytes());
            format!("(call $guest_response (i32.const {at}) (i32.const {len})) (return (i32.const 1))")
        }
        Act::Echo => format!(
            "(call $guest_request (i32.const 0) (i32.const {SCRATCH})) \
             (call $guest_response (i32.const {SCRATCH}) (local.get $msg_len)) (return (i32.const 1))"
        ),
        Act::Fail(text) => {
            let (at, len) = data.place(text.as_bytes());
            format!("(call $guest_error (i32.const {at}) (i32.const {len})) (return (i32.const 0))")
        }
        Act::Trap => "unreachable".to_owned(),
        Act::Spin => "(loop $spin (br $spin)) unreachable".to_owned(),
        Act::HostCall {
            binding,
            namespace,
            operation,
            payload,
        } => {
            let (b, bl) = data.place(binding.as_bytes());
            let (n, nl) = data.place(namespace.as_bytes());
            let (o, ol) = data.place(operation.as_bytes());
            let (p, pl) = data.place(payload.as_bytes());
            let (a, al) = data.place(br#"{"accepted":true}"#);
            format!(
                "(if (i32.eqz (call $host_call (i32.const {b}) (i32.const {bl}) (i32.const {n}) (i32.const {nl}) \
                 (i32.const {o}) (i32.const {ol}) (i32.const {p}) (i32.const {pl}))) \
                 (then (call $host_error (i32.const {SCRATCH})) \
                 (call $guest_error (i32.const {SCRATCH}) (call $host_error_len)) (return (i32.const 0)))) \
                 (call $guest_response (i32.const {a}) (i32.const {al})) (return (i32.const 1))"
            )
        }
    }
}
