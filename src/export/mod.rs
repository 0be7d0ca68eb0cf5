//! `pim export`: what each channel exports, the template context, rendering, checks, and
//! the writes, all or nothing. Returns what happened; printing is the command's.

mod check;

pub use check::looks_like_formula;
mod lazy;
mod render;

use crate::catalog::{Checked, Project};
use crate::channel::{self, Evaluator, LeftOut, LeftOutItem, LeftOutReason, Selection};
use crate::config::ChannelSpec;
use crate::diag::Diagnostic;
use crate::validate::CheckOptions;
use crate::{fsutil, source, validate};
use anyhow::{Result, anyhow};
use minijinja::value::Serde;
use rayon::prelude::*;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What `pim export` is asked to do.
#[derive(Clone, Debug, Default)]
pub struct ExportOptions {
    pub channels: Vec<String>,
    pub all: bool,
    /// The output folder.
    pub out_dir: PathBuf,
    /// Leave out items with errors instead of refusing.
    pub skip_invalid: bool,
}

/// Told of each step of a long export (a progress bar, or nothing).
pub trait Progress {
    fn start(&self, _steps: u64) {}
    fn step(&self, _message: &str) {}
    fn finish(&self) {}
}

/// No progress shown.
pub struct Silent;
impl Progress for Silent {}

/// One channel's result.
#[derive(Clone, Debug)]
pub struct ChannelResult {
    pub channel: String,
    /// Items exported.
    pub items: usize,
    /// The feed's path, as the user would type it from where pim runs.
    pub output: String,
    /// False when the feed's bytes did not change (or nothing was written).
    pub written: bool,
    pub left_out: LeftOut,
    /// The items left out, in file order, with where they are and why.
    pub left_out_items: Vec<LeftOutItem>,
}

/// A channel that refused: items it would export have errors.
#[derive(Clone, Debug)]
pub struct Refused {
    pub channel: String,
    /// The SKUs (or files) with errors.
    pub items: Vec<String>,
}

/// What an export did: written (every feed) or refused (nothing written, `refused` says
/// why), with the catalog's errors.
#[derive(Clone, Debug, Default)]
pub struct ExportOutcome {
    pub channels: Vec<ChannelResult>,
    pub refused: Vec<Refused>,
    /// The problems found in the catalog (errors and warnings), positioned and sorted.
    pub diagnostics: Vec<Diagnostic>,
}

/// Exports the channels asked for. `cwd` is where paths are shown from.
pub fn export(
    project: &Arc<Project>,
    options: &ExportOptions,
    cwd: &Path,
    progress: &dyn Progress,
) -> Result<ExportOutcome> {
    let channels = project
        .config
        .select_channels(&options.channels, options.all)?;
    let threads = rayon::current_num_threads().max(1);
    progress.start(channels.len().div_ceil(threads) as u64 + 2);
    progress.step("checking the catalog");
    // Every item is evaluated once for all channels as its file is checked; the values of
    // the items a channel exports are kept for rendering.
    let env = channel::filter_environment();
    let evaluator = Evaluator::new(&env, project, &channels)?;
    let check = CheckOptions {
        keep_value: true,
        evaluator: Some(&evaluator),
    };
    let mut validation = validate::validate_catalog(project, check)?;
    let blocking = channel::blocking_errors(&validation.diagnostics);
    progress.step("selecting items");
    let evaluated = channel::take_items(&mut validation.checked, channels.len());
    let selections: Vec<Selection> = evaluated
        .into_iter()
        .map(|items| channel::select(items, &validation.checked, &blocking, options.skip_invalid))
        .collect();

    // Every finding is shown, as validate shows it: errors, and warnings such as skipped
    // files, so a catalog that silently lost products does not pass unnoticed.
    let mut errors: Vec<Diagnostic> = validation.diagnostics.clone();
    source::resolve_positions(
        &project.root,
        project.config.limits.max_file_size.0,
        &mut errors,
    );
    errors.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));

    let mut selections = selections;
    locate_left_out(project, &mut selections, &errors);

    let paths: Vec<PathBuf> = channels
        .iter()
        .map(|c| options.out_dir.join(&c.output))
        .collect();
    let result = |c: &ChannelSpec, s: &Selection, path: &Path, written: bool| ChannelResult {
        channel: c.label.clone(),
        items: s.exported.len(),
        output: shown_path(cwd, path),
        written,
        left_out: s.left_out,
        left_out_items: s.left_out_items.clone(),
    };
    let refused: Vec<Refused> = channels
        .iter()
        .zip(&selections)
        .filter(|(_, s)| !s.blocked.is_empty())
        .map(|(c, s)| Refused {
            channel: c.label.clone(),
            items: s.blocked.clone(),
        })
        .collect();
    if !refused.is_empty() {
        progress.finish();
        return Ok(ExportOutcome {
            channels: channels
                .iter()
                .zip(&selections)
                .zip(&paths)
                .map(|((c, s), p)| result(c, s, p, false))
                .collect(),
            refused,
            diagnostics: errors,
        });
    }

    // Every channel renders, passes its checks and is staged in a temporary file beside its
    // feed before any feed is replaced; an error drops the staged files. Channels render as
    // many at a time as there are threads (a template runs on one), and are staged in order
    // as soon as their group is done, so only that many outputs are in memory at once and
    // the first failing channel in pim.toml's order is the one reported.
    let mut staged = fsutil::StagedSet::new(&options.out_dir);
    let jobs: Vec<(&ChannelSpec, &Selection, &PathBuf)> = channels
        .iter()
        .zip(&selections)
        .zip(&paths)
        .map(|((c, s), p)| (*c, s, p))
        .collect();
    for group in jobs.chunks(threads) {
        let labels: Vec<&str> = group.iter().map(|(c, _, _)| c.label.as_str()).collect();
        progress.step(&format!("rendering {}", labels.join(", ")));
        let rendered: Vec<Result<Vec<u8>>> = group
            .par_iter()
            .map(|(channel, selection, _)| {
                render_channel(project, channel, selection, &validation.checked)
            })
            .collect();
        for ((_, _, path), bytes) in group.iter().zip(rendered) {
            staged.stage(path, &bytes?)?;
        }
    }
    let mut results = Vec::new();
    for (((channel, selection), path), written) in channels
        .iter()
        .zip(&selections)
        .zip(&paths)
        .zip(staged.commit()?)
    {
        results.push(result(channel, selection, path, written));
    }
    progress.finish();
    Ok(ExportOutcome {
        channels: results,
        refused: Vec::new(),
        diagnostics: errors,
    })
}

/// The left-out items' lines and columns, and the rules of the errors that keep the invalid
/// ones out; each file is read once.
fn locate_left_out(project: &Project, selections: &mut [Selection], errors: &[Diagnostic]) {
    let mut offsets: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for item in selections.iter().flat_map(|s| &s.left_out_items) {
        offsets
            .entry(item.file.clone())
            .or_default()
            .push(item.offset);
    }
    let max = project.config.limits.max_file_size.0;
    let positions: BTreeMap<(String, usize), (usize, usize)> = offsets
        .into_iter()
        .flat_map(|(file, offsets)| {
            let found = source::positions(&project.root, max, &file, &offsets);
            offsets
                .into_iter()
                .zip(found)
                .map(move |(offset, at)| ((file.clone(), offset), at))
        })
        .collect();
    let error_rules = channel::ErrorRules::new(errors);
    for item in selections.iter_mut().flat_map(|s| &mut s.left_out_items) {
        (item.line, item.column) = positions
            .get(&(item.file.clone(), item.offset))
            .copied()
            .unwrap_or((1, 1));
        if let LeftOutReason::Invalid { rules } = &mut item.reason {
            let path = channel::variant_path(&item.pointer).unwrap_or_default();
            for id in error_rules.rules_of(&item.file, &path) {
                if !rules.contains(&id) {
                    rules.push(id);
                }
            }
        }
    }
}

/// The template context of SPEC §4, rendered, checked and encoded.
fn render_channel(
    project: &Arc<Project>,
    channel: &ChannelSpec,
    selection: &Selection,
    checked: &[Checked],
) -> Result<Vec<u8>> {
    // The exported items were resolved when they were selected; the template reaches them
    // one by one.
    let source = lazy::Source::new(
        Arc::clone(project),
        channel.target.clone(),
        &channel.name,
        checked.iter().map(|c| c.value.clone()).collect(),
        checked.iter().map(|c| c.file.rel.clone()).collect(),
        &checked.iter().map(|c| c.sku.clone()).collect::<Vec<_>>(),
        &selection.exported,
    );
    let (items, products) = lazy::sequences(source);
    let context = context(project, channel, items, products);
    let records: render::Records = Arc::new(std::sync::Mutex::new(check::RowWriter::new(
        channel.format,
        channel.formula_guard,
        channel.bom,
    )));
    let templates = project.root.join(&project.config.project.templates);
    let env = render::environment(&templates, channel.format, &channel.currency, &records);
    let template_error = |e: minijinja::Error| {
        let mut message = format!("{} template error", channel.section());
        if let Some(name) = e.name() {
            message.push_str(&format!(" in {name}"));
        }
        if let Some(line) = e.line() {
            message.push_str(&format!(" line {line}"));
        }
        message.push_str(&format!(": {}", e.kind()));
        if let Some(detail) = e.detail() {
            message.push_str(&format!(": {detail}"));
        }
        let mut source = std::error::Error::source(&e);
        while let Some(inner) = source {
            message.push_str(&format!(": {inner}"));
            source = inner.source();
        }
        anyhow!(message)
    };
    let template = env
        .get_template(&channel.template)
        .map_err(template_error)?;
    let printed = template.render(context).map_err(template_error)?;
    let fail = |e: anyhow::Error| {
        anyhow!(
            "{} {} produced a bad {:?} output: {e:#}",
            channel.section(),
            channel.template,
            channel.format
        )
    };
    match channel.format {
        crate::config::OutputFormat::Csv | crate::config::OutputFormat::Tsv => {
            drop(template);
            drop(env);
            let writer = Arc::try_unwrap(records)
                .map_err(|_| anyhow!("row() is still in use"))?
                .into_inner()
                .map_err(|_| anyhow!("row() state is poisoned"))?;
            writer.finish(&printed).map_err(fail)
        }
        format => {
            check::check_text(format, &printed).map_err(fail)?;
            // A feed can be hundreds of megabytes: no copy unless a BOM goes first.
            if channel.bom {
                let mut bytes = Vec::with_capacity(printed.len() + 3);
                bytes.extend_from_slice("\u{feff}".as_bytes());
                bytes.extend_from_slice(printed.as_bytes());
                Ok(bytes)
            } else {
                Ok(printed.into_bytes())
            }
        }
    }
}

fn context(
    project: &Project,
    channel: &ChannelSpec,
    items: minijinja::Value,
    products: minijinja::Value,
) -> minijinja::Value {
    let p = &project.config.project;
    let categories: Map<String, Value> = project
        .categories
        .iter()
        .map(|(code, c)| {
            let name = channel
                .target
                .locales
                .iter()
                .find_map(|l| c.name.get(l))
                .or_else(|| c.name.get(""))
                .cloned()
                .unwrap_or_else(|| code.clone());
            (code.clone(), json!({"name": name, "path": c.path}))
        })
        .collect();
    let attributes: Map<String, Value> = project
        .dictionary
        .all()
        .into_iter()
        .map(|(code, a)| {
            let label = a.label(code, &channel.target.locales);
            (code.to_owned(), json!({ "label": label }))
        })
        .collect();
    let vars = serde_json::to_value(&channel.vars).unwrap_or(Value::Null);
    minijinja::context! {
        attributes => Serde(Value::Object(attributes)),
        channel => Serde(json!({
            "name": channel.name,
            "label": channel.label,
            "locale": channel.locale,
            "locales": channel.locales,
            "currency": channel.currency,
            "currencies": channel.currencies,
            "format": channel.format.name(),
            "vars": vars,
        })),
        project => Serde(json!({"name": p.name, "locales": p.locales, "currencies": p.currencies})),
        categories => Serde(Value::Object(categories)),
        products => products,
        items => items,
    }
}

/// The path as the user would type it from where pim runs.
fn shown_path(cwd: &Path, path: &Path) -> String {
    match path.strip_prefix(cwd) {
        Ok(rel) => crate::catalog::relative(Path::new(""), rel),
        Err(_) => path.display().to_string(),
    }
}
