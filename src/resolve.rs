//! A product's values as one channel sees them: variants merged with their parent,
//! localized values in the channel's locale, prices in its currency, measurements in its
//! units; and completeness against the channel's required attributes.

use crate::schema::{Annotation, Kind};
use crate::units::{self, Dimension};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// What a channel asks of values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The channel's locale, then its fallbacks, ending at the default locale.
    pub locales: Vec<String>,
    /// The channel's currency: the one a price resolves to.
    pub currency: String,
    /// Every currency the channel uses, `currency` first (for `prices`).
    pub currencies: Vec<String>,
    /// Attribute name or dimension (`mass`, `length`, `volume`) → unit.
    pub units: BTreeMap<String, String>,
    /// Attribute name or dimension → decimal places a measurement's value is rounded to
    /// (half-even), after any conversion.
    pub decimals: BTreeMap<String, u32>,
}

/// The fallback chain of a locale: itself, each configured fallback in turn, then the
/// default locale.
pub fn locale_chain(
    locale: &str,
    fallbacks: &BTreeMap<String, String>,
    default: &str,
) -> Vec<String> {
    let mut chain = vec![locale.to_owned()];
    let mut current = locale;
    while let Some(next) = fallbacks.get(current) {
        if chain.iter().any(|l| l == next) {
            break;
        }
        chain.push(next.clone());
        current = next;
    }
    if !chain.iter().any(|l| l == default) {
        chain.push(default.to_owned());
    }
    chain
}

/// Merges a variant into its parent: mappings key by key, recursively; the variant's lists
/// and scalars replace the parent's.
pub fn merge(parent: &Value, variant: &Value) -> Value {
    match (parent, variant) {
        (Value::Object(p), Value::Object(v)) => {
            let mut out = p.clone();
            for (key, value) in v {
                let merged = match out.get(key) {
                    Some(existing) => merge(existing, value),
                    None => value.clone(),
                };
                out.insert(key.clone(), merged);
            }
            Value::Object(out)
        }
        (_, v) => v.clone(),
    }
}

/// The product's own values, without its variants.
pub fn without_variants(product: &Value) -> Value {
    let mut p = product.clone();
    if let Value::Object(map) = &mut p {
        map.remove("variants");
    }
    p
}

/// A product's or variant's own values: without its `variants` and `channels`, merged
/// with its `channels.<channel>` block when a channel is given.
pub fn own_values(node: &Value, channel: Option<&str>) -> Value {
    let Value::Object(map) = node else {
        return node.clone();
    };
    // Copy what stays; the variants below are not copied only to be dropped.
    let own: Map<String, Value> = map
        .iter()
        .filter(|(k, _)| *k != "variants" && *k != "channels")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let own = Value::Object(own);
    match channel.and_then(|c| map.get("channels")?.get(c)) {
        Some(block @ Value::Object(_)) => {
            let mut block = block.clone();
            if let Value::Object(b) = &mut block {
                b.remove("variants");
                b.remove("channels");
            }
            merge(&own, &block)
        }
        _ => own,
    }
}

/// The sellable items of a product: the leaves of its variant tree (two levels at most),
/// each with its path of variant indexes and its values merged down from the product
/// (mappings key by key, lists and scalars replaced), in the order parent, parent's
/// `channels.<channel>`, variant, variant's `channels.<channel>`. A product without
/// variants is its own item (path `[]`); `variants: []` has none.
pub fn leaves(product: &Value, channel: Option<&str>) -> Vec<(Vec<usize>, Value)> {
    fn walk(
        node: &Value,
        inherited: Option<&Value>,
        channel: Option<&str>,
        path: &mut Vec<usize>,
        out: &mut Vec<(Vec<usize>, Value)>,
    ) {
        // A variant that is not a mapping is a schema error, not an item.
        if !node.is_object() {
            return;
        }
        let own = own_values(node, channel);
        let values = match inherited {
            Some(parent) => merge(parent, &own),
            None => own,
        };
        match node.get("variants") {
            Some(Value::Array(children)) if path.len() < 2 => {
                for (i, child) in children.iter().enumerate() {
                    path.push(i);
                    walk(child, Some(&values), channel, path, out);
                    path.pop();
                }
            }
            _ => out.push((path.clone(), values)),
        }
    }
    let mut out = Vec::new();
    walk(product, None, channel, &mut Vec::new(), &mut out);
    out
}

/// The sellable items of a product with their variant index in file order (`None` for a
/// product without variants): [`leaves`] for no channel in particular.
pub fn items(product: &Value) -> Vec<(Option<usize>, Value)> {
    leaves(product, None)
        .into_iter()
        .enumerate()
        .map(|(i, (path, values))| ((!path.is_empty()).then_some(i), values))
        .collect()
}

/// [`leaves`] for a channel, without copying a product that has neither variants nor
/// `channels` blocks.
pub fn items_of<'p>(
    product: &'p Value,
    channel: Option<&str>,
) -> Vec<(Vec<usize>, Cow<'p, Value>)> {
    if product.get("variants").is_none() && product.get("channels").is_none() {
        return vec![(Vec::new(), Cow::Borrowed(product))];
    }
    leaves(product, channel)
        .into_iter()
        .map(|(path, v)| (path, Cow::Owned(v)))
        .collect()
}

/// The product has `channels` blocks, on itself or on a variant.
pub fn has_channel_blocks(product: &Value) -> bool {
    fn any(node: &Value, depth: usize) -> bool {
        node.get("channels").is_some()
            || (depth < 2
                && node
                    .get("variants")
                    .and_then(Value::as_array)
                    .is_some_and(|vs| vs.iter().any(|v| any(v, depth + 1))))
    }
    any(product, 0)
}

/// Resolves annotated values in place. Annotations are applied deepest first so that a
/// value inside another is resolved before its container is replaced.
pub fn resolve(value: &mut Value, annotations: &[(String, Annotation)], target: &Target) {
    resolve_kinds(value, kinds(annotations), target);
}

/// The `x-pim` kinds among annotations, by pointer.
fn kinds(annotations: &[(String, Annotation)]) -> Vec<(&str, Kind)> {
    annotations
        .iter()
        .filter_map(|(p, a)| match a {
            Annotation::Kind(k) => Some((p.as_str(), *k)),
            Annotation::Format(_) => None,
        })
        .collect()
}

fn resolve_kinds(value: &mut Value, mut kinds: Vec<(&str, Kind)>, target: &Target) {
    kinds.sort_by_key(|(p, _)| std::cmp::Reverse(p.matches('/').count()));
    for (pointer, kind) in kinds {
        if pointer.is_empty() {
            continue;
        }
        let attribute = pointer.rsplit('/').next().unwrap_or_default().to_owned();
        let top = pointer.split('/').nth(1).unwrap_or_default().to_owned();
        let Some(slot) = value.pointer_mut(pointer) else {
            continue;
        };
        let resolved = match kind {
            Kind::Localized => pick(slot, &target.locales),
            Kind::Price => pick(slot, std::slice::from_ref(&target.currency)),
            Kind::Measurement => convert_measurement(slot, target, &attribute, &top),
        };
        let resolved = match kind {
            Kind::Measurement => resolved.map(|v| round_measurement(v, target, &attribute, &top)),
            _ => resolved,
        };
        match resolved {
            Some(v) => *slot = v,
            None => remove(value, pointer),
        }
    }
}

/// `raw` resolved for `target`, as [`resolve`] makes of a clone, without copying the
/// locales and currencies the target does not use: top-level localized values and prices
/// (with nothing annotated beneath them) are picked directly.
pub fn resolved_copy(raw: &Value, annotations: &[(String, Annotation)], target: &Target) -> Value {
    let kinds = kinds(annotations);
    let Value::Object(map) = raw else {
        let mut copy = raw.clone();
        resolve_kinds(&mut copy, kinds, target);
        return copy;
    };
    // (top-level key as written in the pointer, its kind) picked directly.
    let direct: Vec<(&str, Kind)> = kinds
        .iter()
        .filter(|(_, k)| matches!(k, Kind::Localized | Kind::Price))
        .filter_map(|&(p, k)| {
            let key = p.strip_prefix('/').filter(|k| !k.contains('/'))?;
            let nested = kinds.iter().any(|(q, _)| {
                q.len() > p.len() && q.starts_with(p) && q.as_bytes().get(p.len()) == Some(&b'/')
            });
            (!nested).then_some((key, k))
        })
        .collect();
    let direct_kind = |key: &str| {
        direct.iter().find_map(|&(k, kind)| {
            let same = if k.contains('~') {
                k.replace("~1", "/").replace("~0", "~") == key
            } else {
                k == key
            };
            same.then_some(kind)
        })
    };
    let mut out = Map::new();
    for (key, value) in map {
        let picked = match direct_kind(key) {
            Some(Kind::Price) => pick(value, std::slice::from_ref(&target.currency)),
            Some(_) => pick(value, &target.locales),
            None => Some(value.clone()),
        };
        if let Some(v) = picked {
            out.insert(key.clone(), v);
        }
    }
    let rest: Vec<(&str, Kind)> = kinds
        .into_iter()
        .filter(|(p, _)| !direct.iter().any(|(d, _)| p.get(1..) == Some(*d)))
        .collect();
    let mut copy = Value::Object(out);
    if !rest.is_empty() {
        resolve_kinds(&mut copy, rest, target);
    }
    copy
}

/// The first of `keys` that the mapping has, as its value.
fn pick(slot: &Value, keys: &[String]) -> Option<Value> {
    let map = slot.as_object()?;
    keys.iter().find_map(|k| map.get(k)).cloned()
}

fn remove(root: &mut Value, pointer: &str) {
    let Some((parent, key)) = pointer.rsplit_once('/') else {
        return;
    };
    let key = key.replace("~1", "/").replace("~0", "~");
    match root.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.remove(&key);
        }
        Some(Value::Array(items)) => {
            if let Some(slot) = key.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                *slot = Value::Null;
            }
        }
        _ => {}
    }
}

fn convert_measurement(slot: &Value, target: &Target, attribute: &str, top: &str) -> Option<Value> {
    let (Some(value), Some(unit)) = (
        slot.get("value").and_then(Value::as_str),
        slot.get("unit").and_then(Value::as_str),
    ) else {
        return Some(slot.clone());
    };
    let Some(to) = wanted_unit(&target.units, attribute, top, unit) else {
        return Some(slot.clone());
    };
    // A value that cannot be converted is left out, never passed on in its old unit; `pim
    // validate` reports it (`number-out-of-range`), so an export refuses or skips the item.
    // A repeating result is rounded once, at the `decimals` asked for if any.
    let places = decimals_for(target, attribute, top, to);
    let converted = units::convert_at(value, unit, to, places).ok()?;
    let mut out = slot.as_object().cloned().unwrap_or_else(Map::new);
    out.insert("value".into(), Value::String(converted));
    out.insert("unit".into(), Value::String(to.clone()));
    Some(Value::Object(out))
}

/// The unit a channel wants for a measurement in `unit` at an item's `attribute` (under the
/// top-level attribute `top`): by attribute name, then top-level attribute, then dimension.
pub fn wanted_unit<'u>(
    units: &'u BTreeMap<String, String>,
    attribute: &str,
    top: &str,
    unit: &str,
) -> Option<&'u String> {
    let dimension = units::dimension(unit)?.name();
    units
        .get(attribute)
        .or_else(|| units.get(top))
        .or_else(|| units.get(dimension))
}

/// The required attributes an item lacks in the channel's own locale and currencies (no
/// fallback), and its completeness in percent: floor(100 × filled / required). A price is
/// filled when it has every currency of the channel; what it lacks is named per currency,
/// `price (EUR)`. `kind_of` tells the `x-pim` kind of an attribute, from the schemas.
pub fn completeness(
    item: &Value,
    kind_of: impl Fn(&str) -> Option<Kind>,
    required: &[String],
    locale: &str,
    currencies: &[String],
) -> (Vec<String>, u32) {
    let mut missing = Vec::new();
    for attribute in required {
        let value = item.get(attribute).filter(|v| !v.is_null());
        match (kind_of(attribute), value) {
            (Some(Kind::Localized), v) => {
                if !v.and_then(|v| v.get(locale)).is_some_and(filled) {
                    missing.push(format!("{attribute} ({locale})"));
                }
            }
            (Some(Kind::Price), v) => {
                let lacking: Vec<&str> = currencies
                    .iter()
                    .filter(|c| !v.and_then(|v| v.get(c.as_str())).is_some_and(filled))
                    .map(String::as_str)
                    .collect();
                if !lacking.is_empty() {
                    missing.push(format!("{attribute} ({})", lacking.join(", ")));
                }
            }
            (_, v) => {
                if !v.is_some_and(filled) {
                    missing.push(attribute.clone());
                }
            }
        }
    }
    let total = required.len();
    let percent = (100 * (total - missing.len()))
        .checked_div(total)
        .map_or(100, |p| p as u32);
    (missing, percent)
}

/// For each top-level price attribute among `annotations` that `raw` holds, its amounts in
/// the target's currencies (those it has): `{"price": {"USD": "10.00", "EUR": "9.00"}}`.
pub fn prices(raw: &Value, annotations: &[(String, Annotation)], target: &Target) -> Value {
    let mut out = Map::new();
    for (pointer, annotation) in annotations {
        if *annotation != Annotation::Kind(Kind::Price) {
            continue;
        }
        let Some(key) = pointer.strip_prefix('/').filter(|k| !k.contains('/')) else {
            continue;
        };
        let key = key.replace("~1", "/").replace("~0", "~");
        let Some(amounts) = raw.get(&key).and_then(Value::as_object) else {
            continue;
        };
        let picked: Map<String, Value> = target
            .currencies
            .iter()
            .filter_map(|c| Some((c.clone(), amounts.get(c)?.clone())))
            .collect();
        out.insert(key, Value::Object(picked));
    }
    Value::Object(out)
}

/// The decimal places the target's `decimals` asks for a measurement in `unit`: by
/// attribute, top-level attribute, then dimension of the unit.
fn decimals_for(target: &Target, attribute: &str, top: &str, unit: &str) -> Option<u32> {
    let dimension = units::dimension(unit).map(Dimension::name);
    target
        .decimals
        .get(attribute)
        .or_else(|| target.decimals.get(top))
        .or_else(|| dimension.and_then(|d| target.decimals.get(d)))
        .copied()
}

/// A measurement's value rounded to the places the target's `decimals` asks for (by
/// attribute, top-level attribute, then dimension of its unit); others unchanged.
fn round_measurement(mut slot: Value, target: &Target, attribute: &str, top: &str) -> Value {
    if target.decimals.is_empty() {
        return slot;
    }
    let Some(map) = slot.as_object_mut() else {
        return slot;
    };
    let unit = map.get("unit").and_then(Value::as_str).unwrap_or_default();
    let places = decimals_for(target, attribute, top, unit);
    let rounded = places.and_then(|places| {
        let value = map.get("value").and_then(Value::as_str)?;
        round_half_even(value, places)
    });
    if let Some(rounded) = rounded {
        map.insert("value".into(), Value::String(rounded));
    }
    slot
}

/// A decimal string (`-12.345`) rounded half to even to exactly `places` decimal places,
/// digit by digit, so no length of number is too long; `None` for text that is not a decimal.
pub fn round_half_even(value: &str, places: u32) -> Option<String> {
    let (negative, body) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let is_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty()
        || !is_digits(int)
        || !is_digits(frac)
        || (body.contains('.') && frac.is_empty())
    {
        return None;
    }
    let places = places as usize;
    // The digits kept, as one number without its point; then whether to add one to it.
    let mut digits: Vec<u8> = int.bytes().collect();
    digits.extend(frac.bytes().take(places));
    digits.extend(std::iter::repeat_n(b'0', places.saturating_sub(frac.len())));
    let dropped = frac.as_bytes().get(places..).unwrap_or_default();
    let up = match dropped.split_first() {
        None => false,
        Some((&first, rest)) => {
            first > b'5'
                || (first == b'5'
                    && (rest.iter().any(|&d| d != b'0')
                        || digits.last().is_some_and(|d| (d - b'0') % 2 == 1)))
        }
    };
    if up {
        let mut carry = true;
        for d in digits.iter_mut().rev() {
            if *d == b'9' {
                *d = b'0';
            } else {
                *d += 1;
                carry = false;
                break;
            }
        }
        if carry {
            digits.insert(0, b'1');
        }
    }
    let split = digits.len() - places;
    let (int_digits, frac_digits) = digits.split_at(split);
    let int_text = String::from_utf8_lossy(int_digits);
    let int_text = int_text.trim_start_matches('0');
    let int_text = if int_text.is_empty() { "0" } else { int_text };
    let zero = digits.iter().all(|&d| d == b'0');
    let mut out = String::new();
    if negative && !zero {
        out.push('-');
    }
    out.push_str(int_text);
    if places > 0 {
        out.push('.');
        out.push_str(&String::from_utf8_lossy(frac_digits));
    }
    Some(out)
}

/// A value counts as filled: a string non-empty after trimming, a non-empty list or mapping,
/// any number or boolean.
fn filled(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.trim().is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn target() -> Target {
        Target {
            locales: locale_chain(
                "fr-BE",
                &BTreeMap::from([("fr-BE".into(), "fr-FR".into())]),
                "en-US",
            ),
            currency: "EUR".into(),
            currencies: vec!["EUR".into()],
            units: BTreeMap::from([
                ("weight".into(), "lb".into()),
                ("length".into(), "in".into()),
            ]),
            decimals: BTreeMap::new(),
        }
    }

    #[test]
    fn fallback_chain_ends_at_default() {
        assert_eq!(target().locales, vec!["fr-BE", "fr-FR", "en-US"]);
        let looped = BTreeMap::from([
            ("a".to_string(), "b".to_string()),
            ("b".to_string(), "a".to_string()),
        ]);
        assert_eq!(locale_chain("a", &looped, "en-US"), vec!["a", "b", "en-US"]);
    }

    #[test]
    fn variants_merge_key_by_key() {
        let parent = json!({"sku": "P", "price": {"USD": "10.00", "EUR": "9.00"}, "images": ["a", "b"], "dims": {"w": 1, "h": 2}});
        let variant =
            json!({"sku": "P-1", "price": {"EUR": "9.50"}, "images": ["c"], "dims": {"h": 3}});
        assert_eq!(
            merge(&parent, &variant),
            json!({"sku": "P-1", "price": {"USD": "10.00", "EUR": "9.50"}, "images": ["c"], "dims": {"w": 1, "h": 3}})
        );
        let items = items(&json!({"sku": "P", "variants": [{"sku": "A"}, {"sku": "B"}]}));
        assert_eq!(items.len(), 2);
        assert_eq!(items[1], (Some(1), json!({"sku": "B"})));
    }

    #[test]
    fn values_resolve_for_the_channel() {
        let mut v = json!({
            "name": {"en-US": "Tent", "fr-FR": "Tente"},
            "description": {"en-US": "Only English"},
            "care": {"de-DE": "Nur Deutsch"},
            "price": {"USD": "10.00"},
            "weight": {"value": "1.85", "unit": "kg"},
            "dimensions": {"length": {"value": "250", "unit": "mm"}}
        });
        let ann = |p: &str, k| (p.to_owned(), Annotation::Kind(k));
        let annotations = vec![
            ann("/name", Kind::Localized),
            ann("/description", Kind::Localized),
            ann("/care", Kind::Localized),
            ann("/price", Kind::Price),
            ann("/weight", Kind::Measurement),
            ann("/dimensions/length", Kind::Measurement),
        ];
        resolve(&mut v, &annotations, &target());
        assert_eq!(
            v,
            json!({
                "name": "Tente",
                "description": "Only English",
                "weight": {"value": "4.08", "unit": "lb"},
                "dimensions": {"length": {"value": "9.84", "unit": "in"}}
            })
        );
    }

    #[test]
    fn a_resolved_copy_equals_resolving_a_clone() {
        let raw = json!({
            "sku": "A",
            "name": {"en-US": "Tent", "fr-FR": "Tente"},
            "care": {"de-DE": "Nur Deutsch"},
            "price": {"USD": "10.00", "EUR": "9.00"},
            "msrp": {"USD": "12.00"},
            "weight": {"value": "1.85", "unit": "kg"},
            "dimensions": {"length": {"value": "250", "unit": "mm"}},
            "spec~/x": {"en-US": "escaped key"},
            "texts": {"en-US": {"short": "S"}}
        });
        let ann = |p: &str, k| (p.to_owned(), Annotation::Kind(k));
        let annotations = vec![
            ann("/name", Kind::Localized),
            ann("/care", Kind::Localized),
            ann("/price", Kind::Price),
            ann("/msrp", Kind::Price),
            ann("/weight", Kind::Measurement),
            ann("/dimensions/length", Kind::Measurement),
            ann("/spec~0~1x", Kind::Localized),
            ann("/texts", Kind::Localized),
            ann("/texts/en-US/short", Kind::Localized),
            ("/name/en-US".to_owned(), Annotation::Format("text".into())),
        ];
        let mut expected = raw.clone();
        resolve(&mut expected, &annotations, &target());
        assert_eq!(resolved_copy(&raw, &annotations, &target()), expected);
    }

    #[test]
    fn completeness_uses_no_fallback() {
        let item = json!({"name": {"en-US": "Tent"}, "price": {"EUR": "9.00"}, "gtin": "  ", "images": [], "capacity": 0});
        let kind_of = |a: &str| match a {
            "name" => Some(Kind::Localized),
            "price" => Some(Kind::Price),
            _ => None,
        };
        let required: Vec<String> = ["name", "price", "gtin", "images", "capacity", "brand"]
            .map(String::from)
            .to_vec();
        let eur = ["EUR".to_owned()];
        let (missing, percent) = completeness(&item, kind_of, &required, "de-DE", &eur);
        assert_eq!(missing, vec!["name (de-DE)", "gtin", "images", "brand"]);
        assert_eq!(percent, 33);
        assert_eq!(completeness(&item, kind_of, &[], "de-DE", &eur).1, 100);
    }

    #[test]
    fn a_price_needs_every_currency_of_the_channel() {
        let kind_of = |a: &str| (a != "name").then_some(Kind::Price);
        let required: Vec<String> = ["price", "msrp", "deposit"].map(String::from).to_vec();
        let currencies = ["USD".to_owned(), "EUR".to_owned()];
        let item =
            json!({"price": {"USD": "10.00", "EUR": "9.00"}, "msrp": {"USD": "12.00", "EUR": " "}});
        let (missing, percent) = completeness(&item, kind_of, &required, "en-US", &currencies);
        assert_eq!(missing, vec!["msrp (EUR)", "deposit (USD, EUR)"]);
        assert_eq!(percent, 33);
        let (missing, _) = completeness(&item, kind_of, &required, "en-US", &currencies[..1]);
        assert_eq!(missing, vec!["deposit (USD)"]);
    }

    #[test]
    fn prices_hold_the_channel_currencies() {
        let mut target = target();
        target.currencies = vec!["USD".into(), "EUR".into()];
        let raw = json!({"price": {"USD": "10.00", "EUR": "9.00", "GBP": "8.00"}, "msrp": {"EUR": "12.00"},
            "a~/b": {"USD": "1.00"}, "deep": {"cost": {"USD": "2.00"}}});
        let ann = |p: &str| (p.to_owned(), Annotation::Kind(Kind::Price));
        let annotations = vec![
            ann("/price"),
            ann("/msrp"),
            ann("/a~0~1b"),
            ann("/deep/cost"),
            ann("/absent"),
        ];
        assert_eq!(
            prices(&raw, &annotations, &target),
            json!({"price": {"USD": "10.00", "EUR": "9.00"}, "msrp": {"EUR": "12.00"}, "a~/b": {"USD": "1.00"}})
        );
    }

    #[test]
    fn rounding_is_half_even_to_exact_places() {
        let cases = [
            ("0.533", 2, "0.53"),
            ("0.535", 2, "0.54"),
            ("0.545", 2, "0.54"),
            ("0.5451", 2, "0.55"),
            ("2.5", 0, "2"),
            ("3.5", 0, "4"),
            ("9.995", 2, "10.00"),
            ("99.5", 0, "100"),
            ("4", 2, "4.00"),
            ("1.2", 3, "1.200"),
            ("-0.004", 2, "0.00"),
            ("-1.005", 2, "-1.00"),
            ("-1.015", 2, "-1.02"),
            ("007.25", 1, "7.2"),
            (
                "1.1234567890123456789012345678901234567",
                30,
                "1.123456789012345678901234567890",
            ),
        ];
        for (value, places, expected) in cases {
            assert_eq!(
                round_half_even(value, places).as_deref(),
                Some(expected),
                "{value} to {places}"
            );
        }
        for bad in ["", "-", "1.", ".5", "1e3", "1,5", "+1"] {
            assert_eq!(round_half_even(bad, 2), None, "{bad}");
        }
    }

    #[test]
    fn decimals_round_measurements_after_conversion() {
        let mut target = target();
        target.decimals = BTreeMap::from([
            ("weight".into(), 1),
            ("length".into(), 0),
            ("volume".into(), 3),
        ]);
        let mut v = json!({
            "weight": {"value": "1.85", "unit": "kg"},
            "dimensions": {"length": {"value": "250", "unit": "mm"}},
            "capacity": {"value": "0.5", "unit": "l"},
            "other": {"value": "2.25", "unit": "g"}
        });
        let ann = |p: &str| (p.to_owned(), Annotation::Kind(Kind::Measurement));
        let annotations = vec![
            ann("/weight"),
            ann("/dimensions/length"),
            ann("/capacity"),
            ann("/other"),
        ];
        resolve(&mut v, &annotations, &target);
        assert_eq!(
            v,
            json!({
                "weight": {"value": "4.1", "unit": "lb"},
                "dimensions": {"length": {"value": "10", "unit": "in"}},
                "capacity": {"value": "0.500", "unit": "l"},
                "other": {"value": "2.25", "unit": "g"}
            })
        );
    }
}
