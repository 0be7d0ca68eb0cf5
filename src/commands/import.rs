//! `pim import akeneo|shopify`: arguments to import options, the import, its report, and
//! exit 1 when files that differ were kept.

use super::{Invocation, note, print_stdout};
use crate::ExitStatus;
use crate::cli::{ImportArgs, ImportCommon, ImportSource};
use crate::import::{AkeneoOptions, ImportOutcome, ShopifyOptions};
use crate::report::{self, Style};
use anyhow::Result;
use std::path::{Path, PathBuf};

pub fn run(invocation: &Invocation, args: &ImportArgs) -> Result<ExitStatus> {
    let common = match &args.source {
        ImportSource::Akeneo(a) => &a.common,
        ImportSource::Shopify(s) => &s.common,
    };
    let format = report::Format::from(common.format);
    match imported(invocation, args) {
        Ok(outcome) => {
            print_stdout(&report::import(format, &outcome, &Style::for_stdout()))?;
            if let Some(refusal) = report::import_refusal(&outcome) {
                note(&refusal);
                return Ok(ExitStatus::Failure);
            }
            Ok(ExitStatus::Success)
        }
        // A machine reading json gets its document whatever happened.
        Err(error) if format == report::Format::Json => {
            print_stdout(&report::import_failure(&format!("{error:#}")))?;
            Err(error)
        }
        Err(error) => Err(error),
    }
}

fn into(invocation: &Invocation, common: &ImportCommon) -> PathBuf {
    match &common.into {
        Some(dir) => invocation.path(dir),
        None => invocation.start.clone(),
    }
}

fn imported(invocation: &Invocation, args: &ImportArgs) -> Result<ImportOutcome> {
    match &args.source {
        ImportSource::Akeneo(a) => crate::import::akeneo::import(&AkeneoOptions {
            dir: invocation.path(&a.dir),
            into: into(invocation, &a.common),
            name: a.common.name.clone(),
            force: a.common.force,
        }),
        ImportSource::Shopify(s) => {
            let into = into(invocation, &s.common);
            let (locale, currency) = project_defaults(&into);
            crate::import::shopify::import(&ShopifyOptions {
                file: invocation.path(&s.file),
                name: s.common.name.clone(),
                force: s.common.force,
                locale: s.locale.clone().unwrap_or(locale),
                currency: s.currency.clone().unwrap_or(currency),
                into,
            })
        }
    }
}

/// The default locale and first currency of the project in `into`, if it has one.
fn project_defaults(into: &Path) -> (String, String) {
    let text = std::fs::read_to_string(into.join(crate::config::FILE_NAME)).unwrap_or_default();
    let table: toml::Table = toml::from_str(&text).unwrap_or_default();
    let project = table.get("project");
    let locale = project
        .and_then(|p| p.get("default_locale"))
        .and_then(toml::Value::as_str)
        .unwrap_or("en-US");
    let currency = project
        .and_then(|p| p.get("currencies"))
        .and_then(toml::Value::as_array)
        .and_then(|c| c.first())
        .and_then(toml::Value::as_str)
        .unwrap_or("USD");
    (locale.to_owned(), currency.to_owned())
}
