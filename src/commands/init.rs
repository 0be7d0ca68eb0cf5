//! `pim init`: write a new project that validates and exports at once.

use super::{Invocation, print_stdout};
use crate::ExitStatus;
use crate::cli::InitArgs;
use crate::report;
use crate::scaffold::{self, InitOptions};
use anyhow::Result;

pub fn run(invocation: &Invocation, args: &InitArgs) -> Result<ExitStatus> {
    // Relative to where pim runs, so messages name files as the user would.
    let base = if invocation.start == invocation.cwd {
        std::path::PathBuf::new()
    } else {
        invocation.start.clone()
    };
    let dir = match &args.dir {
        Some(dir) => base.join(dir),
        None if base.as_os_str().is_empty() => ".".into(),
        None => base,
    };
    let options = InitOptions {
        dir,
        name: args.name.clone(),
    };
    let outcome = scaffold::init(&options)?;
    let shown = args
        .dir
        .as_ref()
        .map(|d| d.display().to_string())
        .filter(|d| !d.is_empty() && d != ".");
    print_stdout(&report::init(&outcome, shown.as_deref()))?;
    Ok(ExitStatus::Success)
}
