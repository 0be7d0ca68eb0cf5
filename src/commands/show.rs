//! `pim show`: one product or variant as each channel sees it.

use super::{Invocation, print_stdout};
use crate::ExitStatus;
use crate::catalog::Project;
use crate::cli::{ShowArgs, ShowFormat};
use crate::report;
use crate::show::{ShowOptions, show};
use anyhow::Result;

pub fn run(invocation: &Invocation, args: &ShowArgs) -> Result<ExitStatus> {
    let project = Project::open(&invocation.project_root()?)?;
    let options = ShowOptions {
        sku: args.sku.clone(),
        channels: args.channel.clone(),
    };
    let result = show(&project, &options)?;
    let format = match args.format {
        ShowFormat::Human => report::ShowFormat::Human,
        ShowFormat::Yaml => report::ShowFormat::Yaml,
        ShowFormat::Json => report::ShowFormat::Json,
    };
    print_stdout(&report::show(format, &result)?)?;
    Ok(ExitStatus::Success)
}
