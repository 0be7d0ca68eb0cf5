//! Hostile but plausible sizes finish in time (issue 14): a scaled-down case of each
//! quadratic corner found, in a debug build. `bench/scaling.py` measures the real sizes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{demo_copy, pim, stderr};
use std::time::{Duration, Instant};

fn gtin13(n: usize) -> String {
    let body = format!("{:012}", 427_000_000_000 + n);
    let sum: u32 = body
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 1 { 3 } else { 1 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

#[test]
fn a_product_with_thousands_of_variants_exports_in_time() {
    let project = demo_copy();
    let dir = project.path();
    // Sizes free of their enum, so that every variant has distinct axes.
    let schema = dir.join("schemas/families/apparel.schema.json");
    let mut value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&schema).unwrap()).unwrap();
    fn free(value: &mut serde_json::Value) -> usize {
        match value {
            serde_json::Value::Object(map) => {
                let mut freed = 0;
                if let Some(serde_json::Value::Object(size)) = map.get_mut("size") {
                    freed += usize::from(size.remove("enum").is_some());
                }
                freed + map.values_mut().map(free).sum::<usize>()
            }
            serde_json::Value::Array(items) => items.iter_mut().map(free).sum(),
            _ => 0,
        }
    }
    assert!(
        free(&mut value) > 0,
        "the apparel schema has no size enum any more"
    );
    std::fs::write(&schema, value.to_string()).unwrap();
    let base = std::fs::read_to_string(dir.join("catalog/fleece/NW-FLC-1201.yaml")).unwrap();
    let head = base
        .split("variants:")
        .next()
        .unwrap()
        .replace("NW-FLC-1201", "NW-BIG-0001");
    let mut yaml = format!("{head}variants:\n");
    for i in 0..4000 {
        yaml.push_str(&format!(
            "  - sku: NW-BIG-0001-{i:06}\n    color: orange\n    size: \"{i}\"\n    gtin: \"{}\"\n",
            gtin13(i)
        ));
    }
    std::fs::create_dir_all(dir.join("catalog/big")).unwrap();
    std::fs::write(dir.join("catalog/big/NW-BIG-0001.yaml"), yaml).unwrap();
    let start = Instant::now();
    let out = pim(dir, &["export", "--all"]);
    let took = start.elapsed();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    assert!(
        took < Duration::from_secs(60),
        "4,000 variants took {took:?} to export"
    );
}
