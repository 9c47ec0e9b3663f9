//! Timing guests through the runner's waPC host, cold and warm.
//!
//! The guests of one case are timed in turn, in short blocks of calls, with
//! the order rotated every round, so that anything slowing the machine for a
//! while (another build, frequency changes) falls on every guest alike.

use std::fmt;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Result};
use kwrunner::{Instance, Policy, SettingsVerdict, ValidateRequest};

use crate::stats::Summary;

/// How an evaluation is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A fresh instance per call, timed together with the call: rehydration
    /// from the precompiled module, `wapc_init`, the call, and dropping the
    /// instance (what policy-server does for every admission request).
    Cold,
    /// One instance reused for every call (what `kwctl bench` shows).
    Warm,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Cold => "cold",
            Mode::Warm => "warm",
        })
    }
}

/// A compiled module and its name in the tables.
pub struct Guest {
    /// `policy`, `floor-call`, `floor-scan`, or an opt-level variant.
    pub name: String,
    /// The module, compiled once.
    pub policy: Policy,
}

/// How many calls to time.
#[derive(Debug, Clone, Copy)]
pub struct Counts {
    /// Timed warm calls per guest and case.
    pub warm: usize,
    /// Timed cold calls per guest and case.
    pub cold: usize,
}

impl Counts {
    /// `calls` warm, a fifth of that cold (at least 5).
    pub fn from_calls(calls: usize) -> Self {
        Self {
            warm: calls.max(1),
            cold: (calls / 5).max(5),
        }
    }

    fn timed(&self, mode: Mode) -> usize {
        match mode {
            Mode::Cold => self.cold,
            Mode::Warm => self.warm,
        }
    }

    /// Timed calls in a row per guest before the next guest's turn.
    pub fn block(&self, mode: Mode) -> usize {
        match mode {
            Mode::Cold => 5,
            Mode::Warm => 20,
        }
    }

    /// Untimed calls first: a tenth of the timed ones, at least 10 warm, 3 cold.
    pub fn warmup(&self, mode: Mode) -> usize {
        match mode {
            Mode::Cold => (self.cold / 10).max(3),
            Mode::Warm => (self.warm / 10).max(10),
        }
    }
}

/// Runs `op(g)` for every guest `g` and returns one summary per guest.
///
/// Guests take turns in blocks of `block` timed calls, the order rotating
/// from block to block; each block starts with one untimed call, so that a
/// warm guest is timed with its code and data back in the caches after the
/// other guests ran.
fn interleave(
    guests: usize,
    warmup: usize,
    timed: usize,
    block: usize,
    mut op: impl FnMut(usize) -> Result<()>,
) -> Result<Vec<Summary>> {
    for g in 0..guests {
        for _ in 0..warmup {
            op(g)?;
        }
    }
    let mut samples: Vec<Vec<Duration>> = vec![Vec::with_capacity(timed); guests];
    let mut round = 0;
    while samples[0].len() < timed {
        for k in 0..guests {
            let g = (round + k) % guests;
            op(g)?;
            let n = block.min(timed - samples[g].len());
            for _ in 0..n {
                let start = Instant::now();
                op(g)?;
                samples[g].push(start.elapsed());
            }
        }
        round += 1;
    }
    Ok(samples.into_iter().map(Summary::of).collect())
}

/// Fails unless the guest admitted the request: a benchmark of a rejection
/// or of an error answer would measure something else.
fn expect_allowed(guest: &Guest, response: &kwrunner::AdmissionResponse) -> Result<()> {
    if response.allowed {
        Ok(())
    } else {
        bail!(
            "{} did not admit the benchmark request: {:?}",
            guest.name,
            response.status
        )
    }
}

/// Times `validate` with one prepared request on every guest.
pub fn validate(
    guests: &[Guest],
    request: &ValidateRequest,
    mode: Mode,
    counts: Counts,
) -> Result<Vec<Summary>> {
    match mode {
        Mode::Cold => interleave(
            guests.len(),
            counts.warmup(mode),
            counts.timed(mode),
            counts.block(mode),
            |g| {
                let mut instance = guests[g].policy.instance()?;
                let response = instance.validate_request(request);
                drop(instance);
                expect_allowed(&guests[g], &response)
            },
        ),
        Mode::Warm => {
            let mut instances = instances(guests)?;
            interleave(
                guests.len(),
                counts.warmup(mode),
                counts.timed(mode),
                counts.block(mode),
                |g| {
                    let response = instances[g].validate_request(request);
                    expect_allowed(&guests[g], &response)
                },
            )
        }
    }
}

/// Times `validate_settings` with a payload serialized once.
pub fn validate_settings(
    guests: &[Guest],
    payload: &[u8],
    mode: Mode,
    counts: Counts,
) -> Result<Vec<Summary>> {
    let check = |guest: &Guest, instance: &mut Instance| -> Result<()> {
        let answer = instance
            .call("validate_settings", payload)
            .map_err(|e| anyhow!("{}: validate_settings failed: {e}", guest.name))?;
        let verdict: SettingsVerdict = serde_json::from_slice(&answer)?;
        if !verdict.valid {
            bail!(
                "{} refused the benchmark settings: {:?}",
                guest.name,
                verdict.message
            );
        }
        Ok(())
    };
    match mode {
        Mode::Cold => interleave(
            guests.len(),
            counts.warmup(mode),
            counts.timed(mode),
            counts.block(mode),
            |g| {
                let mut instance = guests[g].policy.instance()?;
                check(&guests[g], &mut instance)
            },
        ),
        Mode::Warm => {
            let mut instances = instances(guests)?;
            interleave(
                guests.len(),
                counts.warmup(mode),
                counts.timed(mode),
                counts.block(mode),
                |g| check(&guests[g], &mut instances[g]),
            )
        }
    }
}

fn instances(guests: &[Guest]) -> Result<Vec<Instance>> {
    guests.iter().map(|g| g.policy.instance()).collect()
}

/// Times a fresh instance alone (rehydrate, `wapc_init`, drop), without any call.
pub fn instantiate(guests: &[Guest], counts: Counts) -> Result<Vec<Summary>> {
    interleave(
        guests.len(),
        counts.warmup(Mode::Cold),
        counts.timed(Mode::Cold),
        counts.block(Mode::Cold),
        |g| {
            drop(guests[g].policy.instance()?);
            Ok(())
        },
    )
}
