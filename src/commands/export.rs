//! `pim export`: render the channels' feeds and print what was written, or why not.

use super::{Invocation, note, print_stdout};
use crate::ExitStatus;
use crate::catalog::Project;
use crate::cli::{ExportArgs, Format};
use crate::export::{ExportOptions, Progress, export};
use crate::report::{self, Style};
use anyhow::{Result, bail};
use std::sync::Arc;

pub fn run(invocation: &Invocation, args: &ExportArgs) -> Result<ExitStatus> {
    let format = report::Format::from(args.format);
    match exported(invocation, args) {
        Ok(outcome) => {
            print_stdout(&report::export(
                format,
                &outcome,
                args.max_errors,
                &Style::for_stdout(),
            ))?;
            if let Some(refusal) = report::export_refusal(&outcome) {
                note(&refusal);
                return Ok(ExitStatus::Failure);
            }
            Ok(ExitStatus::Success)
        }
        // A machine reading json gets its document whatever happened.
        Err(error) if args.format == Format::Json => {
            print_stdout(&report::export_failure(&format!("{error:#}")))?;
            Err(error)
        }
        Err(error) => Err(error),
    }
}

fn exported(invocation: &Invocation, args: &ExportArgs) -> Result<crate::export::ExportOutcome> {
    let root = invocation.project_root()?;
    let project = Arc::new(Project::open(&root)?);
    if args.channel.iter().any(|c| c == "all") && !project.config.channels.contains_key("all") {
        bail!(
            "no channel is named `all`; to export every channel, pass --all instead of --channel all"
        );
    }
    let out_dir = match &args.out {
        Some(dir) => invocation.path(dir),
        None => root.join(&project.config.project.output),
    };
    let options = ExportOptions {
        channels: args.channel.clone(),
        all: args.all,
        out_dir,
        skip_invalid: args.skip_invalid,
    };
    export(&project, &options, &invocation.cwd, &Bar::new())
}

/// A progress bar on stderr, only on a terminal.
struct Bar(Option<indicatif::ProgressBar>);

impl Bar {
    fn new() -> Bar {
        use std::io::IsTerminal;
        if !std::io::stderr().is_terminal() {
            return Bar(None);
        }
        let bar = indicatif::ProgressBar::new(0);
        if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} [{bar:30}] {msg}") {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Bar(Some(bar))
    }
}

impl Progress for Bar {
    fn start(&self, steps: u64) {
        if let Some(bar) = &self.0 {
            bar.set_length(steps);
        }
    }

    fn step(&self, message: &str) {
        if let Some(bar) = &self.0 {
            bar.set_message(message.to_owned());
            bar.inc(1);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.finish();
    }
}
