//! `items` and `products` as lazy sequences: an element becomes a template value when the
//! template reaches it, so a channel of 100,000 products never holds them all at once.

use crate::catalog::Project;
use crate::channel::{Exported, ItemContext, ItemKey, item_values};
use crate::resolve::{self, Target};
use crate::view;
use minijinja::Value as Mj;
use minijinja::value::{Enumerator, Object, ObjectRepr, Serde};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use std::sync::{Arc, Mutex};

/// Everything needed to resolve a channel's items on demand.
pub struct Source {
    project: Arc<Project>,
    target: Target,
    /// The channel's name, for `channels` blocks.
    channel: String,
    /// Per product file: its values as JSON text (None for a file that did not parse).
    texts: Vec<Option<Arc<str>>>,
    files: Vec<String>,
    /// The exported items in template order: products by SKU, then their variants in file
    /// order. Their values are resolved when the template reaches them: keeping every
    /// item's resolved values from the check would hold the catalog in memory once more.
    items: Vec<ItemKey>,
    /// Per product in SKU order: its file and its range in `items`.
    products: Vec<(usize, Range<usize>)>,
    /// SKUs (lowercase) of items and their parents in the channel, for `associations`.
    in_channel: HashSet<String>,
    /// The last product read: templates walk in order, so each is parsed once per walk.
    cache: Mutex<Option<(usize, Arc<Value>)>>,
    /// The last product's items (leaves) for the channel, computed once for all its
    /// variants: a product with 20,000 variants must not compute them 20,000 times.
    leaves: Mutex<Option<(usize, Arc<Leaves>)>>,
}

/// A product's items with their variant paths, as [`resolve::leaves`] gives them.
type Leaves = Vec<(Vec<usize>, Value)>;

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{} items>", self.items.len())
    }
}

impl Source {
    /// `exported` in file order with their SKUs; `skus` the product SKU of each file.
    pub fn new(
        project: Arc<Project>,
        target: Target,
        channel: &str,
        texts: Vec<Option<Arc<str>>>,
        files: Vec<String>,
        skus: &[Option<String>],
        exported: &[Exported],
    ) -> Source {
        let mut by_file: BTreeMap<usize, Vec<Option<usize>>> = BTreeMap::new();
        for e in exported {
            let (file, variant) = e.key;
            by_file.entry(file).or_default().push(variant);
        }
        let mut order: Vec<(&str, usize)> = by_file
            .keys()
            .map(|&f| {
                (
                    skus.get(f).and_then(|s| s.as_deref()).unwrap_or_default(),
                    f,
                )
            })
            .collect();
        order.sort();
        let mut items = Vec::new();
        let mut products = Vec::new();
        for (_, file) in order {
            let start = items.len();
            for variant in by_file.get(&file).into_iter().flatten() {
                items.push((file, *variant));
            }
            products.push((file, start..items.len()));
        }
        let in_channel = exported
            .iter()
            .flat_map(|e| {
                [
                    Some(e.sku.to_lowercase()),
                    e.parent_sku.as_deref().map(str::to_lowercase),
                ]
            })
            .flatten()
            .collect();
        Source {
            project,
            target,
            channel: channel.to_owned(),
            texts,
            files,
            items,
            products,
            in_channel,
            cache: Mutex::new(None),
            leaves: Mutex::new(None),
        }
    }

    fn product_json(&self, file: usize) -> Option<Value> {
        let text = self.texts.get(file)?.as_deref()?;
        serde_json::from_str(text).ok()
    }

    /// A product file's values as written (cached for the last file: templates walk in
    /// order).
    fn file(&self, file: usize) -> Option<Arc<Value>> {
        if let Ok(cache) = self.cache.lock()
            && let Some((cached, product)) = cache.as_ref()
            && *cached == file
        {
            return Some(Arc::clone(product));
        }
        let product = Arc::new(self.product_json(file)?);
        if let Ok(mut cache) = self.cache.lock() {
            *cache = Some((file, Arc::clone(&product)));
        }
        Some(product)
    }

    /// A product file's items for the channel (cached for the last file, like its values).
    fn leaves(&self, file: usize, product: &Value) -> Arc<Leaves> {
        if let Ok(cache) = self.leaves.lock()
            && let Some((cached, leaves)) = cache.as_ref()
            && *cached == file
        {
            return Arc::clone(leaves);
        }
        let leaves = Arc::new(resolve::leaves(product, Some(&self.channel)));
        if let Ok(mut cache) = self.leaves.lock() {
            *cache = Some((file, Arc::clone(&leaves)));
        }
        leaves
    }

    /// An item's values, resolved for the channel.
    fn item(&self, index: usize) -> Option<Mj> {
        let (file, variant) = self.items.get(index)?;
        let product = self.file(*file)?;
        let family_name = product.get("family").and_then(Value::as_str);
        let family = family_name.and_then(|f| self.project.schemas.families.get(f));
        let parent_sku = product.get("sku").cloned().unwrap_or(Value::Null);
        let rel = self
            .files
            .get(*file)
            .map(String::as_str)
            .unwrap_or_default();
        let leaves = self.leaves(*file, &product);
        let (path, raw) = leaves.get(variant.unwrap_or(0))?;
        let annotations = self.project.schemas.annotations(raw, family);
        let parent = (!path.is_empty()).then_some(&parent_sku);
        let context = ItemContext {
            project: &self.project,
            family: family_name.filter(|_| family.is_some()),
            file: rel,
        };
        Some(Mj::from(Serde(item_values(
            &self.target,
            raw,
            &annotations,
            parent,
            &context,
        ))))
    }

    fn product(&self, index: usize) -> Option<Mj> {
        let (file, range) = self.products.get(index)?.clone();
        let variants: Vec<Mj> = range.filter_map(|i| self.item(i)).collect();
        let product = self.file(file)?;
        let rel = self.files.get(file).map(String::as_str).unwrap_or_default();
        let values = product_values(
            &self.project,
            &self.target,
            &self.channel,
            &product,
            rel,
            &self.in_channel,
        );
        let mut fields: BTreeMap<String, Mj> = match values {
            Value::Object(map) => map
                .into_iter()
                .map(|(k, v)| (k, Mj::from(Serde(v))))
                .collect(),
            _ => BTreeMap::new(),
        };
        fields.insert("variants".into(), Mj::from(variants));
        if let Some(text) = self.texts.get(file).and_then(Option::as_ref) {
            fields.insert("raw".into(), view::raw(text));
        }
        Some(Mj::from(fields))
    }
}

/// A product's own values resolved for the channel, with `sku`, `family`, `status`,
/// `categories`, `associations` (SKUs in the channel), `file` and `prices`.
fn product_values(
    project: &Project,
    target: &Target,
    channel: &str,
    raw: &Value,
    file: &str,
    in_channel: &HashSet<String>,
) -> Value {
    let family_name = raw.get("family").and_then(Value::as_str);
    let family = family_name.and_then(|f| project.schemas.families.get(f));
    let mut values = resolve::own_values(raw, Some(channel));
    let annotations = project.schemas.annotations(&values, family);
    let prices = resolve::prices(&values, &annotations, target);
    resolve::resolve(&mut values, &annotations, target);
    let context = ItemContext {
        project,
        family: family_name.filter(|_| family.is_some()),
        file,
    };
    let labels = crate::channel::labels(&values, &context, &target.locales);
    let associations: Map<String, Value> = raw
        .get("associations")
        .and_then(Value::as_object)
        .map(|kinds| {
            kinds
                .iter()
                .map(|(kind, links)| {
                    let skus: Vec<Value> = links
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|l| l.as_str().or_else(|| l.get("sku").and_then(Value::as_str)))
                        .filter(|s| in_channel.contains(&s.to_lowercase()))
                        .map(|s| Value::String(s.to_owned()))
                        .collect();
                    (kind.clone(), Value::Array(skus))
                })
                .collect()
        })
        .unwrap_or_default();
    if let Value::Object(map) = &mut values {
        map.entry("status")
            .or_insert_with(|| Value::String("draft".into()));
        map.entry("categories")
            .or_insert_with(|| Value::Array(Vec::new()));
        map.insert("associations".into(), Value::Object(associations));
        map.insert("prices".into(), prices);
        map.insert("file".into(), Value::String(file.to_owned()));
        map.insert("labels".into(), labels);
    }
    values
}

/// Which list a [`Lazy`] sequence is.
#[derive(Debug, Clone, Copy)]
enum List {
    Items,
    Products,
}

#[derive(Debug)]
struct Lazy {
    source: Arc<Source>,
    list: List,
}

impl Lazy {
    fn len(&self) -> usize {
        match self.list {
            List::Items => self.source.items.len(),
            List::Products => self.source.products.len(),
        }
    }

    fn get(&self, index: usize) -> Option<Mj> {
        match self.list {
            List::Items => self.source.item(index),
            List::Products => self.source.product(index),
        }
    }
}

impl Object for Lazy {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Mj) -> Option<Mj> {
        let index = usize::try_from(key.as_i64()?).ok()?;
        self.get(index)
    }

    /// Iteration asks for each index in turn (`get_value`), so an element exists only while
    /// the template uses it.
    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.len())
    }
}

/// The `items` and `products` sequences of a channel.
pub fn sequences(source: Source) -> (Mj, Mj) {
    let source = Arc::new(source);
    (
        Mj::from_object(Lazy {
            source: Arc::clone(&source),
            list: List::Items,
        }),
        Mj::from_object(Lazy {
            source,
            list: List::Products,
        }),
    )
}
