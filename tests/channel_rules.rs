//! An independent check of the demo project's real feeds against the consumers' published
//! rules (`docs/channel-specs.md`): Google Merchant Center (§1, checklist §9.2), Meta (§2,
//! §9.3), Shopify (§3, §9.4), schema.org Product JSON-LD (§5, §9.6) and the storefront API.
//!
//! The rules below are written from the consumers' specifications, not from the templates:
//! the test runs `pim export --all` at the repository root (the demo project), parses every
//! file with a real parser and checks each row. It also reads the catalog itself (YAML) to
//! know which items each channel must contain and what their prices, GTINs and brands are.
//! A failure lists every broken rule with the file, line, column and value.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

// ---------------------------------------------------------------------------------------
// Running the export
// ---------------------------------------------------------------------------------------

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `pim export --all --out <tempdir>` at the repository root (the demo project).
fn export() -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_pim"))
        .args(["export", "--all", "--out"])
        .arg(out.path())
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "pim export --all failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    out
}

fn read(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        !bytes.starts_with(b"\xEF\xBB\xBF"),
        "{}: a machine feed must not start with a UTF-8 BOM (§7.6)",
        path.display()
    );
    String::from_utf8(bytes).unwrap_or_else(|e| panic!("{}: not UTF-8: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------
// Collecting violations
// ---------------------------------------------------------------------------------------

/// Every broken rule of one file, reported together at the end.
struct Problems {
    file: String,
    list: Vec<String>,
}

impl Problems {
    fn new(file: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            list: Vec::new(),
        }
    }

    fn add(&mut self, message: impl Into<String>) {
        self.list.push(message.into());
    }

    /// Records `message` when `ok` is false.
    fn check(&mut self, ok: bool, message: impl FnOnce() -> String) {
        if !ok {
            self.list.push(message());
        }
    }

    /// Panics with every violation, a few examples of each kind (one broken rule tends to
    /// break every row).
    fn finish(self) {
        if self.list.is_empty() {
            return;
        }
        let mut kinds: Vec<(String, Vec<&str>)> = Vec::new();
        for message in &self.list {
            let kind = rule_kind(message);
            match kinds.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, list)) => list.push(message),
                None => kinds.push((kind, vec![message])),
            }
        }
        let mut report = String::new();
        for (_, list) in &kinds {
            for message in list.iter().take(3) {
                report.push_str(&format!("\n  - {message}"));
            }
            if list.len() > 3 {
                report.push_str(&format!("\n    ... and {} more like these", list.len() - 3));
            }
        }
        panic!(
            "{}: {} rule violation(s){report}",
            self.file,
            self.list.len()
        );
    }
}

/// A message without its specifics (quoted values, line numbers, row keys): what kind of
/// violation it reports.
fn rule_kind(message: &str) -> String {
    let mut kind = String::new();
    let mut depth = 0;
    let mut quoted = false;
    let mut escaped = false;
    for c in message.chars() {
        if quoted {
            match (escaped, c) {
                (false, '\\') => escaped = true,
                (false, '"') => quoted = false,
                _ => escaped = false,
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            '(' => depth += 1,
            ')' => depth -= 1,
            _ if depth > 0 || c.is_ascii_digit() => {}
            _ => kind.push(c),
        }
    }
    kind
}

// ---------------------------------------------------------------------------------------
// Delimited files
// ---------------------------------------------------------------------------------------

struct Table {
    headers: Vec<String>,
    rows: Vec<Row>,
}

struct Row {
    line: u64,
    cells: HashMap<String, String>,
}

impl Row {
    /// The cell of `column`, or "" when the file has no such column.
    fn get(&self, column: &str) -> &str {
        self.cells.get(column).map_or("", String::as_str)
    }

    /// "line N (KEY): column `C` = "value"" — where a broken rule is.
    fn at(&self, key: &str, column: &str) -> String {
        format!(
            "line {} ({}): column `{column}` = {:?}",
            self.line,
            self.get(key),
            self.get(column)
        )
    }
}

fn read_table(path: &Path, delimiter: u8) -> Table {
    let text = read(path);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let mut seen = HashSet::new();
    for h in &headers {
        assert!(seen.insert(h), "{}: header {h:?} repeated", path.display());
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let line = record.position().map_or(0, csv::Position::line);
        let cells = headers
            .iter()
            .cloned()
            .zip(record.iter().map(str::to_owned))
            .collect();
        rows.push(Row { line, cells });
    }
    Table { headers, rows }
}

// ---------------------------------------------------------------------------------------
// Value rules shared by several consumers
// ---------------------------------------------------------------------------------------

/// `Some(problem)` unless `s` is a decimal number written with `.`: `169`, `169.00`.
fn decimal_problem(s: &str) -> Option<&'static str> {
    let (int, frac) = s.split_once('.').unwrap_or((s, "0"));
    if int.is_empty() || frac.is_empty() {
        return Some("not a decimal number");
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Some("not a decimal number (digits and `.` only: no sign, symbol or grouping)");
    }
    None
}

fn decimal_is_positive(s: &str) -> bool {
    s.bytes().any(|b| (b'1'..=b'9').contains(&b))
}

/// Google/Meta money: `15.00 USD` — a number with `.` and two decimals, a space, ISO 4217.
fn money_problem(s: &str, currency: &str) -> Option<String> {
    let Some((amount, code)) = s.split_once(' ') else {
        return Some("expected `<amount> <ISO 4217 code>`, e.g. `15.00 USD`".into());
    };
    let Some((int, frac)) = amount.split_once('.') else {
        return Some("the amount needs two decimals, e.g. `15.00`".into());
    };
    if int.is_empty()
        || frac.len() != 2
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Some("the amount must match \\d+\\.\\d{2} (no symbol, grouping or comma)".into());
    }
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
        return Some(format!("{code:?} is not an ISO 4217 code"));
    }
    if code != currency {
        return Some(format!("currency {code}, the channel sells in {currency}"));
    }
    if !decimal_is_positive(amount) {
        return Some("a price of zero is not allowed".into());
    }
    None
}

/// An absolute, ASCII, RFC 3986-encoded `https://` URL of at most 2000 characters.
fn url_problem(s: &str) -> Option<String> {
    let Some(rest) = s.strip_prefix("https://") else {
        return Some("not an absolute https:// URL".into());
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || !host.contains('.') {
        return Some("no host name".into());
    }
    if s.chars().count() > 2000 {
        return Some("longer than 2000 characters".into());
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c);
    if let Some(c) = s.chars().find(|&c| !allowed(c)) {
        return Some(format!("{c:?} must be percent-encoded (RFC 3986)"));
    }
    None
}

/// An image URL must name a format Google accepts (§1.2 image_link, §9.2).
fn image_url_problem(s: &str) -> Option<String> {
    if let Some(p) = url_problem(s) {
        return Some(p);
    }
    let path = s
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let ok = [
        ".jpg", ".jpeg", ".webp", ".png", ".gif", ".bmp", ".tif", ".tiff",
    ]
    .iter()
    .any(|ext| path.ends_with(ext));
    (!ok).then(|| "not a JPEG/WebP/PNG/GIF/BMP/TIFF file name".into())
}

/// GTIN rules (§1.4): 8, 12, 13 or 14 digits, GS1 mod-10 check digit, not a restricted
/// circulation, coupon or refund number, no GTIN-14 with indicator 9.
fn gtin_problem(gtin: &str) -> Option<String> {
    if !gtin.bytes().all(|b| b.is_ascii_digit()) {
        return Some("not digits only".into());
    }
    if ![8, 12, 13, 14].contains(&gtin.len()) {
        return Some(format!("{} digits, expected 8, 12, 13 or 14", gtin.len()));
    }
    let digits: Vec<u32> = gtin.bytes().map(|b| u32::from(b - b'0')).collect();
    let (body, check) = digits.split_at(digits.len() - 1);
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d })
        .sum();
    let expected = (10 - sum % 10) % 10;
    if check[0] != expected {
        return Some(format!("wrong GS1 check digit (expected {expected})"));
    }
    if gtin.len() == 8 && (gtin.starts_with('0') || gtin.starts_with('2')) {
        return Some("GTIN-8 starting with 0 or 2 is a restricted circulation number".into());
    }
    if gtin.len() == 14 && gtin.starts_with('9') {
        return Some("GTIN-14 with indicator 9 is a variable-measure item".into());
    }
    if gtin.len() != 8 {
        let padded = format!("{gtin:0>14}");
        let prefix: u32 = padded[1..4].parse().unwrap();
        let class = match prefix {
            20..=29 | 40..=49 | 200..=299 => Some("restricted circulation"),
            50..=59 | 981..=984 | 990..=999 => Some("coupon"),
            980 => Some("refund receipt"),
            _ => None,
        };
        if let Some(class) = class {
            return Some(format!("GS1 prefix {prefix:03} is a {class} range"));
        }
    }
    None
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Plain text: no HTML tags (a `<` that opens a tag) and, with `entities`, no `&...;`.
fn html_in_text(s: &str, entities: bool) -> Option<String> {
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        let next = b.get(i + 1).copied().unwrap_or(b' ');
        if c == b'<' && (next.is_ascii_alphabetic() || next == b'/' || next == b'!') {
            return Some("contains an HTML tag".into());
        }
        if entities && c == b'&' && entity_len(&s[i..]).is_some() {
            return Some("contains an HTML character entity".into());
        }
    }
    None
}

/// The length of the character reference at the start of `s` (`&amp;`, `&#39;`, `&#x2f;`).
fn entity_len(s: &str) -> Option<usize> {
    let rest = s.strip_prefix('&')?;
    let end = rest.find(';')?;
    let name = &rest[..end];
    let ok = if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
        !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit())
    } else if let Some(dec) = name.strip_prefix('#') {
        !dec.is_empty() && dec.bytes().all(|b| b.is_ascii_digit())
    } else {
        !name.is_empty() && name.len() <= 32 && name.bytes().all(|b| b.is_ascii_alphanumeric())
    };
    ok.then_some(end + 2)
}

/// Colour names (§1.2 color): at most 3, joined with `/`, each ≤ 40, total ≤ 100; not a
/// hex code, a number, a single letter or a placeholder.
fn color_problem(color: &str) -> Option<String> {
    if chars(color) > 100 {
        return Some("longer than 100 characters".into());
    }
    let parts: Vec<&str> = color.split('/').collect();
    if parts.len() > 3 {
        return Some("more than 3 colours".into());
    }
    for part in parts {
        let lower = part.trim().to_lowercase();
        if part.trim().is_empty() || chars(part) > 40 {
            return Some(format!(
                "colour {part:?} is empty or longer than 40 characters"
            ));
        }
        if part.starts_with('#')
            || part.chars().all(|c| c.is_ascii_digit())
            || chars(part.trim()) == 1
            || ["multicolor", "multicolour", "various", "n/a", "see image"]
                .contains(&lower.as_str())
        {
            return Some(format!("{part:?} is not a colour name"));
        }
    }
    None
}

// ---------------------------------------------------------------------------------------
// The catalog, read independently of pim
// ---------------------------------------------------------------------------------------

/// A sellable item as one channel sees it: a leaf of the variant tree merged with its
/// ancestors, or a product without variants (SPEC §2).
struct Item {
    sku: String,
    /// The root product's SKU, for a variant at any depth.
    parent: Option<String>,
    family: String,
    values: Value,
}

impl Item {
    fn status(&self) -> &str {
        self.values
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or("draft")
    }

    fn localized(&self, key: &str, locale: &str) -> Option<&str> {
        self.values
            .get(key)
            .and_then(|v| v.get(locale))
            .and_then(Value::as_str)
    }

    fn price(&self, currency: &str) -> Option<&str> {
        self.localized("price", currency)
    }

    fn gtin(&self) -> Option<String> {
        match self.values.get("gtin")? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// SPEC §3 completeness: every required attribute (the channel's, and its family's
    /// `x-pim-required`) filled in the channel's own locale and currency (no fallback).
    fn complete_for(&self, channel: &Channel) -> bool {
        channel
            .required_for(&self.family)
            .iter()
            .all(|key| match self.values.get(key.as_str()) {
                None | Some(Value::Null) => false,
                Some(Value::String(s)) => !s.trim().is_empty(),
                Some(Value::Array(a)) => !a.is_empty(),
                Some(Value::Object(map)) => {
                    let keyed = map
                        .keys()
                        .all(|k| k.contains('-') || k.bytes().all(|b| b.is_ascii_uppercase()));
                    if keyed {
                        [&channel.locale, &channel.currency].iter().any(|k| {
                            map.get(k.as_str())
                                .and_then(Value::as_str)
                                .is_some_and(|s| !s.trim().is_empty())
                        })
                    } else {
                        !map.is_empty()
                    }
                }
                Some(_) => true,
            })
    }
}

/// A variant inherits its parent's values: mappings merge key by key, recursively; the
/// variant's lists and scalars replace the parent's (SPEC §2).
fn merge(parent: &Value, variant: &Value) -> Value {
    match (parent, variant) {
        (Value::Object(p), Value::Object(v)) => {
            let mut out = p.clone();
            for (k, value) in v {
                let merged = match p.get(k) {
                    Some(pv) => merge(pv, value),
                    None => value.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Value::Object(out)
        }
        _ => variant.clone(),
    }
}

/// One level of the variant tree (the product, a variant) merged over `inherited` as
/// `channel` sees it: its own values, then its `channels.<channel>` block (SPEC §2).
fn merge_level(inherited: &Value, level: &Value, channel: &str) -> Value {
    let mut own = level.clone();
    let object = own.as_object_mut().unwrap();
    object.remove("variants");
    let block = object
        .remove("channels")
        .and_then(|c| c.get(channel).cloned());
    let merged = merge(inherited, &own);
    match block {
        Some(block) => merge(&merged, &block),
        None => merged,
    }
}

/// The leaves under `node` (already merged into `values`): the sellable items.
fn leaves(node: &Value, values: Value, channel: &str, out: &mut Vec<Value>) {
    match node.get("variants").and_then(Value::as_array) {
        Some(children) => {
            for child in children {
                let merged = merge_level(&values, child, channel);
                leaves(child, merged, channel, out);
            }
        }
        None => out.push(values),
    }
}

struct Catalog {
    /// Every item, by SKU.
    items: BTreeMap<String, Item>,
    /// Every product, by SKU.
    products: BTreeMap<String, Product>,
}

/// A product as the channel sees it, without its variants.
struct Product {
    has_variants: bool,
    values: Value,
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

/// The catalog as `channel` sees it (its `channels` blocks merged in).
fn catalog(channel: &str) -> Catalog {
    let mut files = Vec::new();
    yaml_files(&root().join("catalog"), &mut files);
    files.sort();
    let mut items = BTreeMap::new();
    let mut products = BTreeMap::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let product: Value =
            serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let sku = product["sku"].as_str().unwrap().to_owned();
        let family = product
            .get("family")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let has_variants = product.get("variants").is_some();
        let values = merge_level(&Value::Object(Default::default()), &product, channel);
        products.insert(
            sku.clone(),
            Product {
                has_variants,
                values: values.clone(),
            },
        );
        let mut found = Vec::new();
        leaves(&product, values, channel, &mut found);
        for values in found {
            let item_sku = values["sku"].as_str().unwrap().to_owned();
            let item = Item {
                sku: item_sku.clone(),
                parent: has_variants.then(|| sku.clone()),
                family: family.clone(),
                values,
            };
            items.insert(item_sku, item);
        }
    }
    Catalog { items, products }
}

/// A `[channels.NAME]` of pim.toml, as far as this test needs it.
struct Channel {
    /// The file it writes, under the output folder (`{locale}` replaced).
    output: String,
    locale: String,
    currency: String,
    required: Vec<String>,
    /// Per family: its schema's `x-pim-required` for this channel and for `*`.
    family_required: BTreeMap<String, Vec<String>>,
    filter: String,
}

impl Channel {
    fn required_for(&self, family: &str) -> Vec<String> {
        let mut all = self.required.clone();
        all.extend(
            self.family_required
                .get(family)
                .into_iter()
                .flatten()
                .cloned(),
        );
        all
    }
}

/// `x-pim-required` of each family schema, for `channel` and `*`.
fn family_requirements(channel: &str) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(root().join("schemas/families")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap();
        let Some(family) = name.strip_suffix(".schema.json") else {
            continue;
        };
        let schema: Value = serde_json::from_str(&read(&path)).unwrap();
        let lists = [channel, "*"]
            .iter()
            .filter_map(|c| schema["x-pim-required"][c].as_array())
            .flatten()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        out.insert(family.to_owned(), lists);
    }
    out
}

/// A channel of one locale.
fn channel(name: &str) -> Channel {
    let mut all = channels(name);
    assert_eq!(all.len(), 1, "{name} has several locales");
    all.remove(0)
}

/// A channel once per locale: its `locales` (SPEC §1: one rendering each, `{locale}` in
/// `output`), else its `locale`, else the default locale.
fn channels(name: &str) -> Vec<Channel> {
    let text = std::fs::read_to_string(root().join("pim.toml")).unwrap();
    let config: toml::Table = toml::from_str(&text).unwrap();
    let config = serde_json::to_value(config).unwrap();
    let c = &config["channels"][name];
    let s = |v: &Value, default: &str| v.as_str().unwrap_or(default).to_owned();
    let locales: Vec<String> = match c["locales"].as_array() {
        Some(list) => list.iter().map(|l| s(l, "")).collect(),
        None => vec![s(
            &c["locale"],
            &s(&config["project"]["default_locale"], ""),
        )],
    };
    locales
        .into_iter()
        .map(|locale| Channel {
            output: s(&c["output"], "").replace("{locale}", &locale),
            locale,
            currency: s(&c["currency"], ""),
            required: c["required"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            family_required: family_requirements(name),
            filter: s(&c["filter"], "status == 'active'"),
        })
        .collect()
}

impl Catalog {
    /// The SKUs of the items a channel must contain: those passing its filter that are
    /// complete for it. Only the two filters the demo uses are understood.
    fn expected(&self, channel: &Channel) -> BTreeSet<String> {
        let passes = |item: &Item| match channel.filter.as_str() {
            "status == 'active'" => item.status() == "active",
            "status != 'archived'" => item.status() != "archived",
            other => panic!("this test does not know the filter {other:?}"),
        };
        self.items
            .values()
            .filter(|item| passes(item) && item.complete_for(channel))
            .map(|item| item.sku.clone())
            .collect()
    }
}

fn compare_sets(p: &mut Problems, what: &str, got: &BTreeSet<String>, want: &BTreeSet<String>) {
    let missing: Vec<_> = want.difference(got).collect();
    let extra: Vec<_> = got.difference(want).collect();
    p.check(missing.is_empty(), || {
        format!("{what}: items that should be in the feed are missing: {missing:?}")
    });
    p.check(extra.is_empty(), || {
        format!(
            "{what}: items that should not be in the feed (filtered out or incomplete): {extra:?}"
        )
    });
}

/// Case-insensitive uniqueness of an identifier column (§9.1; Google treats ids that
/// differ only in case as the same product).
fn check_unique(p: &mut Problems, rows: &[Row], key: &str, column: &str) {
    let mut seen: HashMap<String, u64> = HashMap::new();
    for row in rows {
        let value = row.get(column);
        if value.is_empty() {
            continue;
        }
        if let Some(first) = seen.insert(value.to_lowercase(), row.line) {
            p.add(format!(
                "{}: not unique (case-insensitively), first on line {first}",
                row.at(key, column)
            ));
        }
    }
}

/// Identifiers: trimmed, no control or invisible characters (§7.14, §9.1).
fn identifier_problem(s: &str) -> Option<&'static str> {
    if s.trim() != s || s.contains("  ") {
        return Some("leading, trailing or double whitespace");
    }
    if s.chars()
        .any(|c| c.is_control() || matches!(c, '\u{200B}'..='\u{200D}' | '\u{FEFF}' | '\u{A0}'))
    {
        return Some("control or invisible character");
    }
    None
}

// ---------------------------------------------------------------------------------------
// Google Merchant Center (§1, §9.2)
// ---------------------------------------------------------------------------------------

/// Attribute names of Google's product data specification (§1.2).
#[rustfmt::skip]
const GOOGLE_ATTRIBUTES: &[&str] = &[
    "id", "title", "structured_title", "description", "structured_description", "link",
    "image_link", "additional_image_link", "mobile_link", "lifestyle_image_link", "video_link",
    "virtual_model_link", "document_link", "availability", "availability_date",
    "expiration_date", "price", "sale_price", "sale_price_effective_date", "cost_of_goods_sold",
    "unit_pricing_measure", "unit_pricing_base_measure", "installment", "subscription_cost",
    "loyalty_program", "auto_pricing_min_price", "maximum_retail_price",
    "google_product_category", "product_type", "brand", "gtin", "mpn", "identifier_exists",
    "condition", "adult", "age_group", "gender", "color", "size", "size_type", "size_system",
    "material", "pattern", "item_group_id", "item_group_title", "variant_option", "multipack",
    "is_bundle", "certification", "energy_efficiency_class", "min_energy_efficiency_class",
    "max_energy_efficiency_class", "product_detail", "product_highlight", "product_length",
    "product_width", "product_height", "product_weight", "custom_label_0", "custom_label_1",
    "custom_label_2", "custom_label_3", "custom_label_4", "promotion_id",
    "excluded_destination", "included_destination", "shopping_ads_excluded_country",
    "ships_from_country", "pause", "ads_redirect", "short_title", "external_seller_id",
    "shipping", "carrier_shipping", "handling_cutoff_time", "minimum_order_value",
    "free_shipping_threshold", "shipping_transit_business_days",
    "shipping_handling_business_days", "shipping_label", "return_policy_label",
    "shipping_weight", "shipping_length", "shipping_width", "shipping_height",
    "max_handling_time", "min_handling_time", "return", "tax",
];

/// Google product taxonomy ids in the Apparel & Accessories (166) subtree that pim's demo
/// may use: Clothing 1604, Outerwear 203, Coats & Jackets 5598, Shirts & Tops 212,
/// Activewear 5322, Pants 204, Shorts 207, Dresses 2271, Shoes 187.
#[rustfmt::skip]
const GOOGLE_APPAREL: &[&str] = &[
    "166", "1604", "203", "5598", "212", "5322", "204", "207", "2271", "187",
];

#[test]
fn google_merchant_center_feed() {
    let out = export();
    let table = read_table(&out.path().join("google.tsv"), b'\t');
    let catalog = catalog("google");
    let channel = channel("google");
    let mut p = Problems::new("google.tsv");

    // Header: Google's English attribute names (§1.1, §7.10) and the required ones (§9.2).
    for h in &table.headers {
        p.check(GOOGLE_ATTRIBUTES.contains(&h.as_str()), || {
            format!("header {h:?} is not a Google product attribute name")
        });
    }
    for required in [
        "id",
        "title",
        "description",
        "link",
        "image_link",
        "availability",
        "price",
        "brand",
        "condition",
        "google_product_category",
    ] {
        p.check(table.headers.iter().any(|h| h == required), || {
            format!("required column `{required}` missing")
        });
    }
    p.check(
        ["gtin", "mpn", "identifier_exists"]
            .iter()
            .any(|c| table.headers.iter().any(|h| h == c)),
        || "none of gtin / mpn / identifier_exists is a column".into(),
    );

    let got: BTreeSet<String> = table.rows.iter().map(|r| r.get("id").to_owned()).collect();
    compare_sets(&mut p, "rows", &got, &catalog.expected(&channel));
    check_unique(&mut p, &table.rows, "id", "id");

    let mut groups: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for row in &table.rows {
        let at = |c: &str| row.at("id", c);
        let item = catalog.items.get(row.get("id"));

        // TSV: no TAB or line break inside a value (§1.1 line structure, §7.3).
        for (column, value) in &row.cells {
            p.check(!value.contains(['\t', '\n', '\r']), || {
                format!("{}: TAB or line break inside a value", at(column))
            });
        }

        let id = row.get("id");
        p.check(!id.is_empty() && chars(id) <= 50, || {
            format!("{}: 1–50 characters", at("id"))
        });
        if let Some(problem) = identifier_problem(id) {
            p.add(format!("{}: {problem}", at("id")));
        }

        let title = row.get("title");
        p.check(!title.trim().is_empty() && chars(title) <= 150, || {
            format!("{}: 1–150 characters", at("title"))
        });
        let description = row.get("description");
        p.check(
            !description.trim().is_empty() && chars(description) <= 5000,
            || format!("{}: 1–5000 characters", at("description")),
        );
        if let Some(problem) = html_in_text(description, false) {
            p.add(format!(
                "{}: plain text expected, {problem}",
                at("description")
            ));
        }

        if let Some(problem) = url_problem(row.get("link")) {
            p.add(format!("{}: {problem}", at("link")));
        }
        if let Some(problem) = image_url_problem(row.get("image_link")) {
            p.add(format!("{}: {problem}", at("image_link")));
        }
        let additional = row.get("additional_image_link");
        if !additional.is_empty() {
            let links: Vec<&str> = additional.split(',').collect();
            p.check(links.len() <= 10, || {
                format!(
                    "{}: {} URLs, at most 10",
                    at("additional_image_link"),
                    links.len()
                )
            });
            for link in links {
                if let Some(problem) = image_url_problem(link) {
                    p.add(format!(
                        "{}: {link:?}: {problem}",
                        at("additional_image_link")
                    ));
                }
            }
        }

        let availability = row.get("availability");
        p.check(
            ["in_stock", "out_of_stock", "preorder", "backorder"].contains(&availability),
            || {
                format!(
                    "{}: not in_stock/out_of_stock/preorder/backorder",
                    at("availability")
                )
            },
        );
        if ["preorder", "backorder"].contains(&availability) {
            p.check(!row.get("availability_date").is_empty(), || {
                format!("{}: availability_date required", at("availability"))
            });
        }

        if let Some(problem) = money_problem(row.get("price"), &channel.currency) {
            p.add(format!("{}: {problem}", at("price")));
        }
        if let Some(item) = item {
            let want = item
                .price(&channel.currency)
                .map(|a| format!("{a} {}", channel.currency));
            p.check(want.as_deref() == Some(row.get("price")), || {
                format!("{}: the catalog says {want:?}", at("price"))
            });
        }

        // Brand (§1.2 brand, §1.3): present, ≤ 70, no placeholder.
        let brand = row.get("brand");
        p.check(!brand.trim().is_empty() && chars(brand) <= 70, || {
            format!("{}: 1–70 characters", at("brand"))
        });
        p.check(
            !["n/a", "na", "generic", "no brand", "does not exist", "none"]
                .contains(&brand.trim().to_lowercase().as_str()),
            || format!("{}: a placeholder is not a brand", at("brand")),
        );

        // Identifiers (§1.3, §1.4): a valid GTIN, or an MPN, or identifier_exists = no.
        let gtin = row.get("gtin");
        let mpn = row.get("mpn");
        let exists = row.get("identifier_exists");
        p.check(["", "yes", "no", "true", "false"].contains(&exists), || {
            format!("{}: yes/no/true/false", at("identifier_exists"))
        });
        p.check(
            !gtin.is_empty() || !mpn.is_empty() || ["no", "false"].contains(&exists),
            || {
                format!(
                    "{}: no gtin, no mpn and identifier_exists is not `no`",
                    at("gtin")
                )
            },
        );
        p.check(
            !["no", "false"].contains(&exists) || gtin.is_empty(),
            || {
                format!(
                    "{}: identifier_exists = no contradicts the GTIN",
                    at("identifier_exists")
                )
            },
        );
        if !gtin.is_empty() {
            let values: Vec<&str> = gtin.split(',').collect();
            p.check(values.len() <= 10 && chars(gtin) <= 50, || {
                format!("{}: at most 10 values, 50 characters", at("gtin"))
            });
            for value in values {
                if let Some(problem) = gtin_problem(value) {
                    p.add(format!("{}: {value}: {problem}", at("gtin")));
                }
            }
            if let Some(want) = item.and_then(Item::gtin) {
                p.check(gtin == want, || {
                    format!("{}: the catalog says {want}", at("gtin"))
                });
            }
        }
        p.check(chars(mpn) <= 70, || {
            format!("{}: at most 70 characters", at("mpn"))
        });

        p.check(
            ["new", "refurbished", "used"].contains(&row.get("condition")),
            || {
                format!(
                    "{}: new/refurbished/used (always submitted)",
                    at("condition")
                )
            },
        );

        // google_product_category: one value, a numeric id or a full path (§1.2).
        let category = row.get("google_product_category");
        let numeric = !category.is_empty() && category.bytes().all(|b| b.is_ascii_digit());
        let path = category.contains(" > ") || category.chars().any(char::is_alphabetic);
        p.check(
            !category.is_empty() && (numeric || (path && !category.contains(','))),
            || {
                format!(
                    "{}: one taxonomy id or one path",
                    at("google_product_category")
                )
            },
        );
        p.check(chars(row.get("product_type")) <= 750, || {
            format!("{}: at most 750 characters", at("product_type"))
        });

        // Apparel & Accessories (166 subtree), targeting the US: color, gender, age_group;
        // Clothing (1604) and Shoes (187): size (§1.2, §9.2).
        let family_apparel =
            item.is_some_and(|i| ["apparel", "footwear"].contains(&i.family.as_str()));
        let category_apparel =
            GOOGLE_APPAREL.contains(&category) || category.starts_with("Apparel & Accessories");
        p.check(!family_apparel || category_apparel, || {
            format!(
                "{}: an apparel/footwear item outside Apparel & Accessories",
                at("google_product_category")
            )
        });
        if family_apparel || category_apparel {
            for column in ["color", "size", "gender", "age_group"] {
                p.check(!row.get(column).is_empty(), || {
                    format!("{}: required for apparel", at(column))
                });
            }
        }
        let color = row.get("color");
        if !color.is_empty()
            && let Some(problem) = color_problem(color)
        {
            p.add(format!("{}: {problem}", at("color")));
        }
        p.check(chars(row.get("size")) <= 100, || {
            format!("{}: at most 100", at("size"))
        });
        p.check(
            ["", "male", "female", "unisex"].contains(&row.get("gender")),
            || format!("{}: male/female/unisex", at("gender")),
        );
        p.check(
            ["", "newborn", "infant", "toddler", "kids", "adult"].contains(&row.get("age_group")),
            || format!("{}: newborn/infant/toddler/kids/adult", at("age_group")),
        );
        p.check(
            [
                "", "US", "UK", "EU", "DE", "FR", "JP", "CN", "IT", "BR", "MEX", "AU",
            ]
            .contains(&row.get("size_system")),
            || format!("{}: not a Google size system", at("size_system")),
        );
        let weight = row.get("shipping_weight");
        if !weight.is_empty() {
            let ok = weight.split_once(' ').is_some_and(|(n, unit)| {
                decimal_problem(n).is_none() && ["lb", "oz", "g", "kg"].contains(&unit)
            });
            p.check(ok, || {
                format!("{}: `<number> lb|oz|g|kg`", at("shipping_weight"))
            });
        }

        // Variants (§1.5).
        let group = row.get("item_group_id");
        p.check(chars(group) <= 50, || {
            format!("{}: at most 50", at("item_group_id"))
        });
        p.check(chars(row.get("item_group_title")) <= 150, || {
            format!("{}: at most 150", at("item_group_title"))
        });
        if item.is_some_and(|i| i.parent.is_some()) {
            p.check(!group.is_empty(), || {
                format!("{}: a variant needs an item_group_id", at("item_group_id"))
            });
        }
        if !group.is_empty() {
            groups.entry(group).or_default().push(row);
        }
    }
    check_variant_groups(&mut p, &groups, &catalog, true);
    p.finish();
}

/// Variants of one group (§1.5, §2.2): share the group id and title, are siblings in the
/// catalog, carry every variant attribute that any of them carries, differ in them, and
/// (Google) each deep-link to its own landing page.
fn check_variant_groups(
    p: &mut Problems,
    groups: &BTreeMap<&str, Vec<&Row>>,
    catalog: &Catalog,
    google: bool,
) {
    const AXES: &[&str] = &[
        "color",
        "size",
        "material",
        "pattern",
        "gender",
        "age_group",
    ];
    for (group, rows) in groups {
        let parents: BTreeSet<Option<&str>> = rows
            .iter()
            .map(|r| {
                catalog
                    .items
                    .get(r.get("id"))
                    .and_then(|i| i.parent.as_deref())
            })
            .collect();
        p.check(parents.len() == 1 && !parents.contains(&None), || {
            format!("item_group_id {group:?}: its rows are not the variants of one product ({parents:?})")
        });
        if google {
            let titles: BTreeSet<&str> = rows.iter().map(|r| r.get("item_group_title")).collect();
            p.check(titles.len() == 1, || {
                format!("item_group_id {group:?}: item_group_title differs: {titles:?}")
            });
            let links: BTreeSet<&str> = rows.iter().map(|r| r.get("link")).collect();
            p.check(links.len() == rows.len(), || {
                format!("item_group_id {group:?}: variants share a landing page (§1.5)")
            });
        }
        for axis in AXES {
            let filled = rows.iter().filter(|r| !r.get(axis).is_empty()).count();
            p.check(filled == 0 || filled == rows.len(), || {
                format!(
                    "item_group_id {group:?}: `{axis}` set on {filled} of {} variants",
                    rows.len()
                )
            });
        }
        if rows.len() > 1 {
            let mut seen: HashMap<Vec<&str>, u64> = HashMap::new();
            for row in rows {
                let key: Vec<&str> = AXES.iter().map(|a| row.get(a)).collect();
                if let Some(first) = seen.insert(key.clone(), row.line) {
                    p.add(format!(
                        "line {} ({}): same variant attributes {key:?} as line {first} in group {group:?}",
                        row.line,
                        row.get("id")
                    ));
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Meta (§2, §9.3)
// ---------------------------------------------------------------------------------------

/// Top-level ids of Google's product taxonomy: Meta wants a category ≥ 2 levels deep.
#[rustfmt::skip]
const GOOGLE_TOP_LEVEL: &[&str] = &[
    "1", "8", "111", "141", "166", "222", "412", "436", "469", "536", "537", "632", "772",
    "783", "888", "922", "988", "1239", "2092", "5181", "5605",
];

#[test]
fn meta_catalog_feed() {
    let out = export();
    let table = read_table(&out.path().join("meta.csv"), b',');
    let catalog = catalog("meta");
    let channel = channel("meta");
    let mut p = Problems::new("meta.csv");

    for required in [
        "id",
        "title",
        "description",
        "availability",
        "condition",
        "price",
        "link",
        "image_link",
        "brand",
    ] {
        p.check(table.headers.iter().any(|h| h == required), || {
            format!("required column `{required}` missing")
        });
    }
    let got: BTreeSet<String> = table.rows.iter().map(|r| r.get("id").to_owned()).collect();
    compare_sets(&mut p, "rows", &got, &catalog.expected(&channel));
    check_unique(&mut p, &table.rows, "id", "id");

    let mut groups: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for row in &table.rows {
        let at = |c: &str| row.at("id", c);
        let item = catalog.items.get(row.get("id"));

        // No formula guard on this machine feed: a leading ' would show in the ads (§7.9).
        for (column, value) in &row.cells {
            p.check(!value.starts_with('\''), || {
                format!(
                    "{}: a formula-guard apostrophe leaked into the feed",
                    at(column)
                )
            });
        }

        let id = row.get("id");
        p.check(!id.is_empty() && chars(id) <= 100, || {
            format!("{}: 1–100 characters", at("id"))
        });
        if let Some(problem) = identifier_problem(id) {
            p.add(format!("{}: {problem}", at("id")));
        }
        let title = row.get("title");
        p.check(!title.trim().is_empty() && chars(title) <= 200, || {
            format!("{}: 1–200 characters", at("title"))
        });
        let description = row.get("description");
        p.check(
            !description.trim().is_empty() && chars(description) <= 9999,
            || format!("{}: 1–9999 characters", at("description")),
        );
        if let Some(problem) = html_in_text(description, true) {
            p.add(format!(
                "{}: plain text expected, {problem}",
                at("description")
            ));
        }
        p.check(
            [
                "in stock",
                "out of stock",
                "preorder",
                "available for order",
                "discontinued",
                "pending",
                "mark_as_sold",
            ]
            .contains(&row.get("availability")),
            || {
                format!(
                    "{}: not a Meta availability (`in stock`, ...)",
                    at("availability")
                )
            },
        );
        p.check(
            ["new", "refurbished", "used"].contains(&row.get("condition")),
            || format!("{}: new/refurbished/used", at("condition")),
        );
        if let Some(problem) = money_problem(row.get("price"), &channel.currency) {
            p.add(format!("{}: {problem}", at("price")));
        }
        if let Some(item) = item {
            let want = item
                .price(&channel.currency)
                .map(|a| format!("{a} {}", channel.currency));
            p.check(want.as_deref() == Some(row.get("price")), || {
                format!("{}: the catalog says {want:?}", at("price"))
            });
        }
        if let Some(problem) = url_problem(row.get("link")) {
            p.add(format!("{}: {problem}", at("link")));
        }
        if let Some(problem) = image_url_problem(row.get("image_link")) {
            p.add(format!("{}: {problem}", at("image_link")));
        }
        let additional = row.get("additional_image_link");
        if !additional.is_empty() {
            let links: Vec<&str> = additional.split(',').collect();
            p.check(links.len() <= 10, || {
                format!(
                    "{}: {} URLs, at most 10",
                    at("additional_image_link"),
                    links.len()
                )
            });
            for link in links {
                if let Some(problem) = image_url_problem(link) {
                    p.add(format!(
                        "{}: {link:?}: {problem}",
                        at("additional_image_link")
                    ));
                }
            }
        }
        let brand = row.get("brand");
        p.check(!brand.trim().is_empty() && chars(brand) <= 100, || {
            format!("{}: 1–100 characters", at("brand"))
        });
        let gtin = row.get("gtin");
        if !gtin.is_empty()
            && let Some(problem) = gtin_problem(gtin)
        {
            p.add(format!("{}: {problem}", at("gtin")));
        }
        let category = row.get("google_product_category");
        p.check(!GOOGLE_TOP_LEVEL.contains(&category), || {
            format!(
                "{}: at least two levels deep",
                at("google_product_category")
            )
        });
        p.check(
            chars(row.get("color")) <= 100 && chars(row.get("size")) <= 100,
            || format!("{}/size: at most 100 characters", at("color")),
        );
        p.check(
            ["", "female", "male", "unisex"].contains(&row.get("gender")),
            || format!("{}: female/male/unisex", at("gender")),
        );
        p.check(
            [
                "", "adult", "all ages", "teen", "kids", "toddler", "infant", "newborn",
            ]
            .contains(&row.get("age_group")),
            || format!("{}: not a Meta age group", at("age_group")),
        );

        let group = row.get("item_group_id");
        p.check(chars(group) <= 100, || {
            format!("{}: at most 100", at("item_group_id"))
        });
        if item.is_some_and(|i| i.parent.is_some()) {
            p.check(!group.is_empty(), || {
                format!("{}: a variant needs an item_group_id", at("item_group_id"))
            });
        }
        if !group.is_empty() {
            groups.entry(group).or_default().push(row);
        }
    }
    check_variant_groups(&mut p, &groups, &catalog, false);
    p.finish();
}

// ---------------------------------------------------------------------------------------
// Shopify (§3, §9.4) — the classic ("legacy") header set
// ---------------------------------------------------------------------------------------

/// Shopify's classic product CSV headers (§3.2), exact and case-sensitive.
#[rustfmt::skip]
const SHOPIFY_HEADERS: &[&str] = &[
    "Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published",
    "Option1 Name", "Option1 Value", "Option1 Linked To", "Option2 Name", "Option2 Value",
    "Option3 Name", "Option3 Value", "Variant SKU", "Variant Grams",
    "Variant Inventory Tracker", "Variant Inventory Qty", "Variant Inventory Policy",
    "Variant Fulfillment Service", "Variant Price", "Variant Compare At Price",
    "Variant Requires Shipping", "Variant Taxable", "Unit Price Total Measure",
    "Unit Price Total Measure Unit", "Unit Price Base Measure", "Unit Price Base Measure Unit",
    "Variant Barcode", "Image Src", "Image Position", "Image Alt Text", "Gift Card",
    "SEO Title", "SEO Description", "Google Shopping / Google Product Category",
    "Google Shopping / Gender", "Google Shopping / Age Group", "Google Shopping / MPN",
    "Google Shopping / Condition", "Google Shopping / Custom Product",
    "Google Shopping / Custom Label 0", "Google Shopping / Custom Label 1",
    "Google Shopping / Custom Label 2", "Google Shopping / Custom Label 3",
    "Google Shopping / Custom Label 4", "Variant Image", "Variant Weight Unit",
    "Variant Tax Code", "Cost per item", "Status",
];

/// Columns that describe the product: on its first row only (§3.3).
#[rustfmt::skip]
const SHOPIFY_PRODUCT_LEVEL: &[&str] = &[
    "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published",
    "Gift Card", "SEO Title", "SEO Description", "Google Shopping / Google Product Category",
    "Google Shopping / Gender", "Google Shopping / Age Group", "Google Shopping / MPN",
    "Google Shopping / Condition", "Google Shopping / Custom Product", "Status",
];

/// What an image-only row may fill (§3.3): Handle and the image columns.
const SHOPIFY_IMAGE_ROW: &[&str] = &["Handle", "Image Src", "Image Position", "Image Alt Text"];

fn is_market_column(h: &str) -> bool {
    ["Included / ", "Price / ", "Compare At Price / "]
        .iter()
        .any(|p| h.starts_with(p))
}

fn valid_handle(h: &str) -> bool {
    !h.is_empty()
        && h.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

#[test]
fn shopify_product_import() {
    let out = export();
    let table = read_table(&out.path().join("shopify.csv"), b',');
    let catalog = catalog("shopify");
    let channel = channel("shopify");
    let mut p = Problems::new("shopify.csv");

    for h in &table.headers {
        p.check(
            SHOPIFY_HEADERS.contains(&h.as_str()) || is_market_column(h),
            || format!("header {h:?} is not one of Shopify's (classic) product CSV headers"),
        );
    }
    for required in [
        "Handle",
        "Title",
        "Option1 Name",
        "Option1 Value",
        "Variant SKU",
        "Variant Price",
    ] {
        p.check(table.headers.iter().any(|h| h == required), || {
            format!("required column `{required}` missing")
        });
    }

    // Rows grouped by handle, consecutively.
    let mut order: Vec<&str> = Vec::new();
    let mut handles: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for row in &table.rows {
        let handle = row.get("Handle");
        if order.last() != Some(&handle) {
            p.check(!handles.contains_key(handle), || {
                format!(
                    "{}: the rows of this handle are not consecutive",
                    row.at("Handle", "Handle")
                )
            });
            order.push(handle);
        }
        handles.entry(handle).or_default().push(row);
    }

    let mut variant_skus: Vec<&Row> = Vec::new();
    for (handle, rows) in &handles {
        let first = rows[0];
        let at = |row: &Row, c: &str| row.at("Handle", c);
        p.check(valid_handle(handle), || {
            format!(
                "{}: lower-case letters, digits and single dashes only",
                at(first, "Handle")
            )
        });
        p.check(!first.get("Title").trim().is_empty(), || {
            format!(
                "{}: the first row of a product needs its Title",
                at(first, "Title")
            )
        });
        p.check(!first.get("Option1 Name").is_empty(), || {
            format!("{}: the first row names Option1", at(first, "Option1 Name"))
        });
        p.check(["TRUE", "FALSE"].contains(&first.get("Published")), || {
            format!("{}: TRUE/FALSE", at(first, "Published"))
        });
        p.check(
            ["active", "draft", "archived"].contains(&first.get("Status")),
            || format!("{}: active/draft/archived", at(first, "Status")),
        );
        p.check(
            ["", "TRUE", "FALSE"].contains(&first.get("Gift Card")),
            || format!("{}: TRUE/FALSE", at(first, "Gift Card")),
        );
        let vendor = first.get("Vendor");
        p.check(vendor.is_empty() || chars(vendor) >= 2, || {
            format!("{}: at least 2 characters", at(first, "Vendor"))
        });
        p.check(chars(first.get("SEO Title")) <= 70, || {
            format!("{}: at most 70 characters", at(first, "SEO Title"))
        });
        p.check(chars(first.get("SEO Description")) <= 320, || {
            format!("{}: at most 320 characters", at(first, "SEO Description"))
        });

        let option_names: Vec<&str> = ["Option1 Name", "Option2 Name", "Option3 Name"]
            .iter()
            .map(|c| first.get(c))
            .take_while(|n| !n.is_empty())
            .collect();
        p.check(
            first.get("Option3 Name").is_empty() || !first.get("Option2 Name").is_empty(),
            || {
                format!(
                    "{}: option names must be filled in order",
                    at(first, "Option3 Name")
                )
            },
        );

        let mut combos: HashMap<Vec<&str>, u64> = HashMap::new();
        let mut positions: HashMap<&str, u64> = HashMap::new();
        let mut variant_rows = 0;
        for (index, row) in rows.iter().enumerate() {
            if index > 0 {
                for column in SHOPIFY_PRODUCT_LEVEL {
                    p.check(row.get(column).is_empty(), || {
                        format!("{}: product-level column on a later row", at(row, column))
                    });
                }
                for column in ["Option1 Name", "Option2 Name", "Option3 Name"] {
                    p.check(
                        row.get(column).is_empty() || row.get(column) == first.get(column),
                        || {
                            format!(
                                "{}: differs from the product's option name",
                                at(row, column)
                            )
                        },
                    );
                }
            }

            let image_only = row
                .cells
                .iter()
                .all(|(c, v)| v.is_empty() || SHOPIFY_IMAGE_ROW.contains(&c.as_str()));
            if image_only && index > 0 {
                p.check(!row.get("Image Src").is_empty(), || {
                    format!(
                        "{}: an image-only row without an image",
                        at(row, "Image Src")
                    )
                });
            } else {
                variant_rows += 1;
                variant_skus.push(row);
                let values: Vec<&str> = ["Option1 Value", "Option2 Value", "Option3 Value"]
                    .iter()
                    .map(|c| row.get(c))
                    .collect();
                for (i, value) in values.iter().enumerate() {
                    let named = i < option_names.len();
                    p.check(named != value.is_empty(), || {
                        format!(
                            "{}: {} option name(s), so Option{} Value must be {}",
                            at(row, &format!("Option{} Value", i + 1)),
                            option_names.len(),
                            i + 1,
                            if named { "filled" } else { "empty" }
                        )
                    });
                }
                if let Some(first_line) = combos.insert(values.clone(), row.line) {
                    p.add(format!(
                        "{}: option values {values:?} repeat line {first_line} (options are not unique)",
                        at(row, "Option1 Value")
                    ));
                }
                let sku = row.get("Variant SKU");
                p.check(!sku.is_empty(), || {
                    format!("{}: every variant has a SKU", at(row, "Variant SKU"))
                });
                let price = row.get("Variant Price");
                p.check(
                    !price.is_empty() && decimal_problem(price).is_none(),
                    || {
                        format!(
                            "{}: a number (no currency symbol)",
                            at(row, "Variant Price")
                        )
                    },
                );
                if let Some(item) = catalog.items.get(sku) {
                    let want = item.price(&channel.currency).unwrap_or("");
                    p.check(price == want, || {
                        format!("{}: the catalog says {want:?}", at(row, "Variant Price"))
                    });
                    if item.parent.is_none() {
                        p.check(option_names == ["Title"] && values[0] == "Default Title", || {
                            format!(
                                "{}: a product without variants is Option1 Name `Title` / Option1 Value `Default Title`",
                                at(row, "Option1 Value")
                            )
                        });
                    }
                }
                let compare = row.get("Variant Compare At Price");
                p.check(
                    compare.is_empty() || decimal_problem(compare).is_none(),
                    || format!("{}: a number", at(row, "Variant Compare At Price")),
                );
                let grams = row.get("Variant Grams");
                p.check(
                    grams.is_empty() || grams.bytes().all(|b| b.is_ascii_digit()),
                    || format!("{}: a whole number of grams", at(row, "Variant Grams")),
                );
                for column in ["Variant Requires Shipping", "Variant Taxable"] {
                    p.check(["", "TRUE", "FALSE"].contains(&row.get(column)), || {
                        format!("{}: TRUE/FALSE", at(row, column))
                    });
                }
                p.check(
                    ["deny", "continue"].contains(&row.get("Variant Inventory Policy")),
                    || format!("{}: deny/continue", at(row, "Variant Inventory Policy")),
                );
                p.check(!row.get("Variant Fulfillment Service").is_empty(), || {
                    format!("{}: can't be blank", at(row, "Variant Fulfillment Service"))
                });
                let tracker = row.get("Variant Inventory Tracker");
                p.check(["", "shopify"].contains(&tracker), || {
                    format!(
                        "{}: `shopify` or blank",
                        at(row, "Variant Inventory Tracker")
                    )
                });
                if tracker == "shopify" {
                    let qty = row.get("Variant Inventory Qty");
                    p.check(
                        !qty.is_empty()
                            && qty
                                .trim_start_matches('-')
                                .bytes()
                                .all(|b| b.is_ascii_digit()),
                        || {
                            format!(
                                "{}: a tracked variant needs a whole-number quantity",
                                at(row, "Variant Inventory Qty")
                            )
                        },
                    );
                }
                p.check(
                    ["", "g", "kg", "lb", "oz"].contains(&row.get("Variant Weight Unit")),
                    || format!("{}: g/kg/lb/oz", at(row, "Variant Weight Unit")),
                );
                let barcode = row.get("Variant Barcode");
                if !barcode.is_empty()
                    && let Some(problem) = gtin_problem(barcode)
                {
                    p.add(format!("{}: {problem}", at(row, "Variant Barcode")));
                }
                let variant_image = row.get("Variant Image");
                if !variant_image.is_empty()
                    && let Some(problem) = image_url_problem(variant_image)
                {
                    p.add(format!("{}: {problem}", at(row, "Variant Image")));
                }
            }

            let image = row.get("Image Src");
            if image.is_empty() {
                p.check(
                    row.get("Image Position").is_empty() && row.get("Image Alt Text").is_empty(),
                    || {
                        format!(
                            "{}: image position/alt text without an image",
                            at(row, "Image Position")
                        )
                    },
                );
            } else {
                if let Some(problem) = image_url_problem(image) {
                    p.add(format!("{}: {problem}", at(row, "Image Src")));
                }
                let position = row.get("Image Position");
                p.check(
                    position.is_empty()
                        || (position.bytes().all(|b| b.is_ascii_digit())
                            && decimal_is_positive(position)),
                    || format!("{}: a positive whole number", at(row, "Image Position")),
                );
                if !position.is_empty()
                    && let Some(first_line) = positions.insert(position, row.line)
                {
                    p.add(format!(
                        "{}: same position as line {first_line}",
                        at(row, "Image Position")
                    ));
                }
            }
        }
        p.check(variant_rows <= 2048, || {
            format!("{handle}: more than 2048 variants")
        });
        p.check(option_names.len() <= 3, || {
            format!("{handle}: more than 3 options")
        });
        if option_names == ["Title"] {
            p.check(variant_rows == 1, || {
                format!(
                    "{handle}: Option1 Name `Title` (no variants) but {variant_rows} variant rows"
                )
            });
        }
        if let Some(product) = catalog.products.get(&handle.to_uppercase()) {
            p.check(product.has_variants || option_names == ["Title"], || {
                format!(
                    "{}: a product without variants uses Option1 Name `Title`",
                    at(first, "Option1 Name")
                )
            });
        }
    }

    let skus: Vec<Row> = variant_skus
        .iter()
        .map(|r| Row {
            line: r.line,
            cells: r.cells.clone(),
        })
        .collect();
    check_unique(&mut p, &skus, "Handle", "Variant SKU");
    let got: BTreeSet<String> = skus
        .iter()
        .map(|r| r.get("Variant SKU").to_owned())
        .collect();
    compare_sets(&mut p, "variant rows", &got, &catalog.expected(&channel));
    p.finish();
}

// ---------------------------------------------------------------------------------------
// Web shop: HTML with schema.org Product JSON-LD (§5, §9.6)
// ---------------------------------------------------------------------------------------

/// What a small HTML tokenizer finds in a page.
struct Page {
    /// Text content outside `<script>` and `<style>`, as written (entities not decoded).
    text: Vec<String>,
    /// Attribute values, as written.
    attributes: Vec<String>,
    /// `<script type="application/ld+json">` contents.
    json_ld: Vec<String>,
    /// Tag structure problems.
    problems: Vec<String>,
}

#[rustfmt::skip]
const VOID_ELEMENTS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
];

fn parse_html(html: &str) -> Page {
    let mut page = Page {
        text: Vec::new(),
        attributes: Vec::new(),
        json_ld: Vec::new(),
        problems: Vec::new(),
    };
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        page.text.push(rest[..start].to_owned());
        rest = &rest[start..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            let end = comment.find("-->").expect("unclosed comment");
            rest = &comment[end + 3..];
            continue;
        }
        if rest.starts_with("<!") {
            let end = rest.find('>').expect("unclosed declaration");
            rest = &rest[end + 1..];
            continue;
        }
        // A tag: find its end, skipping quoted attribute values.
        let mut quote = None;
        let mut end = None;
        for (i, c) in rest.char_indices().skip(1) {
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (None, '>') => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let end = end.expect("unclosed tag");
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let name = name.trim().to_ascii_lowercase();
            match stack.pop() {
                Some(open) if open == name => {}
                other => page.problems.push(format!("</{name}> closes {other:?}")),
            }
            continue;
        }
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() {
            page.problems.push(format!("not a tag: <{tag}>"));
            continue;
        }
        let attrs = attributes(&tag[name.len()..]);
        page.attributes.extend(attrs.iter().map(|(_, v)| v.clone()));
        if name == "script" || name == "style" {
            let close = format!("</{name}");
            let end = rest
                .to_ascii_lowercase()
                .find(&close)
                .unwrap_or_else(|| panic!("unclosed <{name}>"));
            let body = &rest[..end];
            if name == "script"
                && attrs
                    .iter()
                    .any(|(k, v)| k == "type" && v == "application/ld+json")
            {
                page.json_ld.push(body.to_owned());
            }
            let after = &rest[end..];
            rest = &after[after.find('>').unwrap() + 1..];
            continue;
        }
        if !VOID_ELEMENTS.contains(&name.as_str()) && !tag.ends_with('/') {
            stack.push(name);
        }
    }
    page.text.push(rest.to_owned());
    if !stack.is_empty() {
        page.problems.push(format!("unclosed elements: {stack:?}"));
    }
    page
}

/// The attributes of a tag (after its name): name -> value as written.
fn attributes(mut s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    loop {
        s = s.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if s.is_empty() {
            return out;
        }
        let name_end = s
            .find(|c: char| c.is_whitespace() || c == '=' || c == '/')
            .unwrap_or(s.len());
        let name = s[..name_end].to_ascii_lowercase();
        s = s[name_end..].trim_start();
        let value = if let Some(after) = s.strip_prefix('=') {
            let after = after.trim_start();
            if let Some(q @ ('"' | '\'')) = after.chars().next() {
                let close = after[1..].find(q).map_or(after.len(), |i| i + 1);
                let value = after[1..close].to_owned();
                s = &after[(close + 1).min(after.len())..];
                value
            } else {
                let end = after.find(char::is_whitespace).unwrap_or(after.len());
                let value = after[..end].to_owned();
                s = &after[end..];
                value
            }
        } else {
            String::new()
        };
        out.push((name, value));
    }
}

/// Decodes the character references minijinja's HTML escaping produces (and `&nbsp;`).
fn decode_entities(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(len) = entity_len(rest) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let name = &rest[1..len - 1];
        let decoded = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{A0}'),
            _ => name
                .strip_prefix("#x")
                .or_else(|| name.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => out.push(c),
            None => out.push_str(&rest[..len]),
        }
        rest = &rest[len..];
    }
    out.push_str(rest);
    out
}

/// Raw `<` or `&` in HTML text or attribute values: each `&` must start a character
/// reference, each `<` a tag (the tokenizer already consumed the tags).
fn unescaped_problem(s: &str) -> Option<String> {
    for (i, c) in s.char_indices() {
        if c == '<' {
            return Some(format!("raw `<` in {:?}", excerpt(s, i)));
        }
        if c == '&' && entity_len(&s[i..]).is_none() {
            return Some(format!("raw `&` in {:?}", excerpt(s, i)));
        }
    }
    None
}

fn excerpt(s: &str, i: usize) -> String {
    let start = s[..i].char_indices().rev().nth(20).map_or(0, |(j, _)| j);
    s[start..].chars().take(50).collect()
}

#[rustfmt::skip]
const SCHEMA_AVAILABILITY: &[&str] = &[
    "InStock", "OutOfStock", "PreOrder", "PreSale", "BackOrder", "Discontinued",
    "LimitedAvailability", "OnlineOnly", "InStoreOnly", "SoldOut",
];
#[rustfmt::skip]
const SCHEMA_CONDITION: &[&str] = &[
    "NewCondition", "UsedCondition", "RefurbishedCondition", "DamagedCondition",
];

#[test]
fn webshop_page_and_json_ld() {
    let out = export();
    let catalog = catalog("webshop");
    let pages = channels("webshop");
    assert!(!pages.is_empty());
    for channel in &pages {
        check_webshop_page(out.path(), &catalog, channel);
    }
}

/// One rendering of the web shop (one locale).
fn check_webshop_page(out: &Path, catalog: &Catalog, channel: &Channel) {
    let html = read(&out.join(&channel.output));
    let mut p = Problems::new(channel.output.clone());

    p.check(
        html.trim_start()
            .to_ascii_lowercase()
            .starts_with("<!doctype html>"),
        || "the page does not start with <!DOCTYPE html>".into(),
    );
    p.check(
        html.contains(&format!("lang=\"{}\"", channel.locale)),
        || format!("<html> does not declare lang=\"{}\"", channel.locale),
    );
    p.check(
        html.to_ascii_lowercase()
            .contains("<meta charset=\"utf-8\">"),
        || "no <meta charset=\"utf-8\">".into(),
    );

    let page = parse_html(&html);
    for problem in &page.problems {
        p.add(format!("HTML structure: {problem}"));
    }
    for text in page.text.iter().chain(&page.attributes) {
        if let Some(problem) = unescaped_problem(text) {
            p.add(format!("not HTML-escaped: {problem}"));
        }
    }
    let visible = decode_entities(&page.text.concat());

    let mut product_skus: HashMap<String, usize> = HashMap::new();
    let mut offer_skus: BTreeSet<String> = BTreeSet::new();
    p.check(!page.json_ld.is_empty(), || "no JSON-LD block".into());
    for (n, block) in page.json_ld.iter().enumerate() {
        let n = n + 1;
        let ld: Value = match serde_json::from_str(block) {
            Ok(v) => v,
            Err(e) => {
                p.add(format!("JSON-LD block {n}: not JSON: {e}"));
                continue;
            }
        };
        let sku = ld["sku"].as_str().unwrap_or("").to_owned();
        let at = format!("JSON-LD block {n} ({sku})");
        p.check(
            [
                "https://schema.org",
                "http://schema.org",
                "https://schema.org/",
            ]
            .contains(&ld["@context"].as_str().unwrap_or("")),
            || format!("{at}: @context {} is not schema.org", ld["@context"]),
        );
        p.check(ld["@type"] == "Product", || {
            format!("{at}: @type {} is not Product", ld["@type"])
        });
        let name = ld["name"].as_str().unwrap_or("");
        p.check(!name.trim().is_empty(), || format!("{at}: no name"));
        // Structured data must describe what the page shows (§5.1).
        p.check(visible.contains(name), || {
            format!("{at}: the name {name:?} is not shown on the page")
        });
        if !sku.is_empty() {
            if let Some(first) = product_skus.insert(sku.clone(), n) {
                p.add(format!("{at}: same sku as block {first}"));
            }
            if let Some(product) = catalog.products.get(&sku) {
                let want = product.values["name"][&channel.locale]
                    .as_str()
                    .unwrap_or("");
                p.check(name == want, || {
                    format!("{at}: name {name:?}, the catalog says {want:?}")
                });
            }
        }
        let images: Vec<&Value> = match &ld["image"] {
            Value::Array(a) => a.iter().collect(),
            Value::Null => Vec::new(),
            other => vec![other],
        };
        p.check(!images.is_empty(), || format!("{at}: no image (required)"));
        for image in images {
            let url = image
                .as_str()
                .or_else(|| image["url"].as_str())
                .unwrap_or("");
            if let Some(problem) = image_url_problem(url) {
                p.add(format!("{at}: image {url:?}: {problem}"));
            }
        }
        if let Some(url) = ld.get("url").and_then(Value::as_str)
            && let Some(problem) = url_problem(url)
        {
            p.add(format!("{at}: url {url:?}: {problem}"));
        }
        if !ld["brand"].is_null() {
            p.check(
                ld["brand"]["name"]
                    .as_str()
                    .is_some_and(|b| !b.trim().is_empty()),
                || format!("{at}: brand without a name: {}", ld["brand"]),
            );
        }
        check_gtins(&mut p, &at, &ld);

        let offers: Vec<&Value> = match &ld["offers"] {
            Value::Array(a) => a.iter().collect(),
            Value::Object(_) => vec![&ld["offers"]],
            _ => Vec::new(),
        };
        p.check(!offers.is_empty(), || format!("{at}: no offers (required)"));
        for (m, offer) in offers.iter().enumerate() {
            let osku = offer["sku"].as_str().unwrap_or("");
            let oat = format!("{at} offer {} ({osku})", m + 1);
            p.check(offer["@type"] == "Offer", || {
                format!("{oat}: @type {}", offer["@type"])
            });
            let price = match &offer["price"] {
                Value::String(s) => s.clone(),
                other => {
                    p.add(format!("{oat}: price {other} is not a decimal string"));
                    String::new()
                }
            };
            if let Some(problem) = decimal_problem(&price) {
                p.add(format!("{oat}: price {price:?}: {problem}"));
            } else {
                p.check(decimal_is_positive(&price), || {
                    format!("{oat}: price is zero")
                });
            }
            p.check(offer["priceCurrency"] == channel.currency.as_str(), || {
                format!(
                    "{oat}: priceCurrency {} (the page sells in {})",
                    offer["priceCurrency"], channel.currency
                )
            });
            let availability = offer["availability"].as_str().unwrap_or("");
            p.check(
                availability
                    .strip_prefix("https://schema.org/")
                    .is_some_and(|a| SCHEMA_AVAILABILITY.contains(&a)),
                || format!("{oat}: availability {availability:?} is not a schema.org ItemAvailability URL"),
            );
            if let Some(condition) = offer.get("itemCondition") {
                p.check(
                    condition
                        .as_str()
                        .and_then(|c| c.strip_prefix("https://schema.org/"))
                        .is_some_and(|c| SCHEMA_CONDITION.contains(&c)),
                    || format!("{oat}: itemCondition {condition} is not a schema.org OfferItemCondition URL"),
                );
            }
            if let Some(url) = offer.get("url").and_then(Value::as_str)
                && let Some(problem) = url_problem(url)
            {
                p.add(format!("{oat}: url {url:?}: {problem}"));
            }
            check_gtins(&mut p, &oat, offer);
            if osku.is_empty() {
                p.add(format!("{oat}: no sku"));
                continue;
            }
            p.check(offer_skus.insert(osku.to_owned()), || {
                format!("{oat}: sku offered twice")
            });
            if let Some(item) = catalog.items.get(osku) {
                let want = item.price(&channel.currency).unwrap_or("");
                p.check(price == want, || {
                    format!("{oat}: price {price:?}, the catalog says {want:?}")
                });
                p.check(item.parent.as_deref().unwrap_or(&item.sku) == sku, || {
                    format!(
                        "{oat}: offered under product {sku}, the catalog says {:?}",
                        item.parent
                    )
                });
            }
        }
    }
    compare_sets(&mut p, "offers", &offer_skus, &catalog.expected(channel));

    // The one product name of the demo with `&` (catalog/cookware/NW-CKW-4001) is escaped in
    // the page text and raw (via tojson) in its JSON-LD.
    let name = catalog.items["NW-CKW-4001"]
        .localized("name", &channel.locale)
        .unwrap()
        .to_owned();
    assert!(
        name.contains('&'),
        "the demo name of NW-CKW-4001 no longer contains `&`: {name:?}"
    );
    // (A `"` in text may stay raw or be written `&quot;`; the English name has one.)
    let escaped = name.replace('&', "&amp;");
    let text = page.text.concat();
    p.check(
        text.contains(&escaped) || text.contains(&escaped.replace('"', "&quot;")),
        || format!("the name {name:?} does not appear as {escaped:?} in the page text"),
    );
    p.finish();
}

/// schema.org `gtin*` values: digits only, of the length the key names, valid (§5.1).
fn check_gtins(p: &mut Problems, at: &str, value: &Value) {
    let Some(map) = value.as_object() else { return };
    for (key, v) in map {
        let Some(len) = key.strip_prefix("gtin") else {
            continue;
        };
        let gtin = v.as_str().unwrap_or("");
        if let Some(problem) = gtin_problem(gtin) {
            p.add(format!("{at}: {key} {gtin:?}: {problem}"));
        }
        if !len.is_empty() {
            p.check(len == gtin.len().to_string(), || {
                format!("{at}: {key} holds {} digits", gtin.len())
            });
        }
    }
}

// ---------------------------------------------------------------------------------------
// Storefront API (JSON)
// ---------------------------------------------------------------------------------------

#[test]
fn storefront_api_json() {
    let out = export();
    let text = read(&out.path().join("api.json"));
    let catalog = catalog("api");
    let channel = channel("api");
    let mut p = Problems::new("api.json");

    let doc: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("api.json: not JSON: {e}"));
    p.check(doc["currency"] == channel.currency.as_str(), || {
        format!("currency {}", doc["currency"])
    });
    p.check(doc["locale"] == channel.locale.as_str(), || {
        format!("locale {}", doc["locale"])
    });
    let products = doc["products"]
        .as_array()
        .expect("`products` is not an array");

    let skus: Vec<&str> = products
        .iter()
        .map(|p| p["sku"].as_str().unwrap_or(""))
        .collect();
    for pair in skus.windows(2) {
        p.check(pair[0] < pair[1], || {
            format!(
                "products not sorted by sku (byte order) or repeated: {:?} before {:?}",
                pair[0], pair[1]
            )
        });
    }

    // Colour names in the channel's locale: the labels of the colour codes (x-pim-options of
    // the shared colour definition in the product schema).
    let schema: Value =
        serde_json::from_str(&read(&root().join("schemas/product.schema.json"))).unwrap();
    let color_names = &schema["$defs"]["color"]["x-pim-options"];
    p.check(color_names.is_object(), || {
        "schemas/product.schema.json has no colour labels ($defs/color/x-pim-options)".into()
    });

    let mut variant_skus: BTreeSet<String> = BTreeSet::new();
    for product in products {
        let sku = product["sku"].as_str().unwrap_or("");
        p.check(!sku.is_empty(), || {
            format!("a product without sku: {}", product["name"])
        });
        p.check(product["status"] != "archived", || {
            format!("{sku}: archived product exported")
        });
        if let Some(price) = product["price"].as_str()
            && let Some(problem) = decimal_problem(price)
        {
            p.add(format!("{sku}: price {price:?}: {problem}"));
        }
        let variants = product["variants"].as_array();
        p.check(variants.is_some_and(|v| !v.is_empty()), || {
            format!("{sku}: no variants listed")
        });
        for variant in variants.into_iter().flatten() {
            let vsku = variant["sku"].as_str().unwrap_or("");
            p.check(variant["status"] != "archived", || {
                format!("{sku}/{vsku}: archived variant exported")
            });
            p.check(variant_skus.insert(vsku.to_lowercase()), || {
                format!("{sku}: variant sku {vsku:?} is not unique")
            });
            match &variant["price"] {
                Value::Null => {}
                Value::String(price) => {
                    if let Some(problem) = decimal_problem(price) {
                        p.add(format!("{sku}/{vsku}: price {price:?}: {problem}"));
                    }
                    if let Some(item) = catalog.items.get(vsku) {
                        let want = item.price(&channel.currency);
                        p.check(want == Some(price.as_str()), || {
                            format!("{sku}/{vsku}: price {price:?}, the catalog says {want:?}")
                        });
                    }
                }
                other => p.add(format!(
                    "{sku}/{vsku}: price {other} is not a decimal string"
                )),
            }
            if let Some(color) = variant["color"].as_str() {
                let want = color_names[color][&channel.locale].as_str();
                p.check(
                    want.is_some() && variant["labels"]["color"].as_str() == want,
                    || {
                        format!(
                            "{sku}/{vsku}: colour {color:?} is labelled {}, the schema says {want:?} in {}",
                            variant["labels"]["color"], channel.locale
                        )
                    },
                );
            }
            if let Some(gtin) = variant["gtin"].as_str()
                && let Some(problem) = gtin_problem(gtin)
            {
                p.add(format!("{sku}/{vsku}: gtin {gtin:?}: {problem}"));
            }
        }
    }
    let want: BTreeSet<String> = catalog
        .expected(&channel)
        .iter()
        .map(|s| s.to_lowercase())
        .collect();
    compare_sets(&mut p, "variants", &variant_skus, &want);
    p.finish();
}
