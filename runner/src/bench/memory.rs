//! The guest's linear memory, which the runner's API does not expose.
//!
//! This is a second, minimal waPC host written directly on wasmtime (the
//! same engine and WASI preview 1 linker that wasmtime-provider uses): it
//! runs the same payloads, reads the size of the guest's exported `memory`
//! after each call, and records the largest size the guest ever asked
//! `memory.grow` for through a `ResourceLimiter`. It is used for these
//! numbers and for `kwbench --perf-map` (guest profiling with `perf`), never
//! for the timings.

use anyhow::{anyhow, bail, Result};
use wapc::wapc_functions as wf;
use wasmtime_provider::wasmtime::{
    Caller, Config, Engine, Extern, Instance, Linker, Memory, Module, ProfilingStrategy,
    ResourceLimiter, Store, TypedFunc,
};
use wasmtime_provider::wasmtime_wasi::p1::{self, WasiP1Ctx};
use wasmtime_provider::wasmtime_wasi::WasiCtxBuilder;

/// Size of a WebAssembly page.
pub const PAGE: usize = 65_536;

/// A module compiled for the memory probe.
pub struct Probe {
    engine: Engine,
    linker: Linker<State>,
    module: Module,
}

/// The store's data: WASI, the waPC exchange, and the memory high-water mark.
struct State {
    wasi: WasiP1Ctx,
    operation: Vec<u8>,
    request: Vec<u8>,
    response: Vec<u8>,
    error: Option<String>,
    host_response: Vec<u8>,
    host_error: Vec<u8>,
    peak_bytes: usize,
}

impl ResourceLimiter for State {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime_provider::wasmtime::Result<bool> {
        self.peak_bytes = self.peak_bytes.max(current).max(desired);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        _desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime_provider::wasmtime::Result<bool> {
        Ok(true)
    }
}

/// One instantiated guest.
pub struct Guest {
    store: Store<State>,
    memory: Memory,
    guest_call: TypedFunc<(i32, i32), i32>,
}

fn memory_of(caller: &mut Caller<'_, State>) -> wasmtime_provider::wasmtime::Result<Memory> {
    match caller.get_export("memory") {
        Some(Extern::Memory(m)) => Ok(m),
        _ => wasmtime_provider::wasmtime::bail!("guest exports no memory"),
    }
}

fn read(
    caller: &mut Caller<'_, State>,
    ptr: i32,
    len: i32,
) -> wasmtime_provider::wasmtime::Result<Vec<u8>> {
    let memory = memory_of(caller)?;
    let start = ptr as u32 as usize;
    let end = start + len as u32 as usize;
    memory
        .data(&caller)
        .get(start..end)
        .map(<[u8]>::to_vec)
        .ok_or_else(|| wasmtime_provider::wasmtime::format_err!("guest pointer out of bounds"))
}

fn write(
    caller: &mut Caller<'_, State>,
    ptr: i32,
    bytes: &[u8],
) -> wasmtime_provider::wasmtime::Result<()> {
    let memory = memory_of(caller)?;
    memory.write(caller, ptr as u32 as usize, bytes)?;
    Ok(())
}

impl Probe {
    /// Compiles a module and links WASI preview 1 and the waPC host functions.
    /// With `perf_map`, wasmtime writes /tmp/perf-<pid>.map so that `perf`
    /// can name the guest's functions (if the module kept its name section).
    pub fn new(module: &[u8], perf_map: bool) -> Result<Self> {
        let mut config = Config::default();
        // As in policy-server and the runner: the checks epoch deadlines add at
        // loop heads and calls are part of what a guest costs.
        config.epoch_interruption(true);
        if perf_map {
            config.profiler(ProfilingStrategy::PerfMap);
        }
        let engine = Engine::new(&config).map_err(|e| anyhow!("engine: {e}"))?;
        let module = Module::new(&engine, module).map_err(|e| anyhow!("compile: {e}"))?;
        let mut linker: Linker<State> = Linker::new(&engine);
        p1::add_to_linker_sync(&mut linker, |s: &mut State| &mut s.wasi)
            .map_err(|e| anyhow!("wasi: {e}"))?;
        link_wapc(&mut linker).map_err(|e| anyhow!("waPC imports: {e}"))?;
        Ok(Self {
            engine,
            linker,
            module,
        })
    }

    /// A fresh instance, `_start`/`wapc_init` run.
    pub fn instance(&self) -> Result<Guest> {
        let state = State {
            wasi: WasiCtxBuilder::new().inherit_stdio().build_p1(),
            operation: Vec::new(),
            request: Vec::new(),
            response: Vec::new(),
            error: None,
            host_response: Vec::new(),
            host_error: Vec::new(),
            peak_bytes: 0,
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| s as &mut dyn ResourceLimiter);
        // Never reached: nothing advances this engine's epoch.
        store.set_epoch_deadline(u64::MAX);
        let instance: Instance = self
            .linker
            .instantiate(&mut store, &self.module)
            .map_err(|e| anyhow!("instantiate: {e}"))?;
        for start in wf::REQUIRED_STARTS {
            if let Ok(f) = instance.get_typed_func::<(), ()>(&mut store, start) {
                f.call(&mut store, ())
                    .map_err(|e| anyhow!("{start}: {e}"))?;
            }
        }
        let memory = instance
            .get_memory(&mut store, "memory")
            .ok_or_else(|| anyhow!("guest exports no memory"))?;
        let guest_call = instance
            .get_typed_func::<(i32, i32), i32>(&mut store, wf::GUEST_CALL)
            .map_err(|e| anyhow!("{}: {e}", wf::GUEST_CALL))?;
        Ok(Guest {
            store,
            memory,
            guest_call,
        })
    }
}

impl Guest {
    /// Calls a guest function and returns its answer.
    pub fn call(&mut self, operation: &str, payload: &[u8]) -> Result<Vec<u8>> {
        let state = self.store.data_mut();
        state.operation = operation.as_bytes().to_vec();
        state.request = payload.to_vec();
        state.response.clear();
        state.error = None;
        let op_len = i32::try_from(operation.len())?;
        let msg_len = i32::try_from(payload.len())?;
        let ok = self
            .guest_call
            .call(&mut self.store, (op_len, msg_len))
            .map_err(|e| anyhow!("{operation}: {e}"))?;
        let state = self.store.data_mut();
        if ok == 1 {
            Ok(std::mem::take(&mut state.response))
        } else {
            bail!(
                "{operation} failed in the guest: {}",
                state.error.take().unwrap_or_default()
            )
        }
    }

    /// Current size of the linear memory, in bytes.
    pub fn memory_bytes(&self) -> usize {
        self.memory.data_size(&self.store)
    }

    /// Largest size the linear memory was grown to, in bytes.
    pub fn peak_bytes(&self) -> usize {
        self.store.data().peak_bytes.max(self.memory_bytes())
    }
}

/// The waPC host functions, as wasmtime-provider defines them; host calls
/// answer an empty success for logging and an error for everything else,
/// like the runner.
fn link_wapc(linker: &mut Linker<State>) -> wasmtime_provider::wasmtime::Result<()> {
    let ns = wapc::HOST_NAMESPACE;
    linker.func_wrap(
        ns,
        wf::GUEST_REQUEST_FN,
        |mut caller: Caller<'_, State>, op_ptr: i32, ptr: i32| {
            let request = std::mem::take(&mut caller.data_mut().request);
            let operation = std::mem::take(&mut caller.data_mut().operation);
            write(&mut caller, ptr, &request)?;
            write(&mut caller, op_ptr, &operation)?;
            Ok(())
        },
    )?;
    linker.func_wrap(
        ns,
        wf::GUEST_RESPONSE_FN,
        |mut caller: Caller<'_, State>, ptr: i32, len: i32| {
            let bytes = read(&mut caller, ptr, len)?;
            caller.data_mut().response = bytes;
            Ok(())
        },
    )?;
    linker.func_wrap(
        ns,
        wf::GUEST_ERROR_FN,
        |mut caller: Caller<'_, State>, ptr: i32, len: i32| {
            let bytes = read(&mut caller, ptr, len)?;
            caller.data_mut().error = Some(String::from_utf8_lossy(&bytes).into_owned());
            Ok(())
        },
    )?;
    linker.func_wrap(
        ns,
        wf::HOST_CALL,
        |mut caller: Caller<'_, State>,
         bd_ptr: i32,
         bd_len: i32,
         ns_ptr: i32,
         ns_len: i32,
         op_ptr: i32,
         op_len: i32,
         _ptr: i32,
         _len: i32| {
            let binding = read(&mut caller, bd_ptr, bd_len)?;
            let namespace = read(&mut caller, ns_ptr, ns_len)?;
            let operation = read(&mut caller, op_ptr, op_len)?;
            let state = caller.data_mut();
            state.host_response.clear();
            state.host_error.clear();
            if (&binding[..], &namespace[..], &operation[..])
                == (&b"kubewarden"[..], &b"tracing"[..], &b"log"[..])
            {
                Ok(1)
            } else {
                state.host_error = b"host capability not available".to_vec();
                Ok(0)
            }
        },
    )?;
    linker.func_wrap(ns, wf::HOST_RESPONSE_LEN_FN, |caller: Caller<'_, State>| {
        caller.data().host_response.len() as i32
    })?;
    linker.func_wrap(
        ns,
        wf::HOST_RESPONSE_FN,
        |mut caller: Caller<'_, State>, ptr: i32| {
            let bytes = caller.data().host_response.clone();
            write(&mut caller, ptr, &bytes)
        },
    )?;
    linker.func_wrap(ns, wf::HOST_ERROR_LEN_FN, |caller: Caller<'_, State>| {
        caller.data().host_error.len() as i32
    })?;
    linker.func_wrap(
        ns,
        wf::HOST_ERROR_FN,
        |mut caller: Caller<'_, State>, ptr: i32| {
            let bytes = caller.data().host_error.clone();
            write(&mut caller, ptr, &bytes)
        },
    )?;
    linker.func_wrap(
        ns,
        wf::HOST_CONSOLE_LOG,
        |_caller: Caller<'_, State>, _ptr: i32, _len: i32| {},
    )?;
    Ok(())
}
