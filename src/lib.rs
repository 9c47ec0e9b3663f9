//! placeholder until the policy lands
