//! `pim export`: items per channel, the template context, rendering, checks, and writes.

mod check;
mod lazy;
mod render;
mod view;

use crate::catalog::{Checked, Project};
use crate::channel::{self, Channel, Item};
use crate::cli::ExportArgs;
use crate::diag::{Diagnostic, Severity};
use crate::report::{self, Format, Style, thousands};
use crate::validate::{self, Validation};
use crate::{ExitStatus, fsutil, source};
use anyhow::{Result, anyhow};
use minijinja::value::Serde;
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::Arc;

/// Why an item was left out of a channel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LeftOut {
    pub incomplete: usize,
    pub invalid: usize,
}

/// An item by its product file and variant index.
pub(crate) type ItemKey = (usize, Option<usize>);

/// A channel's items, sorted into those it exports and those it leaves out.
pub(crate) struct Selection {
    /// The exported items, in file order, with their SKUs and their parents' SKUs.
    pub(crate) exported: Vec<(ItemKey, String, Option<String>)>,
    pub(crate) left_out: LeftOut,
    /// Items the channel would export that have errors (refusal unless `--skip-invalid`).
    pub(crate) blocked: Vec<String>,
}

#[derive(Serialize)]
struct ChannelSummary {
    channel: String,
    items: usize,
    output: String,
    written: bool,
    left_out: LeftOut,
}

pub fn run(root: &Path, cwd: &Path, args: &ExportArgs) -> Result<ExitStatus> {
    let project = Arc::new(Project::open(root)?);
    let channels = channel::plan(&project, &args.channel, args.all)?;
    let out_dir = match &args.out {
        Some(dir) => cwd.join(dir),
        None => root.join(&project.config.project.output),
    };
    let progress = Progress::new(channels.len() as u64 * 2 + 1);
    progress.step("checking the catalog");
    let validation = validate::validate_catalog(&project, true)?;
    let blocking = blocking_errors(&validation);

    // First pass: which items each channel takes. Values are not kept: a channel's items
    // are resolved again when it renders, so only one channel's values are in memory.
    let mut selections = Vec::new();
    for channel in &channels {
        progress.step(&format!("selecting items for {}", channel.name));
        let items = channel::evaluate(&project, channel, &validation.checked)?;
        selections.push(select(
            &items,
            &validation.checked,
            &blocking,
            args.skip_invalid,
        ));
    }

    let mut errors: Vec<Diagnostic> = validation
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .cloned()
        .collect();
    source::resolve_positions(root, project.config.limits.max_file_size.0, &mut errors);
    errors.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));

    let refused: Vec<String> = channels
        .iter()
        .zip(&selections)
        .filter(|(_, s)| !s.blocked.is_empty())
        .map(|(c, s)| {
            format!(
                "{} ({} with errors: {})",
                c.name,
                thousands(s.blocked.len()),
                preview(&s.blocked)
            )
        })
        .collect();
    if !refused.is_empty() {
        progress.finish();
        print_errors(args.format, &errors)?;
        eprintln!(
            "error: export refused: items that would be exported have errors in {}; nothing was written. Fix them, or pass --skip-invalid to leave them out",
            refused.join("; ")
        );
        return Ok(ExitStatus::Failure);
    }

    // Every channel renders, passes its checks and is staged in a temporary file beside its
    // feed before any feed is replaced; an error drops the staged files. Staging as we go
    // keeps one channel's output in memory at a time.
    let paths = channels
        .iter()
        .map(|c| fsutil::output_path(&out_dir, &c.config.output, &c.name))
        .collect::<Result<Vec<_>>>()?;
    let mut staged = Vec::new();
    for ((channel, selection), path) in channels.iter().zip(&selections).zip(&paths) {
        progress.step(&format!("rendering {}", channel.name));
        let bytes = render_channel(&project, channel, selection, &validation.checked)?;
        fsutil::prepare_folder(&out_dir, path)?;
        staged.push(fsutil::stage(path, &bytes)?);
    }
    let mut summaries = Vec::new();
    for (((channel, selection), path), staged) in
        channels.iter().zip(&selections).zip(&paths).zip(staged)
    {
        let written = staged.commit()?;
        summaries.push(ChannelSummary {
            channel: channel.name.clone(),
            items: selection.exported.len(),
            output: shown_path(cwd, path),
            written,
            left_out: selection.left_out,
        });
    }
    progress.finish();
    print_errors(args.format, &errors)?;
    print_summaries(args.format, &summaries, &errors)?;
    Ok(ExitStatus::Success)
}

/// For each file with errors: `None` when the whole product is affected, else the variant
/// indexes whose own values have errors.
pub(crate) type Blocking = BTreeMap<String, Option<HashSet<usize>>>;

pub(crate) fn blocking_errors(validation: &Validation) -> Blocking {
    let mut out: Blocking = BTreeMap::new();
    for d in validation
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
    {
        let variant = d
            .pointer
            .as_deref()
            .and_then(|p| p.strip_prefix("/variants/"))
            .and_then(|rest| rest.split('/').next())
            .and_then(|i| i.parse::<usize>().ok());
        let entry = out
            .entry(d.file.clone())
            .or_insert_with(|| Some(HashSet::new()));
        match (variant, entry) {
            (Some(i), Some(set)) => {
                set.insert(i);
            }
            (_, entry) => *entry = None,
        }
    }
    out
}

pub(crate) fn select(
    items: &[Item],
    checked: &[Checked],
    blocking: &Blocking,
    skip_invalid: bool,
) -> Selection {
    let mut selection = Selection {
        exported: Vec::new(),
        left_out: LeftOut::default(),
        blocked: Vec::new(),
    };
    for item in items.iter().filter(|i| i.selected) {
        let file = checked.get(item.file_index).map(|c| c.file.rel.as_str());
        let invalid = match file.and_then(|f| blocking.get(f)) {
            None => false,
            Some(None) => true,
            Some(Some(variants)) => item.variant.is_some_and(|v| variants.contains(&v)),
        };
        if invalid {
            selection.left_out.invalid += 1;
            if !skip_invalid {
                selection.blocked.push(item.sku.clone());
            }
        } else if !item.missing.is_empty() {
            selection.left_out.incomplete += 1;
        } else {
            let key = (item.file_index, item.variant);
            selection
                .exported
                .push((key, item.sku.clone(), item.parent_sku.clone()));
        }
    }
    // A file that could not be read as a product may hold an item of any channel.
    for c in checked.iter().filter(|c| c.value.is_none()) {
        selection.left_out.invalid += 1;
        if !skip_invalid {
            selection.blocked.push(c.file.rel.clone());
        }
    }
    selection
}

fn preview(names: &[String]) -> String {
    let mut shown: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
    if names.len() > 3 {
        shown.push("...");
    }
    shown.join(", ")
}

/// The template context of SPEC §4, rendered, checked and encoded.
fn render_channel(
    project: &Arc<Project>,
    channel: &Channel<'_>,
    selection: &Selection,
    checked: &[Checked],
) -> Result<Vec<u8>> {
    // The exported items are resolved again as the template reaches them.
    let source = lazy::Source::new(
        Arc::clone(project),
        channel.target.clone(),
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
        channel.config.bom,
    )));
    let templates = project.root.join(&project.config.project.templates);
    let env = render::environment(&templates, channel.format, &channel.currency, &records);
    let template_error = |e: minijinja::Error| {
        let mut message = format!("[channels.{}] template error", channel.name);
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
        .get_template(&channel.config.template)
        .map_err(template_error)?;
    let printed = template.render(context).map_err(template_error)?;
    let fail = |e: anyhow::Error| {
        anyhow!(
            "[channels.{}] {} produced a bad {:?} output: {e:#}",
            channel.name,
            channel.config.template,
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
            let mut bytes = if channel.config.bom {
                "\u{feff}".as_bytes().to_vec()
            } else {
                Vec::new()
            };
            bytes.extend_from_slice(printed.as_bytes());
            Ok(bytes)
        }
    }
}

fn context(
    project: &Project,
    channel: &Channel<'_>,
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
    let vars = serde_json::to_value(&channel.config.vars).unwrap_or(Value::Null);
    minijinja::context! {
        channel => Serde(json!({
            "name": channel.name,
            "locale": channel.locale,
            "currency": channel.currency,
            "format": format!("{:?}", channel.format).to_lowercase(),
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

fn print_errors(format: Format, errors: &[Diagnostic]) -> Result<()> {
    if errors.is_empty() || format == Format::Json {
        return Ok(());
    }
    let text = report::render_diagnostics(format, errors, &Style::for_stdout());
    crate::print_stdout(&text)
}

fn print_summaries(
    format: Format,
    summaries: &[ChannelSummary],
    errors: &[Diagnostic],
) -> Result<()> {
    let text = match format {
        Format::Json => {
            let mut text = serde_json::to_string_pretty(&json!({
                "channels": summaries,
                "diagnostics": report::json_diagnostics(errors),
            }))
            .unwrap_or_default();
            text.push('\n');
            text
        }
        Format::Human | Format::Github => {
            summaries.iter().map(|s| summary_line(s) + "\n").collect()
        }
    };
    crate::print_stdout(&text)
}

/// `marketplace: 1,180 items → dist/marketplace.csv (24 left out: 18 incomplete, 6 invalid)`
fn summary_line(s: &ChannelSummary) -> String {
    let mut line = format!(
        "{}: {} {} → {}",
        s.channel,
        thousands(s.items),
        if s.items == 1 { "item" } else { "items" },
        s.output
    );
    let left = s.left_out.incomplete + s.left_out.invalid;
    if left > 0 {
        line.push_str(&format!(
            " ({} left out: {} incomplete, {} invalid)",
            thousands(left),
            thousands(s.left_out.incomplete),
            thousands(s.left_out.invalid)
        ));
    }
    if !s.written {
        line.push_str(" (unchanged)");
    }
    line
}

/// A progress bar on stderr, only on a terminal.
struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    fn new(steps: u64) -> Progress {
        use std::io::IsTerminal;
        if !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = indicatif::ProgressBar::new(steps);
        if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} [{bar:30}] {msg}") {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Progress(Some(bar))
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
