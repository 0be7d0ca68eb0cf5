//! The neutral form every importer produces: values per slot and channel, products with their
//! variants, and the product file each becomes (only what a variant does not inherit).

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use std::collections::{BTreeMap, BTreeSet};

/// A value as it will be written to YAML, with mapping keys in the order they are written.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Val>),
    Map(Vec<(String, Val)>),
}

impl Val {
    pub fn str(s: impl Into<String>) -> Val {
        Val::Str(s.into())
    }

    /// The value as JSON, as pim reads it back.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Val::Bool(b) => J::Bool(*b),
            Val::Int(i) => J::from(*i),
            Val::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Val::Str(s) => J::String(s.clone()),
            Val::List(items) => J::Array(items.iter().map(Val::to_json).collect()),
            Val::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Val> {
        match self {
            Val::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// A mapping with keys in the order given.
pub fn obj(entries: Vec<(&str, Val)>) -> Val {
    Val::Map(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

/// A list of strings.
pub fn strs<S: AsRef<str>>(items: &[S]) -> Val {
    Val::List(items.iter().map(|s| Val::str(s.as_ref())).collect())
}

/// An importer's `schemas/product.schema.json`: `sku` required, its attributes and `$defs`.
pub fn product_schema(
    description: &str,
    properties: Vec<(String, Val)>,
    defs: Vec<(String, Val)>,
) -> Val {
    obj(vec![
        (
            "$schema",
            Val::str("https://json-schema.org/draft/2020-12/schema"),
        ),
        ("title", Val::str("Product")),
        ("description", Val::str(description)),
        ("type", Val::str("object")),
        ("required", strs(&["sku"])),
        ("properties", Val::Map(properties)),
        ("$defs", Val::Map(defs)),
    ])
}

/// A JSON file to write, pretty-printed with a final newline.
pub(crate) fn json_output(rel: &str, value: &Val) -> super::Output {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    super::Output::text(rel, text)
}

impl Serialize for Val {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Val::Bool(b) => serializer.serialize_bool(*b),
            Val::Int(i) => serializer.serialize_i64(*i),
            Val::Float(f) => serializer.serialize_f64(*f),
            Val::Str(s) => serializer.serialize_str(s),
            Val::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Val::Map(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// Renders a document as YAML: strings that YAML 1.1 or 1.2 would read as anything else
/// (`"0012"`, `"yes"`, `"2012-04-20"`) are quoted, so every YAML tool reads the same values.
pub fn to_yaml(doc: &Val) -> Result<String, String> {
    let mut options = serde_saphyr::SerializerOptions::default();
    options.compact_list_indent = false;
    serde_saphyr::to_string_with_options(doc, options).map_err(|e| e.to_string())
}

/// Where a value sits in a product: a top-level key (`name`, `status`, `associations`) and
/// the keys below it (a locale, a currency, an association type), down to the value.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slot {
    pub top: String,
    pub path: Vec<String>,
}

impl Slot {
    pub fn top(top: impl Into<String>) -> Slot {
        Slot {
            top: top.into(),
            path: Vec::new(),
        }
    }

    pub fn at(top: impl Into<String>, path: Vec<String>) -> Slot {
        Slot {
            top: top.into(),
            path,
        }
    }

    /// `name/en-US`, for messages.
    pub fn display(&self) -> String {
        std::iter::once(self.top.as_str())
            .chain(self.path.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("/")
    }
}

pub type Values = BTreeMap<Slot, Val>;

/// Values for every channel, and values for one channel only.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scoped {
    pub global: Values,
    pub channels: BTreeMap<String, Values>,
}

impl Scoped {
    /// What channel `channel` sees: the channel's values over the global ones.
    pub fn view(&self, channel: Option<&str>) -> Values {
        let mut out = self.global.clone();
        if let Some(own) = channel.and_then(|c| self.channels.get(c)) {
            out.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.global.is_empty() && self.channels.values().all(BTreeMap::is_empty)
    }
}

/// A product, or a variant at some level, with every value its source holds for it
/// (inherited ones included, as exports repeat them).
#[derive(Clone, Debug, Default)]
pub struct Entity {
    pub sku: String,
    /// Only on products (the root of a file).
    pub family: Option<String>,
    pub values: Scoped,
    /// Slots written on this entity even when its parent holds the same value (variant axes).
    pub forced: BTreeSet<Slot>,
    /// `None`: no `variants` key; `Some(empty)`: a product model without items.
    pub children: Option<Vec<Entity>>,
    /// Where the entity comes from, for messages: file name and line.
    pub origin: (String, u64),
}

/// How the keys of a product file are ordered.
pub struct Layout {
    /// Rank of each top-level key; unknown keys come after, in byte order.
    pub top_rank: BTreeMap<String, usize>,
    /// Rank of keys below the top (locales, then currencies); others in byte order.
    pub sub_rank: BTreeMap<String, usize>,
    /// The channels a value may be scoped to, in order. Empty: no channels.
    pub channels: Vec<String>,
}

impl Layout {
    fn top_key(&self, key: &str) -> (usize, String) {
        (
            self.top_rank.get(key).copied().unwrap_or(usize::MAX),
            key.to_owned(),
        )
    }

    fn sub_key(&self, key: &str) -> (usize, String) {
        (
            self.sub_rank.get(key).copied().unwrap_or(usize::MAX),
            key.to_owned(),
        )
    }

    /// The channel list as views: one per channel, or a single view when there is none.
    fn views(&self) -> Vec<Option<&str>> {
        if self.channels.is_empty() {
            vec![None]
        } else {
            self.channels.iter().map(|c| Some(c.as_str())).collect()
        }
    }
}

/// A value a variant's source lacks although its parent has it: pim's variants inherit, so
/// the item gets the parent's value.
#[derive(Clone, Debug, PartialEq)]
pub struct Inherited {
    pub sku: String,
    pub origin: (String, u64),
    pub slot: Slot,
    pub channel: Option<String>,
}

/// Builds the product file of a root entity: each variant carries only the values that
/// differ from what it inherits; a value the same in every channel is written once, others
/// under `channels:`.
pub fn product_document(root: &Entity, layout: &Layout, inherited: &mut Vec<Inherited>) -> Val {
    let empty: Vec<Values> = layout.views().iter().map(|_| Values::new()).collect();
    entity_document(root, &empty, layout, inherited, true)
}

fn entity_document(
    entity: &Entity,
    parent_views: &[Values],
    layout: &Layout,
    inherited: &mut Vec<Inherited>,
    is_root: bool,
) -> Val {
    let views = layout.views();
    let own_views: Vec<Values> = views.iter().map(|c| entity.values.view(*c)).collect();
    let mut global = Values::new();
    let mut scoped: BTreeMap<String, Values> = BTreeMap::new();
    let slots: BTreeSet<&Slot> = own_views
        .iter()
        .chain(parent_views.iter())
        .flat_map(BTreeMap::keys)
        .collect();
    for slot in slots {
        let mut needed = Vec::with_capacity(views.len());
        for (i, channel) in views.iter().enumerate() {
            let own = own_views.get(i).and_then(|v| v.get(slot));
            let parent = parent_views.get(i).and_then(|v| v.get(slot));
            match (own, parent) {
                (None, Some(_)) => inherited.push(Inherited {
                    sku: entity.sku.clone(),
                    origin: entity.origin.clone(),
                    slot: slot.clone(),
                    channel: channel.map(str::to_owned),
                }),
                (Some(v), p) if p != Some(v) || entity.forced.contains(slot) => {
                    needed.push((*channel, v));
                }
                _ => {}
            }
        }
        let everywhere = needed.len() == views.len()
            && needed
                .first()
                .is_some_and(|(_, first)| needed.iter().all(|(_, v)| v == first));
        if everywhere {
            if let Some((_, v)) = needed.first() {
                global.insert(slot.clone(), (*v).clone());
            }
        } else {
            for (channel, v) in needed {
                match channel {
                    Some(c) => {
                        scoped
                            .entry(c.to_owned())
                            .or_default()
                            .insert(slot.clone(), v.clone());
                    }
                    None => {
                        global.insert(slot.clone(), v.clone());
                    }
                }
            }
        }
    }

    let mut doc = vec![("sku".to_owned(), Val::str(&entity.sku))];
    if is_root && let Some(family) = &entity.family {
        doc.push(("family".to_owned(), Val::str(family)));
    }
    // A variant's axis values come first: they say which variant it is.
    let (axes, rest): (Values, Values) = global
        .into_iter()
        .partition(|(slot, _)| entity.forced.contains(slot));
    doc.extend(group(&axes, layout));
    doc.extend(group(&rest, layout));
    let channels: Vec<(String, Val)> = layout
        .channels
        .iter()
        .filter_map(|c| {
            let values = scoped.get(c).filter(|v| !v.is_empty())?;
            Some((c.clone(), Val::Map(group(values, layout))))
        })
        .collect();
    if !channels.is_empty() {
        doc.push(("channels".to_owned(), Val::Map(channels)));
    }
    if let Some(children) = &entity.children {
        // What each child inherits: the parent's view merged with this entity's values.
        let merged: Vec<Values> = own_views
            .iter()
            .enumerate()
            .map(|(i, own)| {
                let mut m = parent_views.get(i).cloned().unwrap_or_default();
                m.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
                m
            })
            .collect();
        let items = children
            .iter()
            .map(|child| entity_document(child, &merged, layout, inherited, false))
            .collect();
        doc.push(("variants".to_owned(), Val::List(items)));
    }
    Val::Map(doc)
}

/// Slots grouped into nested mappings, keys in layout order.
fn group(values: &Values, layout: &Layout) -> Vec<(String, Val)> {
    let mut tops: BTreeMap<(usize, String), Vec<Entry<'_>>> = BTreeMap::new();
    for (slot, v) in values {
        tops.entry(layout.top_key(&slot.top))
            .or_default()
            .push((slot.path.as_slice(), v));
    }
    tops.into_iter()
        .map(|((_, top), entries)| (top, nest(&entries, layout)))
        .collect()
}

/// A value and the keys below its top-level key.
type Entry<'a> = (&'a [String], &'a Val);

fn nest(entries: &[Entry<'_>], layout: &Layout) -> Val {
    if let Some((_, v)) = entries.iter().find(|(path, _)| path.is_empty()) {
        return (*v).clone();
    }
    let mut subs: BTreeMap<(usize, String), Vec<Entry<'_>>> = BTreeMap::new();
    for (path, v) in entries {
        if let Some((first, rest)) = path.split_first() {
            subs.entry(layout.sub_key(first))
                .or_default()
                .push((rest, v));
        }
    }
    Val::Map(
        subs.into_iter()
            .map(|((_, key), entries)| (key, nest(&entries, layout)))
            .collect(),
    )
}

/// What a product or variant at `path` (variant indexes from the root) sees in one channel,
/// merged as pim merges items (SPEC §2): the product, its `channels.C`, each variant on the
/// path down, then that variant's `channels.C`. The result has no `variants` or `channels`.
pub fn item_view(
    product: &serde_json::Value,
    path: &[usize],
    channel: Option<&str>,
) -> Option<serde_json::Value> {
    let mut merged = crate::resolve::own_values(product, channel);
    let mut node = product;
    for index in path {
        node = node.get("variants")?.get(*index)?;
        merged = crate::resolve::merge(&merged, &crate::resolve::own_values(node, channel));
    }
    Some(merged)
}

/// The paths (variant indexes from the root) of a product's items: its leaves.
pub fn item_paths(product: &serde_json::Value) -> Vec<Vec<usize>> {
    fn walk(node: &serde_json::Value, path: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        match node.get("variants").and_then(serde_json::Value::as_array) {
            Some(children) => {
                for (i, child) in children.iter().enumerate() {
                    path.push(i);
                    walk(child, path, out);
                    path.pop();
                }
            }
            None => out.push(path.clone()),
        }
    }
    let mut out = Vec::new();
    walk(product, &mut Vec::new(), &mut out);
    out
}

/// A file name for a SKU: the SKU itself where the file system allows it, else with the
/// offending characters replaced by `_`.
pub fn file_stem(sku: &str) -> String {
    let mut stem: String = sku
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    if stem.is_empty() || stem.starts_with('.') {
        stem.insert(0, '_');
    }
    stem
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Limits;
    use crate::source::yaml;

    fn layout(channels: &[&str]) -> Layout {
        Layout {
            top_rank: [("status", 0), ("name", 1), ("price", 2)]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            sub_rank: [("en-US", 0), ("fr-FR", 1)]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            channels: channels.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    fn read_back(text: &str) -> serde_json::Value {
        let text = text.to_owned();
        std::thread::Builder::new()
            .stack_size(crate::STACK_SIZE)
            .spawn(move || {
                let (node, diags) = yaml::parse(&text, "t.yaml", &Limits::default()).unwrap();
                assert!(diags.is_empty(), "{diags:?}");
                node.to_json()
            })
            .unwrap()
            .join()
            .unwrap()
    }

    #[test]
    fn tricky_strings_read_back_identical() {
        let strings = [
            "0012345678905",
            "1111111171",
            "800",
            "3.28",
            "1e3",
            "1,76701E+15",
            "yes",
            "NO",
            "on",
            "null",
            "~",
            "true",
            "2012-04-20",
            "12:30",
            "0x1F",
            ".inf",
            "- dash",
            "a: b",
            "x #y",
            "#hash",
            "&anchor",
            "*alias",
            "!tag",
            "|pipe",
            ">fold",
            "'single'",
            "\"double\"",
            "%percent",
            "@at",
            "`tick`",
            "  leading and trailing  ",
            "",
            "line one\nline two\n",
            "line one\n\n  indented\nlast",
            "trailing newlines\n\n\n",
            "tab\there",
            "cr\r\nlf",
            "bell\u{7}",
            "nel\u{85}ls\u{2028}ps\u{2029}bom\u{feff}",
            "<b>Streamlined Reliability</b>\\nA smart, reliable option",
            "€ 100 — «quoted» 日本語",
            "---",
            "...",
            "?",
            "-",
            ":",
            &"long text with spaces ".repeat(20),
            &format!("{}  double  spaces{}", "x".repeat(90), " y".repeat(50)),
        ];
        let doc = Val::Map(
            strings
                .iter()
                .enumerate()
                .map(|(i, s)| (format!("k{i}"), Val::str(*s)))
                .chain([
                    ("800".to_owned(), Val::str("key looks like a number")),
                    ("n".to_owned(), Val::Int(-42)),
                    ("f".to_owned(), Val::Float(3.28)),
                    ("b".to_owned(), Val::Bool(false)),
                    ("empty_list".to_owned(), Val::List(vec![])),
                    ("empty_map".to_owned(), Val::Map(vec![])),
                    (
                        "nested".to_owned(),
                        Val::List(vec![Val::Map(vec![("sku".into(), Val::str("007"))])]),
                    ),
                ])
                .collect(),
        );
        let text = to_yaml(&doc).unwrap();
        assert_eq!(read_back(&text), doc.to_json(), "{text}");
    }

    fn vals(pairs: &[(&str, &[&str], Val)]) -> Values {
        pairs
            .iter()
            .map(|(top, path, v)| {
                (
                    Slot::at(*top, path.iter().map(|p| (*p).to_owned()).collect()),
                    v.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn variants_keep_only_what_differs_and_channels_only_what_varies() {
        let name = || ("name", &["en-US"][..], Val::str("Tee"));
        let mut root = Entity {
            sku: "TEE".into(),
            family: Some("shirts".into()),
            ..Entity::default()
        };
        root.values.global = vals(&[name(), ("price", &["EUR"], Val::str("19"))]);
        root.values.channels.insert(
            "print".into(),
            vals(&[("description", &["en-US"], Val::str("For print"))]),
        );
        let mut blue = Entity {
            sku: "TEE-BLUE".into(),
            ..Entity::default()
        };
        blue.values.global = vals(&[
            name(),
            ("price", &["EUR"], Val::str("19")),
            ("price", &["USD"], Val::str("21")),
            ("color", &[], Val::str("blue")),
        ]);
        blue.values.channels.insert(
            "print".into(),
            vals(&[("description", &["en-US"], Val::str("For print"))]),
        );
        blue.values.channels.insert(
            "web".into(),
            vals(&[("description", &["en-US"], Val::str("Web text"))]),
        );
        root.children = Some(vec![blue]);
        let mut inherited = Vec::new();
        let doc = product_document(&root, &layout(&["print", "web"]), &mut inherited);
        let text = to_yaml(&doc).unwrap();
        assert_eq!(
            text,
            "sku: TEE\nfamily: shirts\nname:\n  en-US: Tee\nprice:\n  EUR: \"19\"\nchannels:\n  print:\n    description:\n      en-US: For print\nvariants:\n  - sku: TEE-BLUE\n    price:\n      USD: \"21\"\n    color: blue\n    channels:\n      web:\n        description:\n          en-US: Web text\n"
        );
        assert!(inherited.is_empty());
        let json = read_back(&text);
        let web = item_view(&json, &[0], Some("web")).unwrap();
        assert_eq!(web["description"]["en-US"], "Web text");
        assert_eq!(web["price"]["USD"], "21");
        assert_eq!(web["price"]["EUR"], "19");
        let print = item_view(&json, &[0], Some("print")).unwrap();
        assert_eq!(print["description"]["en-US"], "For print");
        assert_eq!(item_paths(&json), vec![vec![0]]);
    }

    #[test]
    fn a_value_a_variant_lacks_is_reported() {
        let mut root = Entity {
            sku: "P".into(),
            ..Entity::default()
        };
        root.values.global = vals(&[("brand", &[], Val::str("acme"))]);
        root.children = Some(vec![Entity {
            sku: "V".into(),
            ..Entity::default()
        }]);
        let mut inherited = Vec::new();
        product_document(&root, &layout(&[]), &mut inherited);
        assert_eq!(inherited.len(), 1);
        assert_eq!(inherited[0].slot, Slot::top("brand"));
    }

    #[test]
    fn forced_axes_are_written_even_when_inherited() {
        let mut root = Entity {
            sku: "P".into(),
            ..Entity::default()
        };
        root.values.global = vals(&[("color", &[], Val::str("red"))]);
        let mut v = Entity {
            sku: "V".into(),
            ..Entity::default()
        };
        v.values.global = vals(&[("color", &[], Val::str("red"))]);
        v.forced.insert(Slot::top("color"));
        root.children = Some(vec![v]);
        let doc = product_document(&root, &layout(&[]), &mut Vec::new());
        let text = to_yaml(&doc).unwrap();
        assert!(
            text.ends_with("variants:\n  - sku: V\n    color: red\n"),
            "{text}"
        );
    }

    #[test]
    fn file_stems_are_safe() {
        assert_eq!(file_stem("ABC-1"), "ABC-1");
        assert_eq!(file_stem("a/b"), "a_b");
        assert_eq!(file_stem(".."), "_..");
        assert_eq!(file_stem(""), "_");
    }
}
