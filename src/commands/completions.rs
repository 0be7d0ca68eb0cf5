//! `pim completions SHELL`: a completion script, from the command line's definition.

use crate::ExitStatus;
use crate::cli::{Cli, CompletionsArgs};
use anyhow::Result;
use clap::CommandFactory;

pub fn run(args: &CompletionsArgs) -> Result<ExitStatus> {
    super::print_stdout(&script(args.shell))?;
    Ok(ExitStatus::Success)
}

/// The completion script for `shell`.
pub fn script(shell: clap_complete::Shell) -> String {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "pim", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}
