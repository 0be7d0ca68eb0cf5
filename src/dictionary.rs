//! The attribute dictionary: every attribute the schemas declare (the properties of the
//! product schema and of each family's, for products and for their variants), with its kind,
//! labels and options, and what each family adds: requirements per channel (`x-pim-required`).

use crate::config::ProjectConfig;
use crate::schema::{Kind, Schemas};
use crate::suggest;
use anyhow::{Result, bail};
use regex::Regex;
use serde_json::Value;
use std::collections::BTreeMap;

/// Keys with a fixed meaning in every product file (SPEC §2), attributes or not.
pub const RESERVED: &[&str] = &[
    "sku",
    "family",
    "status",
    "categories",
    "variants",
    "associations",
    "channels",
];

/// One attribute of the dictionary.
#[derive(Clone, Debug, Default)]
pub struct Attribute {
    pub kind: Option<Kind>,
    /// `x-pim-labels`: locale → label.
    pub labels: BTreeMap<String, String>,
    /// The schema's `title`.
    pub title: Option<String>,
    /// `x-pim-options` of an `enum` (or of the `items` of a list of them).
    pub options: Option<Options>,
}

/// Labels of an enum's values.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The attribute holds a list of values.
    pub list: bool,
    /// Value → locale → label.
    pub labels: BTreeMap<String, BTreeMap<String, String>>,
}

impl Attribute {
    /// The label in the first locale of `locales` that has one, else the title, else `code`.
    pub fn label(&self, code: &str, locales: &[String]) -> String {
        locales
            .iter()
            .find_map(|l| self.labels.get(l))
            .or(self.title.as_ref())
            .cloned()
            .unwrap_or_else(|| code.to_owned())
    }

    /// An option's label in the first locale of `locales` that has one, else the value.
    pub fn option_label(&self, value: &str, locales: &[String]) -> String {
        self.options
            .as_ref()
            .and_then(|o| o.labels.get(value))
            .and_then(|labels| locales.iter().find_map(|l| labels.get(l)))
            .cloned()
            .unwrap_or_else(|| value.to_owned())
    }
}

/// The attributes one schema declares.
#[derive(Debug, Default)]
struct AttributeSet {
    attributes: BTreeMap<String, Attribute>,
    patterns: Vec<Regex>,
}

impl AttributeSet {
    fn declares(&self, name: &str) -> bool {
        self.attributes.contains_key(name) || self.patterns.iter().any(|p| p.is_match(name))
    }
}

#[derive(Debug, Default)]
struct Family {
    attributes: AttributeSet,
    /// `x-pim-required`: channel (or `*`) → attributes.
    required: BTreeMap<String, Vec<String>>,
}

/// Every attribute the schemas declare.
#[derive(Debug, Default)]
pub struct Dictionary {
    base: AttributeSet,
    families: BTreeMap<String, Family>,
}

impl Dictionary {
    /// Reads the dictionary off the compiled schemas and checks its annotations: label keys
    /// are configured locales, option keys are enum values, `x-pim-required` names channels.
    pub fn build(schemas: &Schemas, config: &ProjectConfig) -> Result<Dictionary> {
        let base = attribute_set(schemas, None, &schemas.base.file, config)?;
        let mut families = BTreeMap::new();
        for (name, compiled) in &schemas.families {
            let attributes = attribute_set(schemas, Some(compiled), &compiled.file, config)?;
            let required = required_per_channel(schemas, compiled, config)?;
            families.insert(
                name.clone(),
                Family {
                    attributes,
                    required,
                },
            );
        }
        let dictionary = Dictionary { base, families };
        for (name, family) in &dictionary.families {
            for attributes in family.required.values() {
                for attribute in attributes {
                    if !dictionary.declares(Some(name), attribute) {
                        let file = schemas.families.get(name).map(|c| c.file.as_str());
                        bail!(
                            "{}: `x-pim-required` names `{attribute}`, which is not an attribute of the dictionary{}",
                            file.unwrap_or_default(),
                            suggest::did_you_mean(attribute, dictionary.names(Some(name)))
                        );
                    }
                }
            }
        }
        Ok(dictionary)
    }

    /// `name` is an attribute of the product schema or of the family's schema.
    pub fn declares(&self, family: Option<&str>, name: &str) -> bool {
        self.base.declares(name)
            || self
                .family(family)
                .is_some_and(|f| f.attributes.declares(name))
    }

    /// The attribute's definition: the family's, else the product schema's.
    pub fn attribute(&self, family: Option<&str>, name: &str) -> Option<&Attribute> {
        self.family(family)
            .and_then(|f| f.attributes.attributes.get(name))
            .or_else(|| self.base.attributes.get(name))
    }

    /// The attribute names a product of `family` may use, for suggestions.
    pub fn names<'d>(&'d self, family: Option<&str>) -> impl Iterator<Item = &'d str> + 'd {
        let family = self.family(family);
        self.base
            .attributes
            .keys()
            .chain(
                family
                    .into_iter()
                    .flat_map(|f| f.attributes.attributes.keys()),
            )
            .map(String::as_str)
            .chain(RESERVED.iter().copied())
    }

    /// Every attribute, the product schema's first, then each family's new ones in name order.
    pub fn all(&self) -> BTreeMap<&str, &Attribute> {
        let mut out: BTreeMap<&str, &Attribute> = BTreeMap::new();
        for (name, attribute) in &self.base.attributes {
            out.insert(name, attribute);
        }
        for family in self.families.values() {
            for (name, attribute) in &family.attributes.attributes {
                out.entry(name).or_insert(attribute);
            }
        }
        out
    }

    /// What a family requires in `channel` besides the channel's own `required`.
    pub fn required_in<'d>(
        &'d self,
        family: Option<&str>,
        channel: &str,
    ) -> impl Iterator<Item = &'d String> + 'd {
        let required = self.family(family).map(|f| &f.required);
        [channel.to_owned(), "*".to_owned()]
            .into_iter()
            .filter_map(move |key| required.and_then(|r| r.get(&key)))
            .flatten()
    }

    /// The attributes with option labels, for `labels` in templates.
    pub fn with_options<'d>(
        &'d self,
        family: Option<&str>,
    ) -> impl Iterator<Item = (&'d str, &'d Attribute)> + 'd {
        let family = self.family(family);
        family
            .into_iter()
            .flat_map(|f| f.attributes.attributes.iter())
            .chain(self.base.attributes.iter().filter(move |(n, _)| {
                !family.is_some_and(|f| f.attributes.attributes.contains_key(*n))
            }))
            .filter(|(_, a)| a.options.is_some())
            .map(|(n, a)| (n.as_str(), a))
    }

    fn family(&self, family: Option<&str>) -> Option<&Family> {
        family.and_then(|f| self.families.get(f))
    }
}

/// The top-level properties (and pattern properties) of a schema document.
fn attribute_set(
    schemas: &Schemas,
    family: Option<&crate::schema::Compiled>,
    file: &str,
    config: &ProjectConfig,
) -> Result<AttributeSet> {
    let mut set = AttributeSet::default();
    // The family's own document only: the base schema's attributes are the base set.
    let Some((uri, doc)) = schemas.documents_for(family).last() else {
        return Ok(set);
    };
    // The product's properties, and those its schema declares for variants (two levels).
    let mut nodes = schemas.expand(uri, doc);
    for _ in 0..2 {
        let items: Vec<(&str, &Value)> = nodes
            .iter()
            .filter_map(|(u, n)| Some((*u, n.get("properties")?.get("variants")?)))
            .flat_map(|(u, v)| schemas.expand(u, v))
            .filter_map(|(u, v)| Some((u, v.get("items")?)))
            .flat_map(|(u, i)| schemas.expand(u, i))
            .filter(|(_, n)| !nodes.iter().any(|(_, m)| std::ptr::eq(*m, *n)))
            .collect();
        if items.is_empty() {
            break;
        }
        nodes.extend(items);
    }
    for (uri, node) in nodes {
        if let Some(properties) = node.get("properties").and_then(Value::as_object) {
            for (name, property) in properties {
                let attribute = attribute(schemas, uri, property, file, name, config)?;
                set.attributes.entry(name.clone()).or_insert(attribute);
            }
        }
        if let Some(patterns) = node.get("patternProperties").and_then(Value::as_object) {
            for pattern in patterns.keys() {
                let regex = Regex::new(pattern).map_err(|e| {
                    anyhow::anyhow!(
                        "{file}: `patternProperties` `{pattern}` is not a regular expression: {e}"
                    )
                })?;
                set.patterns.push(regex);
            }
        }
    }
    Ok(set)
}

/// One property's definition, following `$ref` and `allOf`.
fn attribute(
    schemas: &Schemas,
    uri: &str,
    node: &Value,
    file: &str,
    name: &str,
    config: &ProjectConfig,
) -> Result<Attribute> {
    let chain = schemas.expand(uri, node);
    let first = |key: &str| chain.iter().find_map(|(_, n)| n.get(key));
    let kind = first("x-pim")
        .and_then(Value::as_str)
        .and_then(|k| match k {
            "localized" => Some(Kind::Localized),
            "price" => Some(Kind::Price),
            "measurement" => Some(Kind::Measurement),
            _ => None,
        });
    let labels = match first("x-pim-labels") {
        Some(labels) => locale_map(labels, config)
            .map_err(|e| anyhow::anyhow!("{file}: `{name}` has `x-pim-labels` {e}"))?,
        None => BTreeMap::new(),
    };
    let title = first("title").and_then(Value::as_str).map(str::to_owned);
    // The options: on the attribute itself, or on the items of a list.
    let mut options = options_of(&chain, false, file, name, config)?;
    if options.is_none()
        && let Some((items_uri, items)) = chain
            .iter()
            .find_map(|(u, n)| n.get("items").map(|i| (*u, i)))
    {
        let items_chain = schemas.expand(items_uri, items);
        options = options_of(&items_chain, true, file, name, config)?;
    }
    Ok(Attribute {
        kind,
        labels,
        title,
        options,
    })
}

fn options_of(
    chain: &[(&str, &Value)],
    list: bool,
    file: &str,
    name: &str,
    config: &ProjectConfig,
) -> Result<Option<Options>> {
    let Some(raw) = chain.iter().find_map(|(_, n)| n.get("x-pim-options")) else {
        return Ok(None);
    };
    let values: Vec<String> = chain
        .iter()
        .find_map(|(_, n)| n.get("enum").and_then(Value::as_array))
        .map(|e| {
            e.iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let Some(raw) = raw.as_object() else {
        bail!(
            "{file}: `{name}` has `x-pim-options` that is not a mapping from each enum value to its labels"
        );
    };
    if values.is_empty() {
        bail!("{file}: `{name}` has `x-pim-options` but no `enum` to label");
    }
    let mut labels = BTreeMap::new();
    for (value, per_locale) in raw {
        if !values.contains(value) {
            bail!(
                "{file}: `{name}` has `x-pim-options` for `{value}`, which is not one of its enum values ({}){}",
                values.join(", "),
                suggest::did_you_mean(value, values.iter().map(String::as_str))
            );
        }
        let map = locale_map(per_locale, config).map_err(|e| {
            anyhow::anyhow!("{file}: `{name}` has `x-pim-options` for `{value}` {e}")
        })?;
        labels.insert(value.clone(), map);
    }
    Ok(Some(Options { list, labels }))
}

/// `{"en-US": "Weight"}`, every key a configured locale.
fn locale_map(value: &Value, config: &ProjectConfig) -> Result<BTreeMap<String, String>> {
    let Some(map) = value.as_object() else {
        bail!("that is not a mapping from locale to label");
    };
    let mut out = BTreeMap::new();
    for (locale, label) in map {
        if !config.is_locale(locale) {
            bail!(
                "for the locale `{locale}`, which is not in [project] locales{}",
                suggest::did_you_mean(locale, config.project.locales.iter().map(String::as_str))
            );
        }
        let Some(label) = label.as_str() else {
            bail!("for `{locale}` that is not a string");
        };
        out.insert(locale.clone(), label.to_owned());
    }
    Ok(out)
}

/// A family's `x-pim-required`: `{"webshop": ["images"], "*": ["name"]}`.
fn required_per_channel(
    schemas: &Schemas,
    family: &crate::schema::Compiled,
    config: &ProjectConfig,
) -> Result<BTreeMap<String, Vec<String>>> {
    let file = &family.file;
    let Some((_, doc)) = schemas.documents_for(Some(family)).last() else {
        return Ok(BTreeMap::new());
    };
    let Some(raw) = doc.get("x-pim-required") else {
        return Ok(BTreeMap::new());
    };
    let Some(raw) = raw.as_object() else {
        bail!("{file}: `x-pim-required` must map channel names (or \"*\") to lists of attributes");
    };
    let names: std::collections::BTreeSet<&str> =
        config.channels.keys().map(String::as_str).collect();
    let mut out = BTreeMap::new();
    for (channel, attributes) in raw {
        if channel != "*" && !names.contains(channel.as_str()) {
            bail!(
                "{file}: `x-pim-required` names the channel `{channel}`, which pim.toml does not define{}",
                suggest::did_you_mean(channel, names.iter().copied())
            );
        }
        let list: Option<Vec<String>> = attributes
            .as_array()
            .and_then(|a| a.iter().map(|v| v.as_str().map(str::to_owned)).collect());
        let Some(list) = list else {
            bail!("{file}: `x-pim-required` `{channel}` must be a list of attribute names");
        };
        out.insert(channel.clone(), list);
    }
    Ok(out)
}
