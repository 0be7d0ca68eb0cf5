//! Reference loops for the benchmark (issue 5): the least work a tool must do to validate or
//! export a pim project, written directly against the crates pim uses. `pim validate` and
//! `pim export --all` are measured against these by `bench/run.py`.
//!
//!     cargo bench --bench reference -- MODE PROJECT_DIR
//!
//! MODE:
//! - `read`: walk `catalog/`, read every .yaml/.yml file (all cores);
//! - `parse`: read + parse each file with serde-saphyr into `serde_json::Value` (all cores);
//! - `validate`: read + parse + validate against `schemas/product.schema.json` with the
//!   `jsonschema` crate (draft 2020-12, format validation on, `gtin` and `decimal` formats
//!   registered) on all cores; prints the number of invalid files;
//! - `render`: parse all products, then render every channel of `pim.toml` with its template
//!   under `templates/` through minijinja, from plain `items`/`products` lists (localized
//!   values and prices picked for the channel's locale and currency, variants merged into
//!   their parent, the channel's filter and `required` applied), writing the outputs to a
//!   temporary folder.
//!
//! Not part of `cargo test` (a `harness = false` bench target); it does no checks beyond
//! what it needs to produce the same feeds, so it is a lower bound, not a replacement.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use minijinja::value::{Rest, Serde, Value as JValue};
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior};
use rayon::prelude::*;
use serde_json::{Map, Value};

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn main() {
    // `cargo bench` appends `--bench`; ignore flags.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let (mode, dir) = match args.as_slice() {
        [mode, dir] => (mode.as_str(), PathBuf::from(dir)),
        _ => {
            eprintln!(
                "usage: cargo bench --bench reference -- read|parse|validate|render PROJECT_DIR"
            );
            std::process::exit(2);
        }
    };
    let start = Instant::now();
    let result = match mode {
        "read" => read(&dir),
        "parse" => parse(&dir),
        "validate" => validate(&dir),
        "render" => render(&dir),
        other => Err(format!("unknown mode {other}").into()),
    };
    match result {
        Ok(summary) => {
            println!("{summary}");
            eprintln!("{mode}: {:.3} s", start.elapsed().as_secs_f64());
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}

fn catalog_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir.join("catalog"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(walkdir::DirEntry::into_path)
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        .collect();
    files.sort();
    files
}

fn load(path: &Path) -> Res<Value> {
    let text = std::fs::read_to_string(path)?;
    let value: Value =
        serde_saphyr::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(value)
}

fn read(dir: &Path) -> Res<String> {
    let files = catalog_files(dir);
    let bytes: usize = files
        .par_iter()
        .map(|p| std::fs::read(p).map(|b| b.len()).unwrap_or(0))
        .sum();
    Ok(format!("{} files, {bytes} bytes", files.len()))
}

fn parse(dir: &Path) -> Res<String> {
    let files = catalog_files(dir);
    let failed = files.par_iter().filter(|p| load(p).is_err()).count();
    Ok(format!("{} files, {failed} unparsable", files.len()))
}

fn gtin_ok(s: &str) -> bool {
    let b = s.as_bytes();
    if ![8, 12, 13, 14].contains(&b.len()) || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let Some((check, body)) = b.split_last() else {
        return false;
    };
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| u32::from(d - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    u32::from(check - b'0') == (10 - sum % 10) % 10
}

fn decimal_ok(s: &str) -> bool {
    let body = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = body.split_once('.').unwrap_or((body, "0"));
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

fn validate(dir: &Path) -> Res<String> {
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(
        dir.join("schemas/product.schema.json"),
    )?)?;
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .with_format("gtin", gtin_ok)
        .with_format("decimal", decimal_ok)
        .build(&schema)?;
    let files = catalog_files(dir);
    let invalid = files
        .par_iter()
        .filter(|p| match load(p) {
            Ok(v) => !validator.is_valid(&v),
            Err(_) => true,
        })
        .count();
    Ok(format!("{} files, {invalid} invalid", files.len()))
}

// ---------------------------------------------------------------------------------------
// render

#[derive(serde::Deserialize)]
struct Config {
    project: ProjectCfg,
    #[serde(default)]
    channels: BTreeMap<String, ChannelCfg>,
}

#[derive(serde::Deserialize)]
struct ProjectCfg {
    name: String,
    locales: Vec<String>,
    default_locale: String,
    currencies: Vec<String>,
}

#[derive(serde::Deserialize)]
struct ChannelCfg {
    template: String,
    output: String,
    locale: Option<String>,
    currency: Option<String>,
    filter: Option<String>,
    #[serde(default)]
    required: Vec<String>,
    #[serde(default)]
    vars: BTreeMap<String, toml::Value>,
}

/// A variant inherits its parent's values: mappings merge key by key, the rest replaces.
fn merge(parent: &Value, child: &Value) -> Value {
    match (parent, child) {
        (Value::Object(p), Value::Object(c)) => {
            let mut out = p.clone();
            for (k, v) in c {
                let merged = match out.get(k) {
                    Some(pv) => merge(pv, v),
                    None => v.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Value::Object(out)
        }
        _ => child.clone(),
    }
}

/// Picks the channel's locale or currency out of localized and price mappings (one level).
fn resolve(
    item: &Map<String, Value>,
    locale: &str,
    default_locale: &str,
    currency: &str,
) -> Map<String, Value> {
    item.iter()
        .filter(|(k, _)| k.as_str() != "variants")
        .map(|(k, v)| {
            let v = match v {
                Value::Object(m) => m
                    .get(locale)
                    .or_else(|| m.get(currency))
                    .or_else(|| m.get(default_locale))
                    .cloned()
                    .unwrap_or_else(|| v.clone()),
                _ => v.clone(),
            };
            (k.clone(), v)
        })
        .collect()
}

fn filled(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(_) => true,
    }
}

fn render(dir: &Path) -> Res<String> {
    let config: Config = toml::from_str(&std::fs::read_to_string(dir.join("pim.toml"))?)?;
    let files = catalog_files(dir);
    let mut products = files
        .par_iter()
        .map(|p| load(p))
        .collect::<Res<Vec<Value>>>()?;
    let sku = |p: &Value| {
        p.get("sku")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    products.sort_by_cached_key(sku);

    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .keep_trailing_newline(true)
            .build()?,
    );
    env.add_filter("truncate", |s: String, length: Option<usize>| -> String {
        let length = length.unwrap_or(255);
        if s.chars().count() <= length {
            s
        } else {
            let mut t: String = s.chars().take(length.saturating_sub(3)).collect();
            t.push_str("...");
            t
        }
    });
    for entry in std::fs::read_dir(dir.join("templates"))? {
        let path = entry?.path();
        if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
            env.add_template_owned(name.to_owned(), std::fs::read_to_string(&path)?)?;
        }
    }
    let project = minijinja::context! {
        name => config.project.name.clone(),
        locales => config.project.locales.clone(),
        currencies => config.project.currencies.clone(),
    };
    let out_dir = tempfile::tempdir()?;
    let channels: Vec<(&String, &ChannelCfg)> = config.channels.iter().collect();
    let summaries = channels
        .par_iter()
        .map(|(name, ch)| -> Res<String> {
            let locale = ch
                .locale
                .as_deref()
                .unwrap_or(&config.project.default_locale);
            let currency = ch
                .currency
                .as_deref()
                .or(config.project.currencies.first().map(String::as_str))
                .unwrap_or("USD");
            let filter =
                env.compile_expression(ch.filter.as_deref().unwrap_or("status == 'active'"))?;
            let format = ch
                .template
                .trim_end_matches(".j2")
                .rsplit('.')
                .next()
                .unwrap_or("")
                .to_owned();
            let mut items = Vec::new();
            let mut in_channel = Vec::new();
            for p in &products {
                let Some(pm) = p.as_object() else { continue };
                let mut own = pm.clone();
                own.remove("variants");
                let own = Value::Object(own);
                let parent = resolve(pm, locale, &config.project.default_locale, currency);
                let sku = pm.get("sku").cloned().unwrap_or(Value::Null);
                let merged: Vec<(Map<String, Value>, Value)> =
                    match pm.get("variants").and_then(Value::as_array) {
                        Some(vs) if !vs.is_empty() => vs
                            .iter()
                            .filter_map(|v| match merge(&own, v) {
                                Value::Object(m) => Some((
                                    resolve(&m, locale, &config.project.default_locale, currency),
                                    sku.clone(),
                                )),
                                _ => None,
                            })
                            .collect(),
                        _ => vec![(parent.clone(), Value::Null)],
                    };
                let mut any = false;
                for (mut item, parent_sku) in merged {
                    let ctx = JValue::from(Serde(&item));
                    if !filter.eval(&ctx)?.is_true() {
                        continue;
                    }
                    if !ch.required.iter().all(|r| filled(item.get(r))) {
                        continue;
                    }
                    item.insert("parent_sku".into(), parent_sku);
                    items.push(JValue::from(Serde(&item)));
                    any = true;
                }
                if any {
                    in_channel.push(JValue::from(Serde(&parent)));
                }
            }
            let n_items = items.len();
            let records: Arc<Mutex<csv::Writer<Vec<u8>>>> = Arc::new(Mutex::new(
                csv::WriterBuilder::new()
                    .delimiter(if format == "tsv" { b'\t' } else { b',' })
                    .terminator(csv::Terminator::Any(b'\n'))
                    .from_writer(Vec::new()),
            ));
            let mut env = env.clone();
            let sink = Arc::clone(&records);
            env.add_function("row", move |cells: Rest<JValue>| -> Result<String, Error> {
                let cells: Vec<String> = cells
                    .iter()
                    .map(|c| {
                        if c.is_none() || c.is_undefined() {
                            String::new()
                        } else {
                            c.to_string()
                        }
                    })
                    .collect();
                let mut w = sink
                    .lock()
                    .map_err(|_| Error::new(ErrorKind::InvalidOperation, "poisoned"))?;
                w.write_record(&cells)
                    .map_err(|e| Error::new(ErrorKind::InvalidOperation, e.to_string()))?;
                Ok(String::new())
            });
            let tmpl = env.get_template(&ch.template)?;
            let text = tmpl.render(minijinja::context! {
                channel => minijinja::context! {
                    name => name.as_str(), locale => locale, currency => currency,
                    format => format.as_str(), vars => JValue::from(Serde(&ch.vars)),
                },
                project => project.clone(),
                products => in_channel,
                items => items,
            })?;
            let bytes = if format == "csv" || format == "tsv" {
                drop(tmpl);
                drop(env);
                let w = Arc::try_unwrap(records)
                    .map_err(|_| "row() still referenced")?
                    .into_inner()
                    .map_err(|_| "poisoned")?;
                w.into_inner().map_err(|e| e.to_string())?
            } else {
                text.into_bytes()
            };
            let out = out_dir.path().join(&ch.output);
            if let Some(parent) = out.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&out, &bytes)?;
            Ok(format!("{name}: {n_items} items, {} bytes", bytes.len()))
        })
        .collect::<Res<Vec<String>>>()?;
    if let Ok(keep) = std::env::var("PIM_BENCH_KEEP") {
        // For comparing outputs with pim's: copy the rendered files to $PIM_BENCH_KEEP.
        for (_, ch) in &channels {
            let to = Path::new(&keep).join(&ch.output);
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::copy(out_dir.path().join(&ch.output), to)?;
        }
    }
    Ok(format!(
        "{} products; {}",
        products.len(),
        summaries.join("; ")
    ))
}
