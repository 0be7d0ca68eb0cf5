//! The catalog check: every product file read, parsed and checked on its own (in
//! parallel), then the rules that span files, `[rules]` levels, and channel completeness.

use crate::catalog::{self, Checked, ProductPath, Project};
use crate::channel::{self, Evaluator};
use crate::config::ChannelSpec;
use crate::diag::{Diagnostic, Position, Rule, Severity};
use crate::rules;
use crate::schema::FileRef;
use crate::source::{self, yaml};
use anyhow::{Result, bail};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// What `pim validate` is asked to do.
#[derive(Clone, Debug, Default)]
pub struct ValidateOptions {
    /// Report only on these files or folders (absolute, or relative to the current
    /// folder); cross-file rules still see the whole catalog.
    pub paths: Vec<PathBuf>,
    /// Channels whose completeness to check.
    pub channels: Vec<String>,
    /// Every channel's completeness.
    pub all_channels: bool,
    /// Use the cache of `.pim/cache/` (SPEC §7); it is bypassed when channels are asked for.
    pub cache: bool,
}

/// The counts of a validation report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub files: usize,
    pub products: usize,
    pub items: usize,
    pub errors: usize,
    pub warnings: usize,
}

/// What `pim validate` found: the diagnostics in scope, positioned and sorted.
pub struct ValidationReport {
    pub diagnostics: Vec<Diagnostic>,
    pub summary: Summary,
    /// Problems with the cache (it was ignored where it failed).
    pub cache_warnings: Vec<String>,
}

/// Checks the catalog, and with channels their completeness.
pub fn validate(project: &Project, options: &ValidateOptions) -> Result<ValidationReport> {
    let root = &project.root;
    let scope = scope(root, &options.paths)?;
    let channels = if options.channels.is_empty() && !options.all_channels {
        Vec::new()
    } else {
        project
            .config
            .select_channels(&options.channels, options.all_channels)?
    };
    let use_cache = options.cache;
    let env = channel::filter_environment();
    let evaluator = Evaluator::new(&env, project, &channels)?.keeping_only_incomplete();
    let options = CheckOptions {
        keep_value: false,
        evaluator: (!channels.is_empty()).then_some(&evaluator),
    };
    let mut cache_warnings = Vec::new();
    // With the cache: each file's path, and its items if it is a product.
    let mut counted: Vec<(String, Option<usize>)> = Vec::new();
    let mut validation = if options.evaluator.is_none() && use_cache {
        let (files, skipped) = catalog::find_files(project)?;
        let (diagnostics, counts, warnings) = crate::cache::validate(project, files, skipped)?;
        cache_warnings = warnings;
        counted = counts;
        Validation {
            checked: Vec::new(),
            diagnostics,
        }
    } else {
        validate_catalog(project, options)?
    };
    let evaluated = channel::take_items(&mut validation.checked, channels.len());
    for (channel, items) in channels.iter().zip(&evaluated) {
        let incomplete = incomplete(&validation.checked, channel, items);
        validation
            .diagnostics
            .extend(apply_levels(project, incomplete));
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
    // Diagnostics the cache kept come with their positions: only the files of the others
    // are read again. The partition keeps the order within a file, so sorting ties alike.
    let unresolved: HashSet<String> = diagnostics
        .iter()
        .filter(|d| d.source_line.is_none())
        .map(|d| d.file.clone())
        .collect();
    diagnostics.sort_by_key(|d| !unresolved.contains(&d.file));
    let pending = diagnostics
        .iter()
        .take_while(|d| unresolved.contains(&d.file))
        .count();
    let (pending, _) = diagnostics.split_at_mut(pending);
    source::resolve_positions(root, project.config.limits.max_file_size.0, pending);
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));

    // Each file in scope: whether it is a product, and its items.
    let files: Vec<Option<usize>> = if validation.checked.is_empty() {
        counted
            .iter()
            .filter(|(rel, _)| in_scope(rel))
            .map(|(_, items)| *items)
            .collect()
    } else {
        validation
            .checked
            .iter()
            .filter(|c| in_scope(&c.file.rel))
            .map(|c| c.facts.as_ref().map(|f| f.items))
            .collect()
    };
    let count = |severity| {
        diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    };
    let summary = Summary {
        files: files.len(),
        products: files.iter().flatten().count(),
        items: files.iter().flatten().sum(),
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
    };
    Ok(ValidationReport {
        diagnostics,
        summary,
        cache_warnings,
    })
}

/// Paths to report on, as project-relative prefixes.
fn scope(root: &Path, paths: &[PathBuf]) -> Result<Vec<String>> {
    let root = root.canonicalize()?;
    paths
        .iter()
        .map(|p| {
            let Ok(full) = p.canonicalize() else {
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

/// The outcome of checking a whole catalog.
pub struct Validation {
    pub checked: Vec<Checked>,
    /// Sorted, with severities from `[rules]` applied and positions resolved.
    pub diagnostics: Vec<Diagnostic>,
}

/// What checking a file keeps besides its diagnostics and facts.
#[derive(Clone, Copy, Default)]
pub struct CheckOptions<'a, 'e> {
    /// The product's values as written, for rendering and diff.
    pub keep_value: bool,
    /// Channels whose items are evaluated while the file's values are at hand.
    pub evaluator: Option<&'a Evaluator<'e>>,
}

/// Checks every product file of the project, in parallel, then the cross-file rules.
pub fn validate_catalog(project: &Project, options: CheckOptions<'_, '_>) -> Result<Validation> {
    let (files, skipped) = catalog::find_files(project)?;
    let checked: Vec<Checked> = files
        .par_iter()
        .enumerate()
        .map(|(i, f)| check_file(project, i, f, options))
        .collect();
    finish(project, checked, skipped)
}

/// [`validate_catalog`] over product files already in memory (a git revision's), in path
/// order.
pub fn validate_files(
    project: &Project,
    files: Vec<(ProductPath, Vec<u8>)>,
    skipped: Vec<Diagnostic>,
    options: CheckOptions<'_, '_>,
) -> Result<Validation> {
    let checked: Vec<Checked> = files
        .into_par_iter()
        .enumerate()
        .map(|(i, (file, bytes))| check_bytes(project, i, &file, bytes, options))
        .collect();
    finish(project, checked, skipped)
}

/// [`validate_catalog`] over files already checked one by one (as `pim report --history`
/// reuses a product's check across commits), in path order: the cross-file rules and levels.
pub fn validate_checked(
    project: &Project,
    checked: Vec<Checked>,
    skipped: Vec<Diagnostic>,
) -> Result<Validation> {
    finish(project, checked, skipped)
}

/// A channel's `units` must fit the measurements the catalog holds: asking for `ml` for a
/// weight in kg is a configuration error (exit 2), never a value left unconverted.
fn check_channel_units(project: &Project, facts: &rules::CrossFacts<'_>) -> Result<()> {
    // The locales of one channel share its units: its first is enough.
    for spec in project
        .config
        .channels
        .values()
        .filter_map(|specs| specs.first())
    {
        if spec.target.units.is_empty() {
            continue;
        }
        for m in &facts.units {
            let (attribute, unit) = (m.attribute, m.unit);
            let Some(have) = crate::units::dimension(unit) else {
                continue;
            };
            let units = &spec.target.units;
            let Some((key, wanted)) = [attribute, m.top, have.name()]
                .into_iter()
                .find_map(|k| units.get_key_value(k))
            else {
                continue;
            };
            let Some(dimension) = crate::units::dimension(wanted) else {
                continue;
            };
            if dimension != have {
                let rel = facts.files.get(m.file).map_or("", |f| f.rel);
                bail!(
                    "[channels.{}] units: `{key} = \"{wanted}\"` is a {} unit, but `{attribute}` in {rel} is in {unit}, a {}; ask for one of {}",
                    spec.name,
                    dimension.name(),
                    have.name(),
                    crate::units::of_dimension(have)
                );
            }
        }
    }
    Ok(())
}

/// The cross-file rules, `[rules]` levels and one-problem-one-diagnostic over checked files.
fn finish(
    project: &Project,
    checked: Vec<Checked>,
    skipped: Vec<Diagnostic>,
) -> Result<Validation> {
    if let Some(error) = checked.iter().find_map(|c| c.evaluation_error.as_ref()) {
        check_channel_units(project, &rules::CrossFacts::of(&checked))?;
        bail!("{error}");
    }
    let own = checked.iter().flat_map(|c| c.diagnostics.iter().cloned());
    let diagnostics = conclude(project, skipped, own, &rules::CrossFacts::of(&checked))?;
    Ok(Validation {
        checked,
        diagnostics,
    })
}

/// The whole catalog's diagnostics from the skipped paths, each file's own diagnostics (in
/// file order) and the facts for the cross-file rules: those rules, `[rules]` levels and
/// one-problem-one-diagnostic. Fails when a channel's `units` do not fit the catalog.
pub fn conclude(
    project: &Project,
    skipped: Vec<Diagnostic>,
    own: impl Iterator<Item = Diagnostic>,
    facts: &rules::CrossFacts<'_>,
) -> Result<Vec<Diagnostic>> {
    check_channel_units(project, facts)?;
    let mut diagnostics = skipped;
    diagnostics.extend(own);
    diagnostics.extend(rules::check_cross(facts));
    let mut diagnostics = apply_levels(project, diagnostics);
    drop_shadowed_schema_errors(&mut diagnostics);
    Ok(diagnostics)
}

/// `incomplete` for each item the channel's filter selects that lacks required attributes.
fn incomplete(
    checked: &[Checked],
    channel: &ChannelSpec,
    items: &[channel::Item],
) -> Vec<Diagnostic> {
    items
        .iter()
        .filter(|item| item.selected && !item.missing.is_empty())
        .filter_map(|item| {
            let c = checked.get(item.file_index)?;
            let offset = c
                .item_offsets
                .get(item.variant.unwrap_or(0))
                .copied()
                .unwrap_or(0);
            let pointer = item.pointer();
            Some(
                Diagnostic::new(
                    Rule::Incomplete,
                    &c.file.rel,
                    Position::Offset(offset),
                    format!(
                        "item `{}` is {}% complete for channel `{}`: missing {}",
                        item.sku,
                        item.percent,
                        channel.label,
                        item.missing.join(", ")
                    ),
                )
                .at(pointer)
                .sku(Some(&item.sku))
                .help(format!(
                    "fill in the missing attributes; until then `{}` leaves the item out",
                    channel.label
                )),
            )
        })
        .collect()
}

/// `[rules]` in pim.toml: a new severity, or off.
pub fn apply_levels(project: &Project, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diagnostics
        .into_iter()
        .filter_map(|mut d| {
            // A rule with two faces (control-character's bidi warning) keeps its own
            // severity unless [rules] sets one.
            let level = project.config.level(&d.rule)?;
            if project.config.rules.contains_key(&d.rule.id()) {
                d.severity = level;
            }
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

/// The values of `channels` blocks, each checked against its attribute's schema where it
/// applies: the product (or variant) merged with the block is validated, and the errors
/// about the block's values are reported at the block.
fn check_channel_blocks(
    project: &Project,
    root: &yaml::Node,
    instance: &serde_json::Value,
    family: Option<&crate::schema::Compiled>,
    file: &FileRef<'_>,
) -> Vec<Diagnostic> {
    use crate::source::yaml::pointer_push;
    let mut out = Vec::new();
    for (owner, _, _) in rules::owner_nodes(root) {
        let Some(blocks) = instance
            .pointer(&owner)
            .and_then(|o| o.get("channels"))
            .and_then(serde_json::Value::as_object)
        else {
            continue;
        };
        for (channel, block) in blocks {
            let Some(keys) = block
                .as_object()
                .map(|b| b.keys().cloned().collect::<Vec<_>>())
            else {
                continue;
            };
            let mut candidate = instance.clone();
            if let Some(slot) = candidate.pointer_mut(&owner) {
                let mut merged = crate::resolve::merge(slot, block);
                if let serde_json::Value::Object(map) = &mut merged {
                    map.remove("channels");
                }
                *slot = merged;
            }
            let block_at = pointer_push(&format!("{owner}/channels"), channel);
            let remap = |path: &str| -> Option<String> {
                let rest = path.strip_prefix(owner.as_str())?;
                keys.iter().find_map(|key| {
                    let at = pointer_push("", key);
                    let inside = rest == at || rest.starts_with(&format!("{at}/"));
                    inside.then(|| format!("{block_at}{rest}"))
                })
            };
            out.extend(
                project
                    .schemas
                    .validate_remapped(root, &candidate, family, file, &remap),
            );
            let annotations: Vec<_> = project
                .schemas
                .annotations(&candidate, family)
                .into_iter()
                .filter_map(|(p, a)| Some((remap(&p)?, a)))
                .collect();
            let ctx = rules::FileContext {
                project,
                root,
                instance: &candidate,
                locator: yaml::Locator::new(root),
                file,
                annotations: &annotations,
            };
            out.extend(rules::check_values(&ctx));
        }
    }
    out
}

/// Reads, parses and checks one product file: file-level rules, JSON Schema, and the rules
/// that need no other file. `keep_value` keeps the product's values for channels.
pub fn check_file(
    project: &Project,
    index: usize,
    file: &ProductPath,
    options: CheckOptions<'_, '_>,
) -> Checked {
    match source::read(&file.path, &file.rel, &project.config.limits) {
        Ok(text) => check_text(project, index, file, &text, options),
        Err(d) => Checked::failed(file, d),
    }
}

/// Checks a product file's bytes, read from elsewhere (a git revision).
pub fn check_bytes(
    project: &Project,
    index: usize,
    file: &ProductPath,
    bytes: Vec<u8>,
    options: CheckOptions<'_, '_>,
) -> Checked {
    let limit = project.config.limits.max_file_size.0;
    if bytes.len() as u64 > limit {
        let d = Diagnostic::new(
            Rule::FileTooLarge,
            &file.rel,
            Position::LineColumn { line: 1, column: 1 },
            format!(
                "the file is {} bytes, more than the limit of {limit} bytes",
                bytes.len()
            ),
        );
        return Checked::failed(file, d);
    }
    match source::decode(bytes, &file.rel) {
        Ok(text) => check_text(project, index, file, &text, options),
        Err(d) => Checked::failed(file, d),
    }
}

/// Checks a product file's text (already read and decoded); `index` is the file's place in
/// the run's file list.
pub fn check_text(
    project: &Project,
    index: usize,
    file: &ProductPath,
    text: &source::Text,
    options: CheckOptions<'_, '_>,
) -> Checked {
    let limits = &project.config.limits;
    let (root, mut diagnostics) = match yaml::parse(&text.text, &file.rel, limits) {
        Ok(parsed) => parsed,
        Err(d) => return Checked::failed(file, d),
    };
    let sku = root
        .get("sku")
        .and_then(yaml::Node::as_str)
        .map(str::to_owned);
    for d in &mut diagnostics {
        d.sku.clone_from(&sku);
    }
    let instance = root.to_json();
    let family_name = root.get("family").and_then(yaml::Node::as_str);
    let family = family_name.and_then(|f| project.schemas.families.get(f));
    let file_ref = FileRef {
        rel: &file.rel,
        sku: sku.as_deref(),
    };

    diagnostics.extend(
        project
            .schemas
            .validate(&root, &instance, family, &file_ref),
    );
    let annotations = project.schemas.annotations(&instance, family);
    let ctx = rules::FileContext {
        project,
        root: &root,
        instance: &instance,
        locator: yaml::Locator::new(&root),
        file: &file_ref,
        annotations: &annotations,
    };
    diagnostics.extend(rules::check_product(&ctx, family_name, family));
    diagnostics.extend(check_channel_blocks(
        project, &root, &instance, family, &file_ref,
    ));

    let facts = rules::facts(&ctx);
    let item_offsets = rules::leaf_nodes(&root)
        .into_iter()
        .map(|(_, node)| node.span.start)
        .collect::<Vec<_>>();
    let (channel_items, evaluation_error) = match options.evaluator {
        None => (Vec::new(), None),
        Some(evaluator) => {
            let own = (root.get("variants").is_none()).then_some(annotations.as_slice());
            match evaluator.product(index, &file.rel, &instance, own) {
                Ok(items) => (items, None),
                Err(e) => (Vec::new(), Some(format!("{e:#}"))),
            }
        }
    };
    Checked {
        file: file.clone(),
        diagnostics,
        facts: Some(facts),
        sku,
        value: options
            .keep_value
            .then(|| std::sync::Arc::from(instance.to_string())),
        item_offsets,
        channel_items,
        evaluation_error,
    }
}
