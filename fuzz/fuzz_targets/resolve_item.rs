//! Resolution and unit conversion from arbitrary bytes. The first byte picks two units and,
//! from its bits, a number of decimal places; the first line of the rest is converted between
//! the units, and must come back as an exact decimal (or a clean error); the whole rest is
//! read as a product file of the `ok` fixture project, its items evaluated for every channel
//! as `pim export` does, and resolved for a channel asking for the picked unit (and places)
//! everywhere. Any panic is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pim::catalog::{ProductPath, Project};
use pim::resolve::{self, Target};
use pim::units::{self, ConvertError, UNITS};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

fn project() -> &'static Project {
    static PROJECT: OnceLock<Project> = OnceLock::new();
    PROJECT.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/ok");
        match Project::open(&root) {
            Ok(project) => project,
            Err(e) => panic!("the fixture project does not load: {e:#}"),
        }
    })
}

/// `-001.500` → `-1.5`: the number a decimal string means, as text.
fn normal(text: &str) -> String {
    let (sign, body) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    if int == "0" && frac.is_empty() {
        return "0".to_owned();
    }
    if frac.is_empty() { format!("{sign}{int}") } else { format!("{sign}{int}.{frac}") }
}

fn check_conversion(value: &str, from: &str, to: &str, places: u32) {
    // A rounded conversion agrees with the exact one wherever that one is exact.
    match (units::convert_at(value, from, to, Some(places)), units::convert(value, from, to)) {
        (Ok(rounded), Ok(_)) => assert!(pim::schema::is_decimal(&rounded) || from == to),
        (Err(a), Err(b)) => assert_eq!(a, b),
        (a, b) => assert!(
            a == Err(ConvertError::OutOfRange) || b == Err(ConvertError::OutOfRange),
            "{value} {from} → {to}: {a:?} / {b:?}"
        ),
    }
    let same_dimension = units::dimension(from) == units::dimension(to);
    match units::convert(value, from, to) {
        Ok(out) => {
            assert!(same_dimension, "{from} → {to} converted");
            if from == to {
                assert_eq!(out, value, "the same unit passes the value on as written");
                return;
            }
            assert!(pim::schema::is_decimal(&out), "{value} {from} → `{out}` {to}");
            // Powers of ten lose nothing: the way back gives the same number.
            let factor = |u: &str| UNITS.iter().find(|(n, _, _)| *n == u).map(|(_, _, f)| *f);
            let tens = |f: &str| f.starts_with('1') && f[1..].bytes().all(|b| b == b'0');
            if factor(from).is_some_and(tens) && factor(to).is_some_and(tens) {
                match units::convert(&out, to, from) {
                    Ok(back) => assert_eq!(normal(&back), normal(value), "{value} {from} ↔ {to}"),
                    Err(e) => assert_eq!(e, ConvertError::OutOfRange),
                }
            }
        }
        Err(ConvertError::Incompatible) => {
            assert!(!same_dimension || !pim::schema::is_decimal(value), "{value} {from} → {to}");
        }
        Err(ConvertError::OutOfRange) => assert!(same_dimension && from != to),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let from = UNITS[usize::from(pick & 0x0f) % UNITS.len()].0;
    let to = UNITS[usize::from(pick >> 4) % UNITS.len()].0;
    let places = u32::from(pick % 7);
    if let Ok(text) = std::str::from_utf8(rest) {
        check_conversion(text.lines().next().unwrap_or_default(), from, to, places);
    }

    let project = project();
    let file = ProductPath { path: "fuzz.yaml".into(), rel: "catalog/fuzz.yaml".into() };
    let Ok(text) = pim::source::decode(rest.to_vec(), &file.rel) else {
        return;
    };
    let options = pim::validate::CheckOptions { keep_value: true, evaluator: None };
    let checked = pim::validate::check_text(project, 0, &file, &text, options);
    let Some(product) = checked.json() else {
        return;
    };
    let family = product
        .get("family")
        .and_then(|f| f.as_str())
        .and_then(|f| project.schemas.families.get(f));
    let keys = ["weight", "packed_weight", "mass", "length", "volume"];
    let everywhere = Target {
        locales: vec!["fr-BE".into(), "fr-FR".into(), "en-US".into()],
        currency: "EUR".into(),
        currencies: vec!["EUR".into(), "USD".into()],
        units: keys.iter().map(|k| ((*k).to_owned(), to.to_owned())).collect::<BTreeMap<_, _>>(),
        decimals: if pick & 0x80 == 0 {
            BTreeMap::new()
        } else {
            keys.iter().map(|k| ((*k).to_owned(), places)).collect()
        },
    };
    let parent = product.get("sku").cloned().unwrap_or_default();
    for (variant, raw) in resolve::items(&product) {
        let annotations = project.schemas.annotations(&raw, family);
        let written = raw.clone();
        let context = pim::channel::ItemContext {
            project,
            family: product
                .get("family")
                .and_then(|f| f.as_str())
                .filter(|f| project.schemas.families.contains_key(*f)),
            file: &file.rel,
        };
        let values = pim::channel::item_values(
            &everywhere,
            &raw,
            &annotations,
            variant.map(|_| &parent),
            &context,
        );
        // A converted measurement is in the asked unit, as an exact decimal (one already in
        // that unit is passed on as written).
        for (pointer, annotation) in &annotations {
            let before = written.pointer(pointer).and_then(|s| s.get("unit"));
            if *annotation == pim::schema::Annotation::Kind(pim::schema::Kind::Measurement)
                && before.and_then(|u| u.as_str()) != Some(to)
                && let Some(slot) = values.pointer(pointer)
                && let Some(unit) = slot.get("unit").and_then(|u| u.as_str())
                && units::dimension(unit) == units::dimension(to)
                && let Some(value) = slot.get("value").and_then(|v| v.as_str())
            {
                assert_eq!(unit, to, "{pointer}: {slot}");
                assert!(pim::schema::is_decimal(value), "{pointer}: {slot}");
            }
        }
    }
    // Every channel's items, as an export evaluates them.
    let env = minijinja::Environment::new();
    let channels: Vec<_> = project.config.channels.values().flatten().collect();
    if let Ok(evaluator) = pim::channel::Evaluator::new(&env, project, &channels, true) {
        let _ = pim::channel::evaluate(&evaluator, &[checked], None);
    }
});
