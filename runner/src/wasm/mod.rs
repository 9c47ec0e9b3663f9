//! A policy module as bytes: its custom sections, read and written without
//! running it, and the Kubewarden metadata `kwctl annotate` keeps in one
//! (`metadata`). Below the registry client, which copies that metadata into
//! a pushed manifest's annotations.
//!
//! May use: no other room.

pub mod metadata;
mod sections;

pub use sections::{custom_section, set_custom_section};
