//! `pim new`: a product file (or a variant) with placeholders, and the editor schemas kept
//! current.

use super::{Invocation, note, print_stdout};
use crate::ExitStatus;
use crate::catalog::Project;
use crate::cli::NewArgs;
use crate::report::{self, Style};
use crate::scaffold::{self, NewOptions};
use anyhow::Result;

pub fn run(invocation: &Invocation, args: &NewArgs) -> Result<ExitStatus> {
    let project = Project::open(&invocation.project_root()?)?;
    let options = NewOptions {
        sku: args.sku.clone(),
        family: args.family.clone(),
        variant_of: args.variant_of.clone(),
    };
    let outcome = scaffold::new_product(&project, &options)?;
    print_stdout(&report::new_product(&outcome, &Style::for_stdout()))?;
    for warning in super::refresh_editor(&project, true) {
        note(&warning);
    }
    Ok(ExitStatus::Success)
}
