//! `pim validate`: every check over the catalog, then one report.

use crate::ExitStatus;
use crate::catalog::{self, Checked, ProductPath, Project};
use crate::channel;
use crate::cli::ValidateArgs;
use crate::diag::{Diagnostic, Position, Rule, Severity};
use crate::report::{self, Style, Summary};
use crate::rules;
use crate::source;
use anyhow::{Result, bail};
use rayon::prelude::*;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The outcome of checking a whole catalog.
pub struct Validation {
    pub checked: Vec<Checked>,
    /// Sorted, with severities from `[rules]` applied and positions resolved.
    pub diagnostics: Vec<Diagnostic>,
}

/// Checks every product file of the project, in parallel, then the cross-file rules.
pub fn validate_catalog(project: &Project, keep_values: bool) -> Result<Validation> {
    let (files, skipped) = catalog::find_files(project)?;
    let checked: Vec<Checked> = files
        .par_iter()
        .map(|f| catalog::check_file(project, f, keep_values))
        .collect();
    Ok(finish(project, checked, skipped))
}

/// [`validate_catalog`] over product files already in memory (a git revision's), in path
/// order.
pub fn validate_files(
    project: &Project,
    files: Vec<(ProductPath, Vec<u8>)>,
    keep_values: bool,
) -> Result<Validation> {
    let checked: Vec<Checked> = files
        .into_par_iter()
        .map(|(file, bytes)| catalog::check_bytes(project, &file, bytes, keep_values))
        .collect();
    Ok(finish(project, checked, Vec::new()))
}

/// The cross-file rules, `[rules]` levels and one-problem-one-diagnostic over checked files.
fn finish(project: &Project, checked: Vec<Checked>, skipped: Vec<Diagnostic>) -> Validation {
    let mut diagnostics = skipped;
    diagnostics.extend(checked.iter().flat_map(|c| c.diagnostics.iter().cloned()));
    diagnostics.extend(rules::check_catalog(&checked));
    let mut diagnostics = apply_levels(project, diagnostics);
    drop_shadowed_schema_errors(&mut diagnostics);
    Validation {
        checked,
        diagnostics,
    }
}

/// `incomplete` for each item the channel's filter selects that lacks required attributes.
fn incomplete(
    project: &Project,
    channel: &channel::Channel<'_>,
    checked: &[Checked],
) -> Result<Vec<Diagnostic>> {
    let items = channel::evaluate(project, channel, checked)?;
    Ok(items
        .iter()
        .filter(|item| item.selected && !item.missing.is_empty())
        .filter_map(|item| {
            let c = checked.get(item.file_index)?;
            let offset = c
                .item_offsets
                .get(item.variant.unwrap_or(0))
                .copied()
                .unwrap_or(0);
            let pointer = item
                .variant
                .map_or_else(String::new, |v| format!("/variants/{v}"));
            Some(
                Diagnostic::new(
                    Rule::Incomplete,
                    &c.file.rel,
                    Position::Offset(offset),
                    format!(
                        "item `{}` is {}% complete for channel `{}`: missing {}",
                        item.sku,
                        item.percent,
                        channel.name,
                        item.missing.join(", ")
                    ),
                )
                .at(pointer)
                .sku(Some(&item.sku))
                .help(format!(
                    "fill in the missing attributes; until then `{}` leaves the item out",
                    channel.name
                )),
            )
        })
        .collect())
}

/// `[rules]` in pim.toml: a new severity, or off.
fn apply_levels(project: &Project, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diagnostics
        .into_iter()
        .filter_map(|mut d| {
            d.severity = project.config.level(&d.rule)?;
            Some(d)
        })
        .collect()
}

/// One problem, one diagnostic: where a rule reports on a value, a schema error on the same
/// value is dropped.
fn drop_shadowed_schema_errors(diagnostics: &mut Vec<Diagnostic>) {
    let ruled: HashSet<(String, String)> = diagnostics
        .iter()
        .filter(|d| !matches!(d.rule, Rule::Schema(_)))
        .filter_map(|d| Some((d.file.clone(), d.pointer.clone()?)))
        .collect();
    diagnostics.retain(|d| {
        !matches!(d.rule, Rule::Schema(_))
            || d.pointer
                .as_ref()
                .is_none_or(|p| !ruled.contains(&(d.file.clone(), p.clone())))
    });
}

pub fn run(root: &Path, cwd: &Path, args: &ValidateArgs) -> Result<ExitStatus> {
    if let Some(id) = &args.explain {
        return explain(id);
    }
    let project = Project::open(root)?;
    let scope = scope(root, cwd, &args.paths)?;
    let all = args.channel.iter().any(|c| c == "all");
    let channels = if args.channel.is_empty() {
        Vec::new()
    } else {
        channel::plan(&project, &args.channel, all)?
    };
    let mut validation = validate_catalog(&project, !channels.is_empty())?;
    for channel in &channels {
        let incomplete = incomplete(&project, channel, &validation.checked)?;
        validation
            .diagnostics
            .extend(apply_levels(&project, incomplete));
    }
    let in_scope = |file: &str| {
        scope.is_empty()
            || scope
                .iter()
                .any(|s| s.is_empty() || file == s || file.starts_with(&format!("{s}/")))
    };
    let mut diagnostics: Vec<Diagnostic> = validation
        .diagnostics
        .into_iter()
        .filter(|d| in_scope(&d.file))
        .collect();
    source::resolve_positions(
        root,
        project.config.limits.max_file_size.0,
        &mut diagnostics,
    );
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));

    let files: Vec<&Checked> = validation
        .checked
        .iter()
        .filter(|c| in_scope(&c.file.rel))
        .collect();
    let summary = Summary {
        files: files.len(),
        products: files.iter().filter(|c| c.facts.is_some()).count(),
        items: files
            .iter()
            .filter_map(|c| c.facts.as_ref())
            .map(|f| f.items)
            .sum(),
        errors: diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count(),
        warnings: diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count(),
    };
    let text = report::render(
        args.format,
        &diagnostics,
        &summary,
        args.max_errors,
        &Style::for_stdout(),
    );
    crate::print_stdout(&text)?;
    let failed = summary.errors > 0 || (args.deny_warnings && summary.warnings > 0);
    Ok(if failed {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// Paths from the command line, relative to where pim runs, as project-relative prefixes.
fn scope(root: &Path, cwd: &Path, paths: &[PathBuf]) -> Result<Vec<String>> {
    let root = root.canonicalize()?;
    paths
        .iter()
        .map(|p| {
            let full = cwd.join(p);
            let Ok(full) = full.canonicalize() else {
                bail!("{} does not exist", p.display());
            };
            if !full.starts_with(&root) {
                bail!(
                    "{} is outside the project at {}",
                    p.display(),
                    root.display()
                );
            }
            Ok(catalog::relative(&root, &full))
        })
        .collect()
}

fn explain(id: &str) -> Result<ExitStatus> {
    let Some(rule) = Rule::from_id(id) else {
        let ids: Vec<String> = Rule::ALL.iter().map(Rule::id).collect();
        bail!(
            "`{id}` is not a rule id; the rules are: {}, and schema-<keyword> for JSON Schema errors",
            ids.join(", ")
        );
    };
    let text = format!(
        "{} ({} by default)\n\n{}\n",
        rule.id(),
        rule.default_severity(),
        rule.explanation()
    );
    crate::print_stdout(&text)?;
    Ok(ExitStatus::Success)
}
