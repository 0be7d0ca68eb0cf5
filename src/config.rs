//! `pim.toml`: the model, discovery upward, and every check of the project and its channels, once.

use crate::diag::Rule;
use crate::resolve::{self, Target};
use crate::suggest;
use crate::units;
use anyhow::{Context, Result, anyhow, bail};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

pub const FILE_NAME: &str = "pim.toml";

/// `pim.toml` read and checked: every channel is a [`ChannelSpec`] ready to use.
#[derive(Debug)]
pub struct ProjectConfig {
    pub project: ProjectSettings,
    pub limits: Limits,
    pub rules: BTreeMap<String, Level>,
    /// Each channel by its name in `pim.toml`: one [`ChannelSpec`], or one per locale for a
    /// channel with `locales`, in the order they are listed.
    pub channels: BTreeMap<String, Vec<ChannelSpec>>,
}

/// `pim.toml` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    project: ProjectSettings,
    #[serde(default)]
    limits: Limits,
    #[serde(default)]
    rules: BTreeMap<String, Level>,
    #[serde(default)]
    channels: BTreeMap<String, ChannelConfig>,
}

/// `[project]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectSettings {
    pub name: String,
    pub locales: Vec<String>,
    pub default_locale: String,
    pub currencies: Vec<String>,
    #[serde(default)]
    pub fallbacks: BTreeMap<String, String>,
    #[serde(default = "default_catalog")]
    pub catalog: PathBuf,
    #[serde(default = "default_schemas")]
    pub schemas: PathBuf,
    #[serde(default = "default_templates")]
    pub templates: PathBuf,
    #[serde(default = "default_assets")]
    pub assets: PathBuf,
    #[serde(default = "default_categories")]
    pub categories: PathBuf,
    #[serde(default = "default_output")]
    pub output: PathBuf,
}

fn default_catalog() -> PathBuf {
    "catalog".into()
}
fn default_schemas() -> PathBuf {
    "schemas".into()
}
fn default_templates() -> PathBuf {
    "templates".into()
}
fn default_assets() -> PathBuf {
    "assets".into()
}
fn default_categories() -> PathBuf {
    "categories.yaml".into()
}
fn default_output() -> PathBuf {
    "dist".into()
}

/// Parsing budgets for product files.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    #[serde(default = "default_max_file_size")]
    pub max_file_size: ByteSize,
    #[serde(default = "default_max_depth")]
    pub max_depth: usize,
    #[serde(default = "default_max_nodes")]
    pub max_nodes: usize,
    #[serde(default = "default_max_aliases")]
    pub max_aliases: usize,
    /// The size of a file's values with every alias written out; default twice
    /// `max_file_size`.
    #[serde(default)]
    pub max_expanded_size: Option<ByteSize>,
}

impl Limits {
    /// `max_expanded_size`, or its default: twice `max_file_size`, so a file without aliases
    /// always fits and aliases can at most double what a file holds.
    pub fn expanded_size(&self) -> u64 {
        self.max_expanded_size
            .map_or(self.max_file_size.0.saturating_mul(2), |size| size.0)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_size: default_max_file_size(),
            max_depth: default_max_depth(),
            max_nodes: default_max_nodes(),
            max_aliases: default_max_aliases(),
            max_expanded_size: None,
        }
    }
}

fn default_max_file_size() -> ByteSize {
    ByteSize(10 * 1000 * 1000)
}
fn default_max_depth() -> usize {
    64
}
fn default_max_nodes() -> usize {
    250_000
}
fn default_max_aliases() -> usize {
    1000
}

/// A size written as `"10MB"`, `"512KiB"` or a plain number of bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteSize(pub u64);

impl ByteSize {
    pub fn parse(text: &str) -> Option<ByteSize> {
        let text = text.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (digits, unit) = text.split_at(split);
        let number: u64 = digits.parse().ok()?;
        let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "kb" => 1000,
            "mb" => 1000 * 1000,
            "gb" => 1000 * 1000 * 1000,
            "kib" => 1 << 10,
            "mib" => 1 << 20,
            "gib" => 1 << 30,
            _ => return None,
        };
        number.checked_mul(factor).map(ByteSize)
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Number(n) => Ok(ByteSize(n)),
            Raw::Text(t) => ByteSize::parse(&t).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "`{t}` is not a size; write it like \"10MB\", \"512KiB\" or a number of bytes"
                ))
            }),
        }
    }
}

/// What `[rules]` may set a rule to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Off,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    Csv,
    Tsv,
    Json,
    Jsonl,
    Xml,
    Html,
}

impl OutputFormat {
    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Csv => "csv",
            OutputFormat::Tsv => "tsv",
            OutputFormat::Json => "json",
            OutputFormat::Jsonl => "jsonl",
            OutputFormat::Xml => "xml",
            OutputFormat::Html => "html",
        }
    }

    /// `marketplace.csv.j2` → csv.
    pub fn from_template(template: &str) -> Option<OutputFormat> {
        let name = template.rsplit('/').next().unwrap_or(template);
        let stem = [".j2", ".jinja2", ".jinja"]
            .iter()
            .find_map(|ext| name.strip_suffix(ext))
            .unwrap_or(name);
        match stem.rsplit_once('.')?.1.to_ascii_lowercase().as_str() {
            "csv" => Some(OutputFormat::Csv),
            "tsv" => Some(OutputFormat::Tsv),
            "json" => Some(OutputFormat::Json),
            "jsonl" | "ndjson" => Some(OutputFormat::Jsonl),
            "xml" | "rss" => Some(OutputFormat::Xml),
            "html" | "htm" => Some(OutputFormat::Html),
            _ => None,
        }
    }
}

/// The default filter: only active items.
pub const DEFAULT_FILTER: &str = "status == 'active'";

/// `[channels.NAME]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChannelConfig {
    template: String,
    output: String,
    format: Option<OutputFormat>,
    locale: Option<String>,
    locales: Option<Vec<String>>,
    currency: Option<String>,
    currencies: Option<Vec<String>>,
    filter: Option<String>,
    #[serde(default)]
    units: BTreeMap<String, String>,
    #[serde(default)]
    decimals: BTreeMap<String, i64>,
    formula_guard: Option<bool>,
    #[serde(default)]
    bom: bool,
    #[serde(default)]
    required: Vec<String>,
    #[serde(default)]
    vars: toml::Table,
}

/// The most decimal places `decimals` may ask for.
pub const MAX_DECIMALS: u32 = 20;

/// A channel of `pim.toml`, checked: everything export, validate and diff need, resolved.
/// A channel with `locales` is one `ChannelSpec` per locale.
#[derive(Debug, Clone)]
pub struct ChannelSpec {
    /// The name in `pim.toml`, as `--channel`, filters and `channels:` blocks use it.
    pub name: String,
    /// How the channel is named to the user: the name, or `webshop (de-DE)` for one locale
    /// of a channel with `locales`.
    pub label: String,
    /// Under the templates folder.
    pub template: String,
    /// Relative to the output folder, confined to it.
    pub output: PathBuf,
    pub format: OutputFormat,
    pub locale: String,
    /// Every locale of the channel (`locales`, or just `locale`).
    pub locales: Vec<String>,
    /// The first of `currencies`.
    pub currency: String,
    /// Every currency the channel uses (`currencies`, or just `currency`).
    pub currencies: Vec<String>,
    /// What the channel asks of values: locale chain, currencies, units, decimals.
    pub target: Target,
    /// A minijinja expression that compiles.
    pub filter: String,
    pub formula_guard: bool,
    pub bom: bool,
    pub required: Vec<String>,
    pub vars: toml::Table,
}

impl ProjectConfig {
    /// Reads and checks the `pim.toml` of the project at `root`: every problem is an error
    /// that names the key and, for a typo, the closest known key.
    pub fn load(root: &Path) -> Result<ProjectConfig> {
        let path = root.join(FILE_NAME);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Self::parse(&text, root).map_err(|e| anyhow!("{}: {e:#}", path.display()))
    }

    /// Checks `pim.toml`'s text; `root` is where templates are looked up.
    pub fn parse(text: &str, root: &Path) -> Result<ProjectConfig> {
        let mut raw: RawConfig =
            toml::from_str(text).map_err(|e| anyhow!("{}", with_key_suggestion(&e.to_string())))?;
        raw.project.normalize_paths()?;
        raw.project.check_links(root)?;
        raw.check_project()?;
        let mut channels = BTreeMap::new();
        for (name, channel) in &raw.channels {
            let specs = raw
                .channel_specs(name, channel, root)
                .map_err(|e| anyhow!("[channels.{name}] {e:#}"))?;
            channels.insert(name.clone(), specs);
        }
        check_outputs_are_distinct(channels.values().flatten())?;
        Ok(ProjectConfig {
            project: raw.project,
            limits: raw.limits,
            rules: raw.rules,
            channels,
        })
    }

    /// A locale that values may use or a channel may ask for.
    pub fn is_locale(&self, locale: &str) -> bool {
        self.project.is_locale(locale)
    }

    /// The severity `[rules]` gives a rule: `None` when it is turned off.
    pub fn level(&self, rule: &Rule) -> Option<crate::diag::Severity> {
        use crate::diag::Severity;
        match self.rules.get(&rule.id()) {
            Some(Level::Off) => None,
            Some(Level::Error) => Some(Severity::Error),
            Some(Level::Warning) => Some(Severity::Warning),
            None => Some(rule.default_severity()),
        }
    }

    /// Every channel, in name order; a channel with `locales` once per locale, in the order
    /// they are listed.
    pub fn specs(&self) -> impl Iterator<Item = &ChannelSpec> {
        self.channels.values().flatten()
    }

    /// The channels named (each once, in the order given), or all of them in name order. A
    /// name selects every locale of a channel with `locales`; a label (`webshop (de-DE)`)
    /// selects one. An unknown name is an error with the closest channel suggested.
    pub fn select_channels(&self, names: &[String], all: bool) -> Result<Vec<&ChannelSpec>> {
        if all {
            if self.channels.is_empty() {
                bail!("pim.toml defines no channels; add a [channels.NAME] table");
            }
            return Ok(self.specs().collect());
        }
        let mut out: Vec<&ChannelSpec> = Vec::new();
        for name in names {
            let specs: Vec<&ChannelSpec> = match self.channels.get(name) {
                Some(specs) => specs.iter().collect(),
                None => self.specs().filter(|s| &s.label == name).collect(),
            };
            if specs.is_empty() {
                let known: Vec<&str> = self.channels.keys().map(String::as_str).collect();
                // A long list would bury the message: a dozen names, then a count.
                const SHOWN: usize = 12;
                let list = match known.len() {
                    0 => "(none)".to_owned(),
                    n if n <= SHOWN => known.join(", "),
                    n => format!(
                        "{}, and {} more in pim.toml",
                        known.get(..SHOWN).unwrap_or(&known).join(", "),
                        n - SHOWN
                    ),
                };
                bail!(
                    "no channel `{name}` in pim.toml{}; the channels are: {list}",
                    suggest::did_you_mean(name, known.iter().copied()),
                );
            }
            for spec in specs {
                if !out.iter().any(|c| c.label == spec.label) {
                    out.push(spec);
                }
            }
        }
        Ok(out)
    }
}

impl ChannelSpec {
    /// The channel's table in `pim.toml`, for messages: `[channels.webshop]`, and for one
    /// locale of a channel with `locales`, `[channels.webshop] (de-DE)`.
    pub fn section(&self) -> String {
        match self.label.strip_prefix(self.name.as_str()) {
            Some(rest) if !rest.is_empty() => format!("[channels.{}]{rest}", self.name),
            _ => format!("[channels.{}]", self.name),
        }
    }
}

impl ProjectSettings {
    fn is_locale(&self, locale: &str) -> bool {
        self.locales.iter().any(|l| l == locale) || self.fallbacks.contains_key(locale)
    }

    /// Each `[project]` path made plain and relative once (`./catalog/` → `catalog`), so every
    /// command and both sides of `pim diff` name files alike; a path that leaves the project
    /// folder (absolute, or climbing with `..`) is refused (SPEC §4).
    pub fn normalize_paths(&mut self) -> Result<()> {
        let p = self;
        for (key, path) in [
            ("catalog", &mut p.catalog),
            ("schemas", &mut p.schemas),
            ("templates", &mut p.templates),
            ("assets", &mut p.assets),
            ("categories", &mut p.categories),
            ("output", &mut p.output),
        ] {
            *path = inside_project(key, path)?;
        }
        Ok(())
    }

    /// `[project]` paths that exist must not lead out of the project folder through a
    /// symlink (a dangling link counts as leading out: pim would create its target).
    fn check_links(&self, root: &Path) -> Result<()> {
        let real_root = root
            .canonicalize()
            .with_context(|| format!("cannot read the project folder {}", root.display()))?;
        let p = self;
        for (key, path) in [
            ("catalog", &p.catalog),
            ("schemas", &p.schemas),
            ("templates", &p.templates),
            ("assets", &p.assets),
            ("categories", &p.categories),
            ("output", &p.output),
        ] {
            let mut at = root.to_path_buf();
            for component in path.components() {
                at.push(component);
                match at.symlink_metadata() {
                    Ok(meta) if meta.file_type().is_symlink() => {
                        let inside = at
                            .canonicalize()
                            .is_ok_and(|real| real.starts_with(&real_root));
                        if !inside {
                            bail!(
                                "[project] {key} = \"{}\" leads out of the project folder through the symlink {}; every path in [project] must stay inside the project",
                                path.display(),
                                at.display()
                            );
                        }
                    }
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
        }
        Ok(())
    }
}

impl RawConfig {
    /// `[project]` and `[rules]`: what the types alone cannot check.
    fn check_project(&self) -> Result<()> {
        let p = &self.project;
        if p.locales.is_empty() {
            bail!("[project] locales is empty; list at least one locale, e.g. [\"en-US\"]");
        }
        if p.currencies.is_empty() {
            bail!("[project] currencies is empty; list at least one currency, e.g. [\"USD\"]");
        }
        if !p.locales.contains(&p.default_locale) {
            bail!(
                "[project] default_locale `{}` is not in [project] locales; add it to locales",
                p.default_locale
            );
        }
        for (from, to) in &p.fallbacks {
            if !p.locales.contains(to) && !p.fallbacks.contains_key(to) {
                bail!(
                    "[project] fallbacks: `{from}` falls back to `{to}`, which is neither a configured locale nor another fallback{}",
                    suggest::did_you_mean(to, p.locales.iter().map(String::as_str))
                );
            }
        }
        check_fallback_cycles(&p.fallbacks)?;
        for id in self.rules.keys() {
            if Rule::from_id(id).is_none() {
                let ids: Vec<String> = Rule::ALL.iter().map(Rule::id).collect();
                bail!(
                    "[rules] `{id}` is not a rule id{}; `pim validate --explain RULE` lists what each rule means",
                    suggest::did_you_mean(id, ids.iter().map(String::as_str))
                );
            }
        }
        Ok(())
    }

    /// One channel, checked: format, locales, currencies, units, decimals, filter, template
    /// and output; one [`ChannelSpec`] per locale.
    fn channel_specs(
        &self,
        name: &str,
        c: &ChannelConfig,
        root: &Path,
    ) -> Result<Vec<ChannelSpec>> {
        let p = &self.project;
        let format = match c.format {
            Some(f) => f,
            None => OutputFormat::from_template(&c.template).ok_or_else(|| {
                anyhow!(
                    "format: cannot tell the format from the template name `{}`; set `format` to csv, tsv, json, jsonl, xml or html",
                    c.template
                )
            })?,
        };
        let locales = self.channel_locales(c)?;
        let currencies = self.channel_currencies(c)?;
        let currency = currencies.first().cloned().unwrap_or_default();
        for (key, unit) in &c.units {
            let Some(dimension) = units::dimension(unit) else {
                bail!(
                    "units: `{key} = \"{unit}\"` is not a known unit{} (known: {})",
                    suggest::did_you_mean(unit, units::UNITS.iter().map(|u| u.0)),
                    units::known_list()
                );
            };
            if let Some(wanted) = units::dimension_named(key)
                && wanted != dimension
            {
                bail!(
                    "units: `{key} = \"{unit}\"` asks for a {} unit for {key} values; use one of {}",
                    dimension.name(),
                    units::of_dimension(wanted)
                );
            }
        }
        let decimals = channel_decimals(&c.decimals)?;
        let filter = c
            .filter
            .clone()
            .unwrap_or_else(|| DEFAULT_FILTER.to_owned());
        minijinja::Environment::new()
            .compile_expression(&filter)
            .map_err(|e| anyhow!("filter `{filter}` is not a valid expression: {e}"))?;
        check_template(root, &p.templates, &c.template)?;
        if c.locales.is_some() && !c.output.contains(LOCALE_PLACEHOLDER) {
            bail!(
                "output `{}` has no `{LOCALE_PLACEHOLDER}`, but the channel has `locales`: each locale needs its own file; write it like \"shop/{LOCALE_PLACEHOLDER}.html\"",
                c.output
            );
        }
        locales
            .iter()
            .map(|locale| {
                let output = confined_output(&c.output.replace(LOCALE_PLACEHOLDER, locale))?;
                Ok(ChannelSpec {
                    name: name.to_owned(),
                    label: if c.locales.is_some() {
                        format!("{name} ({locale})")
                    } else {
                        name.to_owned()
                    },
                    template: c.template.clone(),
                    output,
                    format,
                    locale: locale.clone(),
                    locales: locales.clone(),
                    currency: currency.clone(),
                    currencies: currencies.clone(),
                    target: Target {
                        locales: resolve::locale_chain(locale, &p.fallbacks, &p.default_locale),
                        currency: currency.clone(),
                        currencies: currencies.clone(),
                        units: c.units.clone(),
                        decimals: decimals.clone(),
                    },
                    filter: filter.clone(),
                    formula_guard: c.formula_guard.unwrap_or(format == OutputFormat::Csv),
                    bom: c.bom,
                    required: c.required.clone(),
                    vars: c.vars.clone(),
                })
            })
            .collect()
    }

    /// `locale` or `locales` (not both), each a configured locale or fallback, listed once.
    fn channel_locales(&self, c: &ChannelConfig) -> Result<Vec<String>> {
        let p = &self.project;
        let locales = match (&c.locale, &c.locales) {
            (Some(_), Some(_)) => bail!(
                "`locale` and `locales` are both set; keep `locales` for one output per locale, or `locale` for one output"
            ),
            (Some(locale), None) => vec![locale.clone()],
            (None, Some(locales)) if locales.is_empty() => bail!(
                "locales is empty; list the locales to render, e.g. [\"{}\"], or remove it for the default locale",
                p.default_locale
            ),
            (None, Some(locales)) => locales.clone(),
            (None, None) => vec![p.default_locale.clone()],
        };
        let key = if c.locales.is_some() { "locales: " } else { "" };
        for (i, locale) in locales.iter().enumerate() {
            if !p.is_locale(locale) {
                bail!(
                    "{key}locale `{locale}` is not in [project] locales or fallbacks{}",
                    suggest::did_you_mean(locale, p.locales.iter().map(String::as_str))
                );
            }
            if locales.iter().take(i).any(|l| l == locale) {
                bail!("locales: `{locale}` is listed twice; list each locale once");
            }
        }
        Ok(locales)
    }

    /// `currency` or `currencies` (not both), each a configured currency, listed once; the
    /// first is the channel's currency.
    fn channel_currencies(&self, c: &ChannelConfig) -> Result<Vec<String>> {
        let p = &self.project;
        let currencies = match (&c.currency, &c.currencies) {
            (Some(_), Some(_)) => bail!(
                "`currency` and `currencies` are both set; keep `currencies` (the first is the channel's currency) or `currency`"
            ),
            (Some(currency), None) => vec![currency.clone()],
            (None, Some(currencies)) if currencies.is_empty() => bail!(
                "currencies is empty; list the currencies the channel uses, e.g. [\"{}\"], or remove it for the first project currency",
                p.currencies.first().map(String::as_str).unwrap_or("USD")
            ),
            (None, Some(currencies)) => currencies.clone(),
            (None, None) => p.currencies.first().cloned().into_iter().collect(),
        };
        let key = if c.currencies.is_some() {
            "currencies: "
        } else {
            ""
        };
        for (i, currency) in currencies.iter().enumerate() {
            if !p.currencies.contains(currency) {
                bail!(
                    "{key}currency `{currency}` is not in [project] currencies{}",
                    suggest::did_you_mean(currency, p.currencies.iter().map(String::as_str))
                );
            }
            if currencies.iter().take(i).any(|x| x == currency) {
                bail!("currencies: `{currency}` is listed twice; list each currency once");
            }
        }
        Ok(currencies)
    }
}

/// Where a channel with `locales` puts the locale in its `output`.
pub const LOCALE_PLACEHOLDER: &str = "{locale}";

/// `decimals`: keys like `units` keys (an attribute, or a dimension: mass, length, volume),
/// each a number of places from 0 to [`MAX_DECIMALS`].
fn channel_decimals(decimals: &BTreeMap<String, i64>) -> Result<BTreeMap<String, u32>> {
    decimals
        .iter()
        .map(|(key, &places)| {
            if key.trim().is_empty() {
                bail!(
                    "decimals: a key is empty; name an attribute (like `weight`) or a dimension (mass, length, volume)"
                );
            }
            match u32::try_from(places) {
                Ok(p) if p <= MAX_DECIMALS => Ok((key.clone(), p)),
                _ => bail!(
                    "decimals: `{key} = {places}` is not a number of decimal places; use a whole number from 0 to {MAX_DECIMALS}"
                ),
            }
        })
        .collect()
}

/// A fallback chain that comes back to a locale it passed is an error naming the locales.
fn check_fallback_cycles(fallbacks: &BTreeMap<String, String>) -> Result<()> {
    for start in fallbacks.keys() {
        let mut seen = vec![start.as_str()];
        let mut current = start.as_str();
        while let Some(next) = fallbacks.get(current) {
            if seen.contains(&next.as_str()) {
                seen.push(next);
                bail!(
                    "[project] fallbacks: `{start}` falls back in a cycle ({}); every chain must end at the default locale",
                    seen.join(" → ")
                );
            }
            seen.push(next);
            current = next;
        }
    }
    Ok(())
}

/// The template must be a file under the templates folder, named without `..`.
fn check_template(root: &Path, templates: &Path, template: &str) -> Result<()> {
    let rel = Path::new(template);
    let plain = !template.is_empty()
        && !template.contains('\\')
        && rel
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if !plain {
        bail!(
            "template `{template}` leads out of the templates folder; name a file under {}",
            templates.display()
        );
    }
    let dir = root.join(templates);
    if !dir.join(rel).is_file() {
        let known: Vec<String> = walkdir::WalkDir::new(&dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .filter_map(|e| {
                e.path()
                    .strip_prefix(&dir)
                    .ok()
                    .map(|p| p.to_string_lossy().into_owned())
            })
            .collect();
        bail!(
            "template `{template}` does not exist under {}{}",
            templates.display(),
            suggest::did_you_mean(template, known.iter().map(String::as_str))
        );
    }
    Ok(())
}

/// `output`, a relative path that stays in the output folder.
fn confined_output(output: &str) -> Result<PathBuf> {
    let rel = Path::new(output);
    let confined = !output.is_empty()
        && !output.contains('\\')
        && rel
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        && rel.components().any(|c| matches!(c, Component::Normal(_)));
    if !confined {
        bail!(
            "output `{output}` leads out of the output folder; write a relative path like \"feed.csv\""
        );
    }
    Ok(rel
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .collect())
}

/// Two channels (or two locales of one) writing one file would overwrite each other's feed.
fn check_outputs_are_distinct<'a>(specs: impl Iterator<Item = &'a ChannelSpec>) -> Result<()> {
    let mut seen: BTreeMap<&Path, &ChannelSpec> = BTreeMap::new();
    for spec in specs {
        if let Some(other) = seen.insert(&spec.output, spec) {
            bail!(
                "{} output `{}` is also the output of {}; give each channel its own file",
                spec.section(),
                spec.output.display(),
                other.section()
            );
        }
    }
    Ok(())
}

/// toml's "unknown field `x`, expected one of `a`, `b`" gains the closest key.
fn with_key_suggestion(message: &str) -> String {
    let message = message.trim_end();
    let Some(rest) = message.split("unknown field `").nth(1) else {
        return message.to_owned();
    };
    let Some((field, expected)) = rest.split_once('`') else {
        return message.to_owned();
    };
    let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    match suggest::closest(field, known) {
        Some(key) => format!("{message}\ndid you mean `{key}`?"),
        None => message.to_owned(),
    }
}

/// `path` without `.` and resolved `..`, or an error naming `[project] key` when it is
/// absolute or climbs out of the project folder.
pub fn inside_project(key: &str, path: &Path) -> Result<PathBuf> {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir if out.pop() => {}
            _ => bail!(
                "[project] {key} = \"{}\" is not inside the project folder; write a path relative to the folder of pim.toml, like \"{key}\"",
                path.display()
            ),
        }
    }
    Ok(out)
}

/// The nearest folder at or above `start` that holds a `pim.toml`.
pub fn discover(start: &Path) -> Result<PathBuf> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        if d.join(FILE_NAME).is_file() {
            return Ok(d.to_path_buf());
        }
        dir = d.parent();
    }
    bail!(
        "could not find {FILE_NAME} in {} or any parent folder; run pim inside a catalog project or pass -C DIR",
        start.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ProjectConfig> {
        ProjectConfig::parse(text, Path::new("."))
    }

    const MINIMAL: &str = "[project]\nname = \"x\"\nlocales = [\"en-US\"]\ndefault_locale = \"en-US\"\ncurrencies = [\"USD\"]\n";

    #[test]
    fn defaults_apply() {
        let c = parse(MINIMAL).unwrap();
        assert_eq!(c.limits.max_file_size, ByteSize(10_000_000));
        assert_eq!(c.limits.max_depth, 64);
        assert_eq!(c.limits.expanded_size(), 20_000_000);
        let c = parse(&format!("{MINIMAL}[limits]\nmax_file_size = \"1MB\"\n")).unwrap();
        assert_eq!(c.limits.expanded_size(), 2_000_000);
        let c = parse(&format!("{MINIMAL}[limits]\nmax_expanded_size = \"5MB\"\n")).unwrap();
        assert_eq!(c.limits.expanded_size(), 5_000_000);
        assert_eq!(c.project.catalog, PathBuf::from("catalog"));
        assert_eq!(c.project.output, PathBuf::from("dist"));
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = parse(&format!("{MINIMAL}colour = 1\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("colour"), "{err}");
        let err = parse(&format!("{MINIMAL}[limits]\nmax_dept = 3\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("max_dept"), "{err}");
    }

    #[test]
    fn rules_must_be_known() {
        let err = parse(&format!("{MINIMAL}[rules]\nno-such = \"off\"\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("no-such"), "{err}");
        let c = parse(&format!(
            "{MINIMAL}[rules]\nfile-name-mismatch = \"off\"\nschema-pattern = \"warning\"\n"
        ))
        .unwrap();
        assert_eq!(c.level(&Rule::FileNameMismatch), None);
        assert_eq!(
            c.level(&Rule::Schema("pattern".into())),
            Some(crate::diag::Severity::Warning)
        );
    }

    #[test]
    fn project_paths_are_plain_and_inside() {
        let c = parse(&MINIMAL.replace(
            "[project]\n",
            "[project]\ncatalog = \"./catalog/\"\nschemas = \"a/../schemas\"\n",
        ))
        .unwrap();
        assert_eq!(c.project.catalog, PathBuf::from("catalog"));
        assert_eq!(c.project.schemas, PathBuf::from("schemas"));
        for bad in ["/etc", "..", "a/../../b", "../../../../"] {
            let err = parse(&MINIMAL.replace(
                "[project]\n",
                &format!("[project]\ntemplates = \"{bad}\"\n"),
            ))
            .unwrap_err()
            .to_string();
            assert!(err.contains("[project] templates"), "{bad}: {err}");
        }
    }

    #[test]
    fn sizes_parse() {
        assert_eq!(ByteSize::parse("10MB"), Some(ByteSize(10_000_000)));
        assert_eq!(ByteSize::parse("512KiB"), Some(ByteSize(524_288)));
        assert_eq!(ByteSize::parse("12"), Some(ByteSize(12)));
        assert_eq!(ByteSize::parse("ten"), None);
    }

    #[test]
    fn default_locale_must_be_listed() {
        let err =
            parse(&MINIMAL.replace("default_locale = \"en-US\"", "default_locale = \"de-DE\""))
                .unwrap_err()
                .to_string();
        assert!(err.contains("default_locale"), "{err}");
    }
}

#[cfg(test)]
mod channel_tests {
    use super::*;

    const MINIMAL: &str = "[project]\nname = \"x\"\nlocales = [\"en-US\", \"de-DE\"]\ndefault_locale = \"en-US\"\ncurrencies = [\"USD\"]\n";

    /// A project folder with `templates/feed.csv.j2`, and `pim.toml` text with `extra`.
    fn check(extra: &str) -> Result<ProjectConfig> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("templates")).unwrap();
        std::fs::write(dir.path().join("templates/feed.csv.j2"), "").unwrap();
        ProjectConfig::parse(&format!("{MINIMAL}{extra}"), dir.path())
    }

    fn error(extra: &str) -> String {
        format!("{:#}", check(extra).unwrap_err())
    }

    const CHANNEL: &str = "[channels.a]\ntemplate = \"feed.csv.j2\"\noutput = \"a.csv\"\n";

    #[test]
    fn a_good_channel_is_resolved() {
        let c = check(CHANNEL).unwrap();
        let a = &c.channels["a"][0];
        assert_eq!(a.label, "a");
        assert_eq!(a.currencies, vec!["USD"]);
        assert_eq!(a.format, OutputFormat::Csv);
        assert_eq!(a.locale, "en-US");
        assert_eq!(a.currency, "USD");
        assert_eq!(a.filter, DEFAULT_FILTER);
        assert!(a.formula_guard);
        assert_eq!(a.output, PathBuf::from("a.csv"));
    }

    #[test]
    fn every_channel_key_is_checked() {
        let e = error(&format!("{CHANNEL}filter = \"status == \"\n"));
        assert!(e.contains("[channels.a]") && e.contains("filter"), "{e}");
        let e = error("[channels.a]\ntemplate = \"nope.csv.j2\"\noutput = \"a.csv\"\n");
        assert!(e.contains("template") && e.contains("nope.csv.j2"), "{e}");
        let e = error("[channels.a]\ntemplate = \"feed.csv.j2\"\noutput = \"../a.csv\"\n");
        assert!(e.contains("output") && e.contains("leads out"), "{e}");
        let e = error(&format!("{CHANNEL}units = {{ mass = \"ml\" }}\n"));
        assert!(e.contains("units") && e.contains("mass"), "{e}");
        let e = error(&format!("{CHANNEL}units = {{ weight = \"kgs\" }}\n"));
        assert!(e.contains("did you mean `kg`"), "{e}");
        let e = error(&format!(
            "{CHANNEL}[channels.b]\ntemplate = \"feed.csv.j2\"\noutput = \"./a.csv\"\n"
        ));
        assert!(
            e.contains("[channels.b]") && e.contains("[channels.a]"),
            "{e}"
        );
    }

    #[test]
    fn typos_get_suggestions() {
        let e = error(&format!("{CHANNEL}requried = []\n"));
        assert!(e.contains("did you mean `required`?"), "{e}");
        let c = check(CHANNEL).unwrap();
        let e = c
            .select_channels(&["b".into(), "aa".into()], false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("no channel `b`"), "{e}");
    }

    #[test]
    fn outputs_stay_in_the_folder() {
        assert!(confined_output("feeds/a.csv").is_ok());
        for bad in ["../a.csv", "/etc/passwd", "a/../../b", "", "."] {
            let err = confined_output(bad).unwrap_err().to_string();
            assert!(
                err.contains("leads out of the output folder"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn formats_from_template_names() {
        assert_eq!(
            OutputFormat::from_template("marketplace.csv.j2"),
            Some(OutputFormat::Csv)
        );
        assert_eq!(
            OutputFormat::from_template("feeds/google.tsv.jinja"),
            Some(OutputFormat::Tsv)
        );
        assert_eq!(
            OutputFormat::from_template("shop.html"),
            Some(OutputFormat::Html)
        );
        assert_eq!(
            OutputFormat::from_template("api.jsonl.j2"),
            Some(OutputFormat::Jsonl)
        );
        assert_eq!(OutputFormat::from_template("feed.j2"), None);
    }

    #[test]
    fn fallback_cycles_are_refused() {
        let text = MINIMAL.replace(
            "currencies",
            "fallbacks = { \"fr-BE\" = \"fr-CH\", \"fr-CH\" = \"fr-BE\" }\ncurrencies",
        );
        let dir = tempfile::tempdir().unwrap();
        let e = format!("{:#}", ProjectConfig::parse(&text, dir.path()).unwrap_err());
        assert!(e.contains("cycle") && e.contains("fr-BE"), "{e}");
    }

    const TWO_CURRENCIES: &str = "[project]\nname = \"x\"\nlocales = [\"en-US\", \"de-DE\"]\ndefault_locale = \"en-US\"\ncurrencies = [\"USD\", \"EUR\"]\n";

    fn check_two(extra: &str) -> Result<ProjectConfig> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("templates")).unwrap();
        std::fs::write(dir.path().join("templates/feed.csv.j2"), "").unwrap();
        ProjectConfig::parse(&format!("{TWO_CURRENCIES}{extra}"), dir.path())
    }

    #[test]
    fn a_channel_with_locales_is_one_spec_per_locale() {
        let c = check(
            "[channels.shop]\ntemplate = \"feed.csv.j2\"\noutput = \"shop/{locale}.csv\"\nlocales = [\"de-DE\", \"en-US\"]\n[channels.b]\ntemplate = \"feed.csv.j2\"\noutput = \"b-{locale}.csv\"\n",
        )
        .unwrap();
        let shop = &c.channels["shop"];
        let shown: Vec<(&str, &str, &str, PathBuf)> = shop
            .iter()
            .map(|s| {
                (
                    s.name.as_str(),
                    s.label.as_str(),
                    s.locale.as_str(),
                    s.output.clone(),
                )
            })
            .collect();
        assert_eq!(
            shown,
            vec![
                (
                    "shop",
                    "shop (de-DE)",
                    "de-DE",
                    PathBuf::from("shop/de-DE.csv")
                ),
                (
                    "shop",
                    "shop (en-US)",
                    "en-US",
                    PathBuf::from("shop/en-US.csv")
                ),
            ]
        );
        assert_eq!(shop[0].target.locales, vec!["de-DE", "en-US"]);
        assert_eq!(shop[1].locales, vec!["de-DE", "en-US"]);
        assert_eq!(shop[0].section(), "[channels.shop] (de-DE)");
        // `{locale}` in a one-locale channel's output is its locale.
        assert_eq!(c.channels["b"][0].output, PathBuf::from("b-en-US.csv"));
        assert_eq!(c.channels["b"][0].section(), "[channels.b]");
        let labels = |names: &[&str]| -> Vec<String> {
            let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
            c.select_channels(&names, false)
                .unwrap()
                .iter()
                .map(|s| s.label.clone())
                .collect()
        };
        assert_eq!(labels(&["shop"]), vec!["shop (de-DE)", "shop (en-US)"]);
        assert_eq!(
            labels(&["shop (en-US)", "b", "shop"]),
            vec!["shop (en-US)", "b", "shop (de-DE)"]
        );
        let all: Vec<&str> = c
            .select_channels(&[], true)
            .unwrap()
            .iter()
            .map(|s| s.label.as_str())
            .collect();
        assert_eq!(all, vec!["b", "shop (de-DE)", "shop (en-US)"]);
        let e = c
            .select_channels(&["shop (fr-FR)".into()], false)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("no channel `shop (fr-FR)`") && e.contains("b, shop"),
            "{e}"
        );
    }

    #[test]
    fn locales_are_checked() {
        let base = "[channels.shop]\ntemplate = \"feed.csv.j2\"\n";
        let e = error(&format!(
            "{base}output = \"shop.csv\"\nlocales = [\"en-US\", \"de-DE\"]\n"
        ));
        assert!(
            e.contains("[channels.shop] output `shop.csv` has no `{locale}`"),
            "{e}"
        );
        let e = error(&format!(
            "{base}output = \"{{locale}}.csv\"\nlocale = \"en-US\"\nlocales = [\"de-DE\"]\n"
        ));
        assert!(e.contains("`locale` and `locales` are both set"), "{e}");
        let e = error(&format!(
            "{base}output = \"{{locale}}.csv\"\nlocales = []\n"
        ));
        assert!(e.contains("locales is empty"), "{e}");
        let e = error(&format!(
            "{base}output = \"{{locale}}.csv\"\nlocales = [\"en-US\", \"de-De\"]\n"
        ));
        assert!(
            e.contains("locales: locale `de-De` is not in [project] locales")
                && e.contains("did you mean `de-DE`"),
            "{e}"
        );
        let e = error(&format!(
            "{base}output = \"{{locale}}.csv\"\nlocales = [\"en-US\", \"en-US\"]\n"
        ));
        assert!(e.contains("`en-US` is listed twice"), "{e}");
        // Outputs are distinct after `{locale}` is filled in.
        let e = error(&format!(
            "{base}output = \"{{locale}}.csv\"\nlocales = [\"en-US\", \"de-DE\"]\n[channels.z]\ntemplate = \"feed.csv.j2\"\noutput = \"de-DE.csv\"\n"
        ));
        assert!(
            e.contains(
                "[channels.z] output `de-DE.csv` is also the output of [channels.shop] (de-DE)"
            ),
            "{e}"
        );
    }

    #[test]
    fn currencies_are_checked() {
        let base = "[channels.a]\ntemplate = \"feed.csv.j2\"\noutput = \"a.csv\"\n";
        let c = check_two(&format!("{base}currencies = [\"EUR\", \"USD\"]\n")).unwrap();
        let a = &c.channels["a"][0];
        assert_eq!(
            (a.currency.as_str(), a.currencies.clone()),
            ("EUR", vec!["EUR".to_owned(), "USD".to_owned()])
        );
        assert_eq!(a.target.currency, "EUR");
        assert_eq!(a.target.currencies, a.currencies);
        let e = format!(
            "{:#}",
            check_two(&format!(
                "{base}currency = \"USD\"\ncurrencies = [\"USD\"]\n"
            ))
            .unwrap_err()
        );
        assert!(
            e.contains("[channels.a] `currency` and `currencies` are both set"),
            "{e}"
        );
        let e = format!(
            "{:#}",
            check_two(&format!("{base}currencies = [\"USD\", \"EUX\"]\n")).unwrap_err()
        );
        assert!(
            e.contains(
                "currencies: currency `EUX` is not in [project] currencies; did you mean `EUR`?"
            ),
            "{e}"
        );
        let e = format!(
            "{:#}",
            check_two(&format!("{base}currencies = []\n")).unwrap_err()
        );
        assert!(e.contains("currencies is empty"), "{e}");
        let e = format!(
            "{:#}",
            check_two(&format!("{base}currencies = [\"EUR\", \"EUR\"]\n")).unwrap_err()
        );
        assert!(e.contains("`EUR` is listed twice"), "{e}");
    }

    #[test]
    fn decimals_are_checked() {
        let c = check(&format!(
            "{CHANNEL}decimals = {{ weight = 2, length = 0 }}\n"
        ))
        .unwrap();
        assert_eq!(
            c.channels["a"][0].target.decimals,
            BTreeMap::from([("length".to_owned(), 0), ("weight".to_owned(), 2)])
        );
        for bad in ["-1", "21", "99999999999"] {
            let e = error(&format!("{CHANNEL}decimals = {{ weight = {bad} }}\n"));
            assert!(
                e.contains(&format!("[channels.a] decimals: `weight = {bad}` is not a number of decimal places; use a whole number from 0 to 20")),
                "{e}"
            );
        }
        let e = error(&format!("{CHANNEL}decimals = {{ weight = \"2\" }}\n"));
        assert!(e.contains("decimals"), "{e}");
        let e = error(&format!("{CHANNEL}decimals = {{ \"\" = 2 }}\n"));
        assert!(e.contains("decimals: a key is empty"), "{e}");
        let e = error(&format!("{CHANNEL}decimal = {{ weight = 2 }}\n"));
        assert!(e.contains("did you mean `decimals`?"), "{e}");
    }
}
