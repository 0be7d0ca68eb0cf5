//! `pim report`: the catalog's quality per channel, in the terminal, as markdown or a page.

use super::{Invocation, print_stdout};
use crate::ExitStatus;
use crate::catalog::Project;
use crate::cli::{ReportArgs, ReportFormat};
use crate::quality::{ReportOptions, report};
use crate::report::{self, QualityFormat, Style};
use anyhow::{Context, Result};

pub fn run(invocation: &Invocation, args: &ReportArgs) -> Result<ExitStatus> {
    let root = invocation.project_root()?;
    let project = Project::open(&root)?;
    let options = ReportOptions {
        // `--channel all` is every channel, as for validate.
        channels: if args.channel.iter().any(|c| c == "all") {
            Vec::new()
        } else {
            args.channel.clone()
        },
        worst: args.worst,
        ..ReportOptions::default()
    };
    let mut result = report(&project, &options)?;
    if let Some(n) = args.history {
        result.history = Some(crate::history::history(
            &root, &project, n as usize, &options,
        )?);
    }
    let format = match args.format {
        ReportFormat::Human => QualityFormat::Human,
        ReportFormat::Json => QualityFormat::Json,
        ReportFormat::Markdown => QualityFormat::Markdown,
        ReportFormat::Html => QualityFormat::Html,
    };
    match &args.out {
        None => print_stdout(&report::quality(format, &result, &Style::for_stdout()))?,
        Some(path) => {
            let path = invocation.path(path);
            let text = report::quality(format, &result, &Style { color: false });
            crate::fsutil::stage(&path, text.as_bytes())
                .and_then(crate::fsutil::Single::commit)
                .with_context(|| format!("cannot write the report to {}", path.display()))?;
        }
    }
    Ok(ExitStatus::Success)
}
