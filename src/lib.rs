//! pim: a product information manager over flat files.

// A file that cannot be read as a product yields its diagnostic as the error value; that
// path runs once per bad file, so its size does not matter.
#![allow(clippy::result_large_err)]
// Tests may unwrap and index: a panic there is a failed test.
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod cache;
pub mod catalog;
pub mod categories;
pub mod channel;
pub mod cli;
pub mod commands;
pub mod config;
pub mod diag;
pub mod dictionary;
pub mod diff;
pub mod editor;
pub mod export;
pub mod fsutil;
pub mod git;
pub mod history;
pub mod import;
pub mod quality;
pub mod report;
pub mod resolve;
pub mod rules;
pub mod scaffold;
pub mod schema;
pub mod show;
pub mod source;
pub mod suggest;
pub mod units;
pub mod validate;
pub mod view;

/// Stack size of pim's threads: serde-saphyr recurses per nesting level, and a file nested
/// up to `max_depth` must not overflow the stack before the budget stops it.
pub const STACK_SIZE: usize = 64 * 1024 * 1024;

/// How a run ended; the process exit code of SPEC §3.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: success, warnings allowed.
    Success,
    /// 1: the catalog has errors, or an export was refused.
    Failure,
    /// 2: usage, configuration, schema, template or I/O error.
    Error,
    /// 130: interrupted by Ctrl-C.
    Interrupted,
}

impl ExitStatus {
    pub fn code(self) -> i32 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Error => 2,
            ExitStatus::Interrupted => 130,
        }
    }
}

/// Runs a parsed command line (see [`commands`]).
pub fn run(cli: cli::Cli) -> anyhow::Result<ExitStatus> {
    commands::run(cli)
}
