//! Loading a policy module once and running it in waPC instances.
//!
//! [`Policy`] compiles the module into a `WasmtimeEngineProviderPre` (WASI
//! enabled, so wasm32-wasip1 modules link). [`Policy::instance`] rehydrates
//! a fresh `WapcHost` from it: one per evaluation is "cold", like
//! Kubewarden's policy-server per request; keeping one [`Instance`] for many
//! evaluations is "warm". A ticker thread advances the engine's epoch so
//! that a guest running past its deadline is interrupted instead of hanging.

use std::sync::Arc;
use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use serde_json::Value;
use wapc::WapcHost;
use wasmtime_provider::wasmtime::{Cache, Config, Engine, EngineWeak, Module};
use wasmtime_provider::{EpochDeadlines, WasmtimeEngineProviderBuilder, WasmtimeEngineProviderPre};

use crate::engine::host::{self, Deadline, Host};
use crate::kube::request::{AdmissionRequest, ValidateRequest};
use crate::kube::response::{AdmissionResponse, SettingsVerdict};
use crate::kube::settings::Settings;

/// How often the epoch ticker advances the engine's epoch.
const TICK: Duration = Duration::from_millis(10);

/// Default limit for one guest call (and for `wapc_init`), as policy-server's default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// What wasmtime-provider reports when a guest is stopped at its deadline.
const INTERRUPTED: &str = "guest code interrupted, execution deadline exceeded";

/// How a policy is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Longest a single guest call may run; `None` lets it run forever.
    pub timeout: Option<Duration>,
    /// Print the policy's log events on stderr.
    pub verbose: bool,
    /// Keep compiled modules in wasmtime's cache and reuse them, as kwctl
    /// does unless `--disable-wasmtime-cache` is given.
    pub wasmtime_cache: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            timeout: Some(DEFAULT_TIMEOUT),
            verbose: false,
            wasmtime_cache: false,
        }
    }
}

/// A compiled policy module, ready to be instantiated any number of times.
#[derive(Clone)]
pub struct Policy {
    shared: Arc<Shared>,
}

struct Shared {
    pre: WasmtimeEngineProviderPre,
    deadlines: Option<EpochDeadlines>,
    host: Arc<Host>,
    /// How long the host calls of one guest call may take in all: a share
    /// of the timeout, so that the guest still has time to answer after a
    /// registry that never answers (`onPinFailure: admit` must hold).
    host_budget: Option<Duration>,
}

/// The share of a guest call's timeout its host calls may use.
fn host_budget(timeout: Duration) -> Duration {
    timeout.mul_f64(0.75)
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policy")
            .field("deadlines", &self.shared.deadlines)
            .field("host", &self.shared.host)
            .finish_non_exhaustive()
    }
}

impl Policy {
    /// Compiles a module (wasm binary, or WAT text) with the default [`Options`].
    pub fn from_bytes(module: &[u8]) -> Result<Self> {
        Self::with_options(module, Options::default())
    }

    /// Compiles a module with the given [`Options`]; the host grants every
    /// capability and reaches registries with the default [`crate::oci::Access`].
    pub fn with_options(module: &[u8], options: Options) -> Result<Self> {
        Self::with_host(module, options, Arc::new(Host::new(options.verbose)))
    }

    /// Compiles a module whose instances call `host` for host capabilities
    /// (`options.verbose` is then the host's business).
    pub fn with_host(module: &[u8], options: Options, host: Arc<Host>) -> Result<Self> {
        let mut config = Config::default();
        config.epoch_interruption(options.timeout.is_some());
        if options.wasmtime_cache {
            config.cache(Some(wasmtime_cache()?));
        }
        let engine =
            Engine::new(&config).map_err(|e| anyhow!("cannot create wasmtime engine: {e}"))?;
        let compiled =
            Module::new(&engine, module).map_err(|e| anyhow!("cannot compile module: {e:#}"))?;
        let pre = WasmtimeEngineProviderBuilder::new()
            .engine(engine.clone())
            .module(compiled)
            .build_pre()
            .context("cannot prepare module for instantiation")?;
        let deadlines = options.timeout.map(|timeout| {
            let ticks = ticks_for(timeout);
            EpochDeadlines {
                wapc_init: ticks,
                wapc_func: ticks,
            }
        });
        if deadlines.is_some() {
            start_ticker(engine.weak());
        }
        Ok(Self {
            shared: Arc::new(Shared {
                pre,
                deadlines,
                host,
                host_budget: options.timeout.map(host_budget),
            }),
        })
    }

    /// Rehydrates a fresh instance: new store, new memory, `wapc_init` run.
    pub fn instance(&self) -> Result<Instance> {
        let deadline = Arc::new(Mutex::new(None));
        Ok(Instance {
            host: self.shared.new_host(&deadline)?,
            shared: Arc::clone(&self.shared),
            deadline,
        })
    }
}

impl Shared {
    fn new_host(&self, deadline: &Deadline) -> Result<WapcHost> {
        let provider = self
            .pre
            .rehydrate(self.deadlines)
            .context("cannot instantiate module")?;
        WapcHost::new(
            Box::new(provider),
            Some(Box::new(host::callback(
                Arc::clone(&self.host),
                Arc::clone(deadline),
            ))),
        )
        .map_err(|e| anyhow!("cannot initialize waPC guest: {e}"))
    }
}

/// wasmtime's cache set up as kwctl sets it up: the settings of the user's
/// wasmtime config file when there is one (`~/.config/wasmtime/config.toml`),
/// else wasmtime's defaults, which keep compiled modules under
/// `$XDG_CACHE_HOME/wasmtime` (`~/.cache/wasmtime`). Entries are keyed by the
/// module's bytes, the engine settings and wasmtime's version, and written
/// atomically, so processes running at the same time can share it.
fn wasmtime_cache() -> Result<Cache> {
    Cache::from_file(None).map_err(|e| anyhow!("cannot set up the wasmtime cache: {e:#}"))
}

/// Number of ticks covering `timeout`, at least one.
fn ticks_for(timeout: Duration) -> u64 {
    let ticks = timeout.as_nanos().div_ceil(TICK.as_nanos()).max(1);
    u64::try_from(ticks).unwrap_or(u64::MAX)
}

/// Advances the engine's epoch every [`TICK`] until the engine is dropped.
fn start_ticker(engine: EngineWeak) {
    // If the thread cannot be spawned, deadlines simply never fire.
    let _ = thread::Builder::new()
        .name("kwrunner-epoch".to_owned())
        .spawn(move || loop {
            thread::sleep(TICK);
            match engine.upgrade() {
                Some(engine) => engine.increment_epoch(),
                None => break,
            }
        });
}

/// One instantiated guest. Reusing it across evaluations is "warm" mode.
pub struct Instance {
    host: WapcHost,
    shared: Arc<Shared>,
    /// When the current guest call's host calls must be done by.
    deadline: Deadline,
}

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Instance")
            .field("id", &self.host.id())
            .finish_non_exhaustive()
    }
}

impl Instance {
    /// Calls a guest function. After a deadline interruption the guest's
    /// state is unusable, so the instance is replaced by a fresh one.
    pub fn call(
        &mut self,
        operation: &str,
        payload: &[u8],
    ) -> Result<Vec<u8>, wapc::errors::Error> {
        *self.deadline.lock().unwrap_or_else(PoisonError::into_inner) = self
            .shared
            .host_budget
            .map(|budget| Instant::now() + budget);
        let result = self.host.call(operation, payload);
        if let Err(e) = &result {
            if e.to_string().contains(INTERRUPTED) {
                match self.shared.new_host(&self.deadline) {
                    Ok(host) => self.host = host,
                    Err(reset) => eprintln!("cannot reset the interrupted guest: {reset:#}"),
                }
            }
        }
        result
    }

    /// Runs the guest's `validate_settings`; guest failures come back as
    /// `valid: false` with kwctl's message.
    pub fn validate_settings(&mut self, settings: &Settings) -> Result<SettingsVerdict> {
        let payload = serde_json::to_vec(settings)?;
        Ok(match self.call("validate_settings", &payload) {
            Ok(answer) => serde_json::from_slice(&answer).unwrap_or_else(|e| SettingsVerdict {
                valid: false,
                message: Some(format!("error: cannot convert response: {e:?}")),
            }),
            Err(e) => SettingsVerdict {
                valid: false,
                message: Some(format!(
                    "Error invoking settings validation callback: {e:?}"
                )),
            },
        })
    }

    /// Evaluates an AdmissionReview or AdmissionRequest with the given settings.
    ///
    /// Errors only when the request is not one kwctl would accept; anything
    /// that goes wrong in the guest becomes a code-500 response, as in kwctl.
    pub fn validate(&mut self, request: &Value, settings: &Settings) -> Result<AdmissionResponse> {
        let request = AdmissionRequest::from_value(request)?;
        let prepared = ValidateRequest::new(&request, settings)?;
        Ok(self.validate_request(&prepared))
    }

    /// Evaluates a prepared request; never fails, like kwctl's evaluator.
    pub fn validate_request(&mut self, request: &ValidateRequest) -> AdmissionResponse {
        match self.call("validate", request.payload()) {
            Ok(answer) => {
                AdmissionResponse::from_guest_answer(request.uid(), request.object(), &answer)
            }
            Err(e) => AdmissionResponse::internal_server_error(request.uid(), e),
        }
    }

    /// Asks the guest which Kubewarden protocol it speaks (`"v1"` for SDK policies).
    pub fn protocol_version(&mut self) -> Result<String> {
        let answer = self
            .call("protocol_version", &[])
            .map_err(|e| anyhow!("Cannot invoke 'protocol_version' waPC function: {e:?}"))?;
        serde_json::from_slice(&answer).map_err(|e| {
            anyhow!(
                "Cannot create ProtocolVersion object from '{}': {e}",
                String::from_utf8_lossy(&answer)
            )
        })
    }
}
