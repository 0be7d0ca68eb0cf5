//! `pim.toml`: the model, discovery upward from the working folder, and semantic checks.

use crate::diag::Rule;
use crate::units;
use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "pim.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub project: Project,
    #[serde(default)]
    pub limits: Limits,
    #[serde(default)]
    pub rules: BTreeMap<String, Level>,
    #[serde(default)]
    pub channels: BTreeMap<String, Channel>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
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
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_size: default_max_file_size(),
            max_depth: default_max_depth(),
            max_nodes: default_max_nodes(),
            max_aliases: default_max_aliases(),
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

/// A sales channel: how to render one feed. Rendering arrives with `pim export`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    pub template: String,
    pub output: String,
    pub format: Option<OutputFormat>,
    pub locale: Option<String>,
    pub currency: Option<String>,
    pub filter: Option<String>,
    #[serde(default)]
    pub units: BTreeMap<String, String>,
    pub formula_guard: Option<bool>,
    #[serde(default)]
    pub bom: bool,
    #[serde(default)]
    pub required: Vec<String>,
    #[serde(default)]
    pub vars: toml::Table,
}

impl Config {
    /// Reads and checks `pim.toml` at `path`.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let config: Config = toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.to_string().trim_end()))?;
        config
            .check()
            .with_context(|| format!("{} is not valid", path.display()))?;
        Ok(config)
    }

    /// Checks what the types alone cannot: references between keys.
    fn check(&self) -> Result<()> {
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
                    "[project] fallbacks: `{from}` falls back to `{to}`, which is neither a configured locale nor another fallback"
                );
            }
        }
        for id in self.rules.keys() {
            if Rule::from_id(id).is_none() {
                bail!(
                    "[rules] `{id}` is not a rule id; `pim validate --explain RULE` lists what each rule means"
                );
            }
        }
        for (name, channel) in &self.channels {
            if let Some(locale) = &channel.locale
                && !self.is_locale(locale)
            {
                bail!(
                    "[channels.{name}] locale `{locale}` is not in [project] locales or fallbacks"
                );
            }
            if let Some(currency) = &channel.currency
                && !p.currencies.contains(currency)
            {
                bail!("[channels.{name}] currency `{currency}` is not in [project] currencies");
            }
            for (attribute, unit) in &channel.units {
                if !units::is_known(unit) {
                    bail!(
                        "[channels.{name}] units: `{attribute} = \"{unit}\"` is not a known unit (known: {})",
                        units::known_list()
                    );
                }
            }
        }
        Ok(())
    }

    /// A locale that values may use or a channel may ask for.
    pub fn is_locale(&self, locale: &str) -> bool {
        self.project.locales.iter().any(|l| l == locale)
            || self.project.fallbacks.contains_key(locale)
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

    fn parse(text: &str) -> Result<Config> {
        let config: Config = toml::from_str(text)?;
        config.check()?;
        Ok(config)
    }

    const MINIMAL: &str = "[project]\nname = \"x\"\nlocales = [\"en-US\"]\ndefault_locale = \"en-US\"\ncurrencies = [\"USD\"]\n";

    #[test]
    fn defaults_apply() {
        let c = parse(MINIMAL).unwrap();
        assert_eq!(c.limits.max_file_size, ByteSize(10_000_000));
        assert_eq!(c.limits.max_depth, 64);
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
