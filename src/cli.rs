//! The command line: clap derive types only.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// A product information manager over flat files: one YAML file per product, checked
/// against JSON Schemas and catalog rules.
#[derive(Debug, Parser)]
#[command(name = "pim", version, about, max_term_width = 100)]
pub struct Cli {
    /// Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)
    #[arg(short = 'C', long = "project", value_name = "DIR", global = true)]
    pub project: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the catalog: YAML, JSON Schemas and catalog rules, every problem with its position
    Validate(ValidateArgs),
    /// Render channel feeds (CSV, TSV, JSON, XML, HTML) from the catalog
    Export(ExportArgs),
    /// Compare the catalog at two git revisions: products, fields, problems and channels
    Diff(DiffArgs),
    /// Bring a catalog in from Akeneo or Shopify: a new project, or new files in one
    Import(ImportArgs),
    /// Start a catalog project: settings, schemas, templates, two example products, CI and editor files
    Init(InitArgs),
    /// Add a product file, or a variant, with placeholders for what its schemas require
    New(NewArgs),
    /// Show a product or variant as each channel sees it, and why an item is left out
    Show(ShowArgs),
    /// Catalog quality per channel: completeness, grades A–E, most missing attributes, worst items
    Report(ReportArgs),
    /// Print a completion script for a shell
    Completions(CompletionsArgs),
    /// Print pim's man page (roff)
    Man,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The project folder, created when missing [default: the current folder]
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// The project's name [default: the folder's name]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The new product's SKU (its file is catalog/FAMILY/SKU.yaml)
    #[arg(value_name = "SKU")]
    pub sku: String,

    /// The product's family: a schema in schemas/families/
    #[arg(long, value_name = "FAMILY")]
    pub family: String,

    /// Add SKU as a variant to this product's file instead
    #[arg(long, value_name = "SKU")]
    pub variant_of: Option<String>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A product's or a variant's SKU (any case)
    #[arg(value_name = "SKU")]
    pub sku: String,

    /// Only this channel of pim.toml (repeat for several) [default: every channel]
    #[arg(long, value_name = "NAME")]
    pub channel: Vec<String>,

    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    pub format: ShowFormat,
}

/// `--format` of show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    Human,
    Yaml,
    Json,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Only this channel of pim.toml (repeat for several), or `all` [default: every channel]
    #[arg(long, value_name = "NAME")]
    pub channel: Vec<String>,

    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    pub format: ReportFormat,

    /// Write the report to FILE instead of stdout
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// List the N worst items per channel (the rest are counted)
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub worst: usize,

    /// Add completeness per channel at each of the last N commits that touched the catalog
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub history: Option<u32>,
}

/// `--format` of report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Human,
    Json,
    Markdown,
    Html,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete pim's commands in
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub source: ImportSource,
}

#[derive(Debug, Subcommand)]
pub enum ImportSource {
    /// Akeneo's CSV exports in DIR (attributes.csv, families.csv, products.csv, ...)
    Akeneo(AkeneoArgs),
    /// A Shopify product CSV (classic or 2024 column names)
    Shopify(ShopifyArgs),
}

#[derive(Debug, Args)]
pub struct AkeneoArgs {
    /// The folder of the exports (media under `files/` next to them are copied)
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,

    #[command(flatten)]
    pub common: ImportCommon,
}

#[derive(Debug, Args)]
pub struct ShopifyArgs {
    /// The product CSV exported from Shopify
    #[arg(value_name = "FILE.csv")]
    pub file: PathBuf,

    /// Locale of titles and descriptions [default: the project's default locale, else en-US]
    #[arg(long, value_name = "LOCALE")]
    pub locale: Option<String>,

    /// Currency of prices [default: the project's first currency, else USD]
    #[arg(long, value_name = "CODE")]
    pub currency: Option<String>,

    #[command(flatten)]
    pub common: ImportCommon,
}

#[derive(Debug, Args)]
pub struct ImportCommon {
    /// The project folder to write into, created if needed [default: the current folder]
    #[arg(long, value_name = "PROJECT")]
    pub into: Option<PathBuf>,

    /// Overwrite files that exist and differ (without it they are kept, and listed)
    #[arg(long)]
    pub force: bool,

    /// The project's name in pim.toml [default: the folder's name]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Output format of the report
    #[arg(long, value_enum, default_value = "human")]
    pub format: ImportFormat,
}

/// `--format` of import.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ImportFormat {
    Human,
    Json,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old revision [default: the merge base of HEAD with its upstream branch, else with the remote's default branch, else with main or master]
    #[arg(value_name = "BASE")]
    pub base: Option<String>,

    /// The new revision [default: the working tree, uncommitted edits included]
    #[arg(value_name = "HEAD")]
    pub head: Option<String>,

    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    pub format: DiffFormat,

    /// Warn when a price moves by more than PCT percent
    #[arg(long, value_name = "PCT", default_value_t = 30.0, value_parser = percentage)]
    pub price_alert: f64,

    /// Exit 1 when the change introduces errors
    #[arg(long, value_enum, value_name = "WHAT")]
    pub fail_on: Option<FailOn>,

    /// Check every product of both revisions, without reading or writing the cache in .pim/cache
    #[arg(long)]
    pub no_cache: bool,
}

/// `--format` of validate and export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Github,
}

/// `--format` of diff.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Human,
    Markdown,
    Json,
}

/// A percentage for `--price-alert`: a finite number, 0 or more (`inf` or `nan` would turn
/// every alert off or on without saying so).
fn percentage(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        // pim diff compares in decimal: the number must have a decimal form.
        Ok(pct)
            if pct.is_finite()
                && pct >= 0.0
                && <rust_decimal::Decimal as std::str::FromStr>::from_str(&pct.to_string())
                    .is_ok() =>
        {
            Ok(pct)
        }
        _ => Err(format!(
            "`{text}` is not a percentage; write a number of 0 or more, like 30 or 12.5"
        )),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    NewErrors,
}

impl DiffArgs {
    pub fn fail_on_new_errors(&self) -> bool {
        self.fail_on == Some(FailOn::NewErrors)
    }
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("channels").required(true).args(["channel", "all"])))]
pub struct ExportArgs {
    /// A channel of pim.toml to export (repeat for several)
    #[arg(long, value_name = "NAME")]
    pub channel: Vec<String>,

    /// Export every channel
    #[arg(long)]
    pub all: bool,

    /// Write into DIR instead of the project's output folder
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Leave out items with errors instead of refusing the export
    #[arg(long)]
    pub skip_invalid: bool,

    /// Print at most N diagnostics, and list at most N left-out items per channel
    #[arg(long, value_name = "N")]
    pub max_errors: Option<usize>,

    /// Output format of the report
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Report only on these files or folders (cross-file rules still see the whole catalog)
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,

    /// Print at most N diagnostics (counts and the exit code still include all)
    #[arg(long, value_name = "N")]
    pub max_errors: Option<usize>,

    /// Treat warnings as errors for the exit code
    #[arg(long)]
    pub deny_warnings: bool,

    /// Also check completeness for a channel of pim.toml, or `all` channels
    #[arg(long, value_name = "NAME|all")]
    pub channel: Vec<String>,

    /// Print what a rule means and how to fix it, then exit
    #[arg(long, value_name = "RULE")]
    pub explain: Option<String>,

    /// Print every rule id with its severity, then exit
    #[arg(long)]
    pub list_rules: bool,

    /// Check every file again, without reading or writing the cache in .pim/cache/
    #[arg(long)]
    pub no_cache: bool,
}
