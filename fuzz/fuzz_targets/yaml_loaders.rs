//! Differential: the event loader (`yaml::parse`, granit-parser events straight into pim's
//! tree) against serde-saphyr (`yaml::parse_with_serde`) on the same bytes. Both must give
//! the same tree with the same spans and the same findings, or the same diagnostic. The first
//! byte picks the limits: pim's defaults, or small ones so that every budget is reached.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pim::config::{ByteSize, Limits};
use pim::source::yaml;

fn limits(selector: u8) -> Limits {
    let mut limits = Limits::default();
    if selector & 1 == 1 {
        limits.max_depth = usize::from(selector >> 5) + 2;
        limits.max_nodes = usize::from(selector >> 1 & 0x0f) * 4 + 1;
        limits.max_aliases = usize::from(selector >> 3 & 0x03) + 1;
        limits.max_expanded_size = Some(ByteSize(u64::from(selector) * 2));
    }
    limits
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let Ok(text) = pim::source::decode(rest.to_vec(), "catalog/fuzz.yaml") else { return };
    let limits = limits(selector);
    let new = yaml::parse(&text.text, "catalog/fuzz.yaml", &limits);
    let old = yaml::parse_with_serde(&text.text, "catalog/fuzz.yaml", &limits);
    // Debug output compares floats bit for bit (`-0.0` against `0.0`) and every field.
    let (new, old) = (format!("{new:?}"), format!("{old:?}"));
    assert!(new == old, "loaders differ\nevents: {new}\nserde:  {old}");
});
