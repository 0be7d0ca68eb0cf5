//! Findings about the catalog: the `Diagnostic` value and the stable rule ids.

use serde::Serialize;
use std::borrow::Cow;
use std::fmt;

/// The most characters of a value a message repeats (SPEC §3); longer values are cut with `…`.
pub const MAX_VALUE_CHARS: usize = 200;

/// A value as a message repeats it: at most [`MAX_VALUE_CHARS`] characters, then `…`.
pub fn cut(value: &str) -> Cow<'_, str> {
    match value.char_indices().nth(MAX_VALUE_CHARS) {
        Some((end, _)) => Cow::Owned(format!("{}…", value.get(..end).unwrap_or(value))),
        None => Cow::Borrowed(value),
    }
}

/// Every `quoted` part of a message cut to [`MAX_VALUE_CHARS`] characters: the net under the
/// rule that messages name values in backticks, whatever a value holds.
fn cut_quoted(text: String) -> String {
    if text.len() <= MAX_VALUE_CHARS {
        return text;
    }
    let mut out = String::with_capacity(text.len().min(4096));
    let mut parts = text.split('`');
    let mut quoted = false;
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for part in parts {
        out.push('`');
        quoted = !quoted;
        out.push_str(
            if quoted {
                cut(part)
            } else {
                Cow::Borrowed(part)
            }
            .as_ref(),
        );
    }
    out
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// Declares every rule once: id, default severity and the `--explain` text.
macro_rules! rules {
    ($($variant:ident = $id:literal, $sev:ident, $explain:literal;)*) => {
        /// A stable rule id. JSON Schema errors use [`Rule::Schema`] with their keyword.
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule {
            $($variant,)*
            /// `schema-<keyword>`: a JSON Schema keyword that failed.
            Schema(String),
        }

        impl Rule {
            /// Every fixed rule (schema rules aside), in documentation order.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)*];

            pub fn id(&self) -> String {
                match self {
                    $(Rule::$variant => $id.to_owned(),)*
                    Rule::Schema(keyword) => format!("schema-{keyword}"),
                }
            }

            pub fn default_severity(&self) -> Severity {
                match self {
                    $(Rule::$variant => Severity::$sev,)*
                    Rule::Schema(_) => Severity::Error,
                }
            }

            pub fn explanation(&self) -> String {
                match self {
                    $(Rule::$variant => $explain.to_owned(),)*
                    Rule::Schema(keyword) => format!(
                        "The product does not satisfy the `{keyword}` keyword of its JSON Schema \
                         (schemas/product.schema.json or its family's schema).\n\n\
                         Fix the value the diagnostic points at, or change the schema if the \
                         value is right."
                    ),
                }
            }

            /// Parses a rule id as written in `pim.toml` or `--explain`.
            pub fn from_id(id: &str) -> Option<Rule> {
                match id {
                    $($id => Some(Rule::$variant),)*
                    _ => id
                        .strip_prefix("schema-")
                        .filter(|k| !k.is_empty())
                        .map(|k| Rule::Schema(k.to_owned())),
                }
            }
        }
    };
}

rules! {
    IoError = "io-error", Error,
        "A product file could not be read (permission denied, or it vanished while pim ran).\n\nFix: make the file readable by the user running pim, or remove it.";
    NotUtf8 = "not-utf8", Error,
        "A product file is not valid UTF-8. pim reads YAML as UTF-8 (one leading byte order mark is accepted).\n\nFix: re-save the file as UTF-8; the diagnostic points at the first invalid byte.";
    FileTooLarge = "file-too-large", Error,
        "A product file is larger than `[limits] max_file_size` in pim.toml (default 10MB).\n\nFix: split the data, or raise the limit if the file is legitimate.";
    EmptyFile = "empty-file", Error,
        "A product file holds no YAML value (it is empty, or only comments).\n\nFix: write the product's mapping (at least `sku:`), or delete the file.";
    NotAMapping = "not-a-mapping", Error,
        "The top level of a product file must be a mapping (`sku: ...`), not a list or a scalar.\n\nFix: write one product per file as a mapping of attribute names to values.";
    YamlSyntax = "yaml-syntax", Error,
        "The file is not valid YAML (for example an unclosed bracket, a tab used for indentation, or a bad indent).\n\nFix: correct the syntax at the position shown.";
    DuplicateKey = "duplicate-key", Error,
        "A mapping has the same key twice. Other YAML tools silently keep one of the values, so pim refuses it.\n\nFix: remove or rename one of the two keys.";
    MultipleDocuments = "multiple-documents", Error,
        "A product file holds more than one YAML document (separated by `---`). pim expects one product per file.\n\nFix: move each product to a file of its own.";
    UnsupportedTag = "unsupported-tag", Error,
        "A YAML tag other than YAML's core ones (e.g. `!!python/object`) is used. Such tags execute code or change types in other tools, so pim refuses them.\n\nFix: remove the tag and write the plain value.";
    MergeKey = "merge-key", Error,
        "A YAML merge key (`<<`) is used. Merge keys are not part of YAML 1.2 and hide where a value comes from.\n\nFix: write the values out in full; variants inherit their parent's values anyway.";
    LimitExceeded = "limit-exceeded", Error,
        "The file exceeds a parsing limit of `[limits]` in pim.toml: nesting depth (`max_depth`), number of nodes (`max_nodes`) or aliases (`max_aliases`). These limits stop alias bombs and runaway nesting.\n\nFix: simplify the file, or raise the limit in pim.toml if the file is legitimate.";
    NumberOutOfRange = "number-out-of-range", Error,
        "A number does not fit in 64 bits or is not finite (`.inf`, `.nan`), or a measurement that a channel converts to another unit (`units` in pim.toml) would need more than 38 digits once converted exactly. pim never rounds such values silently, and an export never passes them on unconverted: it refuses the item, or leaves it out with --skip-invalid.\n\nFix: quote the value if it is an identifier (`\"12345678901234567890123\"`), or correct it; a measurement rarely needs more than a few decimal places.";
    QuoteNumber = "quote-number", Warning,
        "An unquoted number has leading zeros (`gtin: 0012345678905`). pim keeps its digits, but other YAML tools read it as a number and drop the zeros.\n\nFix: quote it: `gtin: \"0012345678905\"`.";
    InvalidGtin = "invalid-gtin", Error,
        "A value with format `gtin` is not a GTIN: it must be 8, 12, 13 or 14 digits with a correct check digit.\n\nFix: copy the GTIN from the packaging or the GS1 registry, quoted as a string.";
    InvalidDecimal = "invalid-decimal", Error,
        "A value with format `decimal` is not a decimal number written as a string (like `\"199.00\"`). Money is never a binary float.\n\nFix: write the number in quotes, with a dot as the decimal separator.";
    DuplicateSku = "duplicate-sku", Error,
        "Two products or variants share a SKU (compared case-insensitively). SKUs identify items in every channel and in `pim diff`.\n\nFix: give one of them a new SKU.";
    DuplicateGtin = "duplicate-gtin", Error,
        "Two values with format `gtin` are equal. A GTIN identifies one trade item; marketplaces reject duplicates.\n\nFix: correct the GTIN of one of the two items.";
    UnknownFamily = "unknown-family", Error,
        "The product's `family` has no schema: `schemas/families/<family>.schema.json` does not exist.\n\nFix: correct the family name, or add the family's schema.";
    UnknownCategory = "unknown-category", Error,
        "A category code in `categories` is not defined in categories.yaml.\n\nFix: correct the code, or add the category to categories.yaml.";
    UnknownLocale = "unknown-locale", Error,
        "A localized value uses a locale that is not in `[project] locales` of pim.toml.\n\nFix: correct the locale code (e.g. `de-DE`), or add the locale to pim.toml.";
    UnknownCurrency = "unknown-currency", Error,
        "A price uses a currency that is not in `[project] currencies` of pim.toml.\n\nFix: correct the ISO 4217 code (e.g. `EUR`), or add the currency to pim.toml.";
    UnknownUnit = "unknown-unit", Error,
        "A measurement uses a unit pim does not know. Known units: mass g, kg, lb, oz; length mm, cm, m, in; volume ml, l.\n\nFix: use one of the known units.";
    MissingAsset = "missing-asset", Error,
        "A value with format `asset` must be a path under the assets folder that exists (a URL is not an asset).\n\nFix: add the file under assets/, or correct the path.";
    UnknownAssociation = "unknown-association", Error,
        "An association links to a SKU that no product or variant has.\n\nFix: correct the SKU, or remove the link.";
    DuplicateVariantAxes = "duplicate-variant-axes", Error,
        "Two variants of a product have the same values on every variant axis (the family schema's `x-variant-axes`), so a shopper could not tell them apart.\n\nFix: change the axis values of one variant, or remove it.";
    MissingVariantAxis = "missing-variant-axis", Error,
        "A variant lacks a value for one of its family's variant axes (`x-variant-axes` in the family schema).\n\nFix: add the axis value (for example `size: \"M\"`) to the variant.";
    FileNameMismatch = "file-name-mismatch", Warning,
        "The file name's stem is not the product's SKU. Keeping them equal lets a diff or a file list name the product.\n\nFix: rename the file to `<SKU>.yaml`.";
    SkippedFile = "skipped-file", Warning,
        "A path in the catalog was not read: a symlink loop, a dangling symlink, a link that leads out of the project, or a FIFO, socket or device.\n\nFix: replace it with a regular file, or remove it.";
    UnknownAttribute = "unknown-attribute", Error,
        "A key of a product, a variant or a `channels` block is not an attribute of the dictionary: no property of the product schema or of the family's schema declares it. A misspelt attribute (`gtn:`) would otherwise pass unnoticed and drop the product from feeds.\n\nFix: correct the name (the closest attribute is suggested), or add the attribute to the product or family schema.";
    UnknownChannel = "unknown-channel", Error,
        "A `channels` block names a channel that pim.toml does not define.\n\nFix: correct the channel name, or add the channel to pim.toml.";
    ControlCharacter = "control-character", Error,
        "A string holds a control character other than TAB, LF and CR (an error: XML feeds cannot carry it), or a Unicode bidirectional override (a warning: the text may display unlike it reads).\n\nFix: remove the character; it usually comes from a copy and paste.";
    NoItems = "no-items", Warning,
        "A product (or a variant) has `variants: []`, so it has no sellable item in any channel.\n\nFix: add variants, or remove `variants:` to sell the product itself.";
    SpreadsheetFormula = "spreadsheet-formula", Warning,
        "A text value starts with `=`, `+`, `-`, `@`, a tab, a line break or a full-width `＝`, `＋`, `－`, `＠`, and a CSV or TSV channel writes values without `formula_guard` (off by default for TSV, or turned off in pim.toml). A spreadsheet that opens that feed would run the value as a formula (`=HYPERLINK(...)`, `@SUM(...)`, `+cmd|...`).\n\nFix: reword the value if it is meant as text, or set `formula_guard = true` for those channels (a guarded cell gets a leading `'`).";
    Incomplete = "incomplete", Warning,
        "An item that a channel would export lacks attributes the channel requires (`required` in its pim.toml section), in the channel's locale and currency.\n\nFix: fill in the missing attributes; until then the channel leaves the item out.";
}

/// Where a diagnostic points: a byte offset into the file's text (BOM excluded), or a
/// line and column as a parser reported it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum Position {
    Offset(usize),
    LineColumn { line: usize, column: usize },
}

/// One problem in one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub rule: Rule,
    /// Path relative to the project root, with `/` separators.
    pub file: String,
    pub position: Position,
    /// 1-based, filled in by [`crate::source::resolve_positions`].
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    pub pointer: Option<String>,
    pub sku: Option<String>,
    pub message: String,
    pub help: Option<String>,
    /// The source line, for the human format.
    pub source_line: Option<String>,
}

/// The stable json form: `severity`, `rule`, `file`, `line`, `column`, `pointer`, `sku`,
/// `message` (SPEC §3), the same in every command's document.
impl Serialize for Diagnostic {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Diagnostic", 8)?;
        s.serialize_field("severity", &self.severity)?;
        s.serialize_field("rule", &self.rule.id())?;
        s.serialize_field("file", &self.file)?;
        s.serialize_field("line", &self.line)?;
        s.serialize_field("column", &self.column)?;
        s.serialize_field("pointer", &self.pointer)?;
        s.serialize_field("sku", &self.sku)?;
        s.serialize_field("message", &self.message)?;
        s.end()
    }
}

impl Diagnostic {
    pub fn new(rule: Rule, file: &str, position: Position, message: impl Into<String>) -> Self {
        let (line, column) = match position {
            Position::LineColumn { line, column } => (line, column),
            Position::Offset(_) => (0, 0),
        };
        Diagnostic {
            severity: rule.default_severity(),
            rule,
            file: file.to_owned(),
            position,
            line,
            column,
            pointer: None,
            sku: None,
            message: cut_quoted(message.into()),
            help: None,
            source_line: None,
        }
    }

    /// The JSON pointer of the value (cut like a value: a key may be as long as a file).
    pub fn at(mut self, pointer: impl Into<String>) -> Self {
        let pointer = pointer.into();
        self.pointer = Some(match cut(&pointer) {
            Cow::Borrowed(_) => pointer,
            Cow::Owned(short) => short,
        });
        self
    }

    pub fn sku(mut self, sku: Option<&str>) -> Self {
        self.sku = sku.map(|s| cut(s).into_owned());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(cut_quoted(help.into()));
        self
    }

    /// The order of every report: file, line, column, rule.
    pub fn sort_key(&self) -> (&str, usize, usize, String) {
        (&self.file, self.line, self.column, self.rule.id())
    }
}

/// A rule with the severity in force (`None`: turned off in `pim.toml`) and its default.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleLevel {
    pub rule: String,
    pub severity: Option<Severity>,
    pub default: Severity,
}

/// Every rule (and `schema-<keyword>`, with any schema rule `[rules]` names) with its
/// severity: `level` gives the one in force, from `pim.toml`.
pub fn rule_levels(
    configured: &[String],
    level: impl Fn(&Rule) -> Option<Severity>,
) -> Vec<RuleLevel> {
    let mut rules: Vec<Rule> = Rule::ALL.to_vec();
    rules.extend(
        configured
            .iter()
            .filter_map(|id| Rule::from_id(id))
            .filter(|r| matches!(r, Rule::Schema(_))),
    );
    let mut out: Vec<RuleLevel> = rules
        .iter()
        .map(|rule| RuleLevel {
            rule: rule.id(),
            severity: level(rule),
            default: rule.default_severity(),
        })
        .collect();
    out.push(RuleLevel {
        rule: "schema-<keyword>".to_owned(),
        severity: Some(Severity::Error),
        default: Severity::Error,
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn long_values_are_cut() {
        let long = "é".repeat(300);
        assert_eq!(cut("short"), "short");
        assert_eq!(cut(&long).chars().count(), MAX_VALUE_CHARS + 1);
        assert!(cut(&long).ends_with("é…"));
        let d = Diagnostic::new(
            Rule::InvalidGtin,
            "a.yaml",
            Position::Offset(0),
            format!("`/gtin`: `{long}` is not a GTIN; see `{long}`"),
        )
        .help(format!("replace `{long}`"));
        let shown = format!("`{}…`", "é".repeat(MAX_VALUE_CHARS));
        assert_eq!(
            d.message,
            format!("`/gtin`: {shown} is not a GTIN; see {shown}")
        );
        assert_eq!(d.help.as_deref(), Some(format!("replace {shown}").as_str()));
    }

    #[test]
    fn rule_ids_are_unique_and_round_trip() {
        let mut seen = HashSet::new();
        for rule in Rule::ALL {
            let id = rule.id();
            assert!(seen.insert(id.clone()), "duplicate rule id {id}");
            assert_eq!(Rule::from_id(&id).as_ref(), Some(rule));
            assert!(!rule.explanation().is_empty());
        }
        assert_eq!(
            Rule::from_id("schema-required"),
            Some(Rule::Schema("required".into()))
        );
        assert_eq!(Rule::from_id("schema-"), None);
        assert_eq!(Rule::from_id("no-such-rule"), None);
    }
}
