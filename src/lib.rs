pub mod config;
pub mod diag;
pub mod source;
pub mod units;

/// Stack size of pim's worker threads: serde-saphyr recurses per nesting level, and a
/// file nested up to `max_depth` must not overflow the stack before the budget stops it.
pub const STACK_SIZE: usize = 64 * 1024 * 1024;
