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

pub mod catalog;
pub mod categories;
pub mod channel;
pub mod cli;
pub mod config;
pub mod diag;
pub mod diff;
pub mod export;
pub mod fsutil;
pub mod git;
pub mod report;
pub mod resolve;
pub mod rules;
pub mod schema;
pub mod source;
pub mod units;
pub mod validate;

use anyhow::{Context, Result};
use cli::{Cli, Command};
use std::io::Write;

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

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<ExitStatus> {
    let cwd = std::env::current_dir().context("cannot read the current folder")?;
    let start = match &cli.project {
        Some(dir) => cwd.join(dir),
        None => cwd.clone(),
    };
    fsutil::install_interrupt_handler();
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(STACK_SIZE)
        .build_global();
    match &cli.command {
        Command::Validate(args) => {
            if args.explain.is_some() {
                return validate::run(&start, &cwd, args);
            }
            let root = config::discover(&start)?;
            validate::run(&root, &cwd, args)
        }
        Command::Export(args) => {
            let root = config::discover(&start)?;
            export::run(&root, &cwd, args)
        }
        Command::Diff(args) => {
            let root = config::discover(&start)?;
            diff::run(&root, args)
        }
    }
}

/// Writes to stdout; a closed pipe (`pim validate | head`) ends the output quietly.
pub fn print_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to stdout"),
    }
}
