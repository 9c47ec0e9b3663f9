//! Kubewarden policy: admit container images only from trusted registries.

pub mod reference;
