//! `pim diff`: compare two revisions and print what the change does.

use super::{Invocation, note, print_stdout};
use crate::ExitStatus;
use crate::cli::DiffArgs;
use crate::diff::{DiffOptions, diff};
use crate::report;
use anyhow::{Result, bail};
use rust_decimal::Decimal;
use std::str::FromStr;

pub fn run(invocation: &Invocation, args: &DiffArgs) -> Result<ExitStatus> {
    let root = invocation.project_root()?;
    let Some(price_alert) = args
        .price_alert
        .is_finite()
        .then(|| Decimal::from_str(&args.price_alert.to_string()).ok())
        .flatten()
    else {
        bail!(
            "--price-alert {} is not a percentage; give a finite number like 30",
            args.price_alert
        );
    };
    let options = DiffOptions {
        base: args.base.clone(),
        head: args.head.clone(),
        price_alert,
        cache: !args.no_cache,
    };
    let outcome = diff(&root, &options)?;
    if let Some(base) = &outcome.base_note {
        note(&format!("note: comparing with {base}"));
    }
    let format = report::Format::from(args.format);
    print_stdout(&report::diff(
        format,
        &outcome.report,
        &report::Style::for_stdout(),
    ))?;
    Ok(
        if args.fail_on_new_errors() && outcome.report.introduces_errors() {
            ExitStatus::Failure
        } else {
            ExitStatus::Success
        },
    )
}
