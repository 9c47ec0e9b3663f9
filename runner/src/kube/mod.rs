//! The Kubernetes shapes the runner speaks: the AdmissionRequest a policy
//! receives (`request`), its answer and the AdmissionResponse printed for it
//! (`response`, with the JSON patch of a mutation in `patch`), the policy's
//! settings (`settings`), and the resource an object's kind stands for
//! (`resources`).
//!
//! May use: no other room.

pub mod patch;
pub mod request;
pub mod resources;
pub mod response;
pub mod settings;
