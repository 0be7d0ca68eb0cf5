//! The fast YAML loader: pim's span-carrying tree built straight from granit-parser's events
//! (the parser serde-saphyr runs underneath), without serde. It takes the files products are
//! made of (one document, no tags, anchors or aliases, within every budget) and gives the tree
//! serde-saphyr would give; for anything else it answers `None` and the caller runs
//! serde-saphyr, whose diagnostics are then the ones reported. The fuzz target `yaml_loaders`
//! checks both loaders agree on arbitrary input.

use super::yaml::{Node, Span, Value};
use crate::config::Limits;
use granit_parser::{Event, Parser, ScalarStyle, StrInput};
use std::borrow::Cow;
use std::collections::HashSet;

/// serde-saphyr's default budgets that pim does not set (`serde_saphyr::Budget::default()`).
const MAX_EVENTS: usize = 1_000_000;
const MAX_SCALAR_BYTES: usize = 64 * 1024 * 1024;
const MAX_COMMENT_BYTES: usize = 64 * 1024 * 1024;

/// The parser options serde-saphyr derives from pim's options (`Options::parser_options`), so
/// both loaders see the same events and the same parser errors.
fn parser_options(limits: &Limits) -> granit_parser::Options {
    let mut options = granit_parser::Options::default();
    options.simple_key_max_lookahead = 1024;
    options.flow_nesting_limit = limits.max_depth;
    options.block_nesting_limit = options
        .block_nesting_limit
        .max(limits.max_depth.saturating_add(1));
    options.emit_comments = true;
    options.max_buffered_comment_events = 32;
    options.strict_indentation = false;
    options.bom_inside_document_as_content = false;
    options
}

/// What a mapping key is compared by for duplicates: serde-saphyr compares plain integer
/// spellings by value (`1`, `0x1` and `+1` are the same key) and any other scalar by its text.
/// Text equal in a null and a string key (`null`, `"null"`) counts as a duplicate here though
/// not for serde-saphyr: the file then goes to serde-saphyr, which decides.
#[derive(PartialEq, Eq, Hash)]
enum KeyId<'a> {
    Int(bool, u128),
    Text(Cow<'a, str>),
}

enum Frame<'a> {
    Seq {
        span: Span,
        items: Vec<Node>,
    },
    Map {
        span: Span,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        ids: Vec<KeyId<'a>>,
        set: Option<HashSet<KeyId<'a>>>,
    },
}

/// Mappings up to this many keys are checked for duplicates by a scan, larger ones by a set.
const SCAN_KEYS: usize = 16;

struct Builder<'a> {
    stack: Vec<Frame<'a>>,
    root: Option<Node>,
    nodes: usize,
    events: usize,
    scalar_bytes: usize,
    comment_bytes: usize,
    expanded: u64,
    max_depth: usize,
    max_nodes: usize,
    max_expanded: u64,
}

/// Builds the tree of a product file, or `None` where serde-saphyr must decide: a parser
/// error, a budget reached, a tag, an anchor, an alias, a merge key, a duplicate key, a
/// non-finite number, more than one document, or a top level that is not a mapping.
pub fn build(text: &str, limits: &Limits) -> Option<Node> {
    let mut b = Builder {
        stack: Vec::new(),
        root: None,
        nodes: 0,
        events: 0,
        scalar_bytes: 0,
        comment_bytes: 0,
        expanded: 0,
        max_depth: limits.max_depth,
        max_nodes: limits.max_nodes,
        max_expanded: limits.expanded_size(),
    };
    let parser = Parser::with_options(StrInput::new(text), parser_options(limits));
    let mut documents = 0usize;
    for item in parser {
        let (event, span) = item.ok()?;
        b.events += 1;
        if b.events >= MAX_EVENTS {
            return None;
        }
        let span = span_of(&span);
        match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
            Event::DocumentStart(_, version) => {
                documents += 1;
                if documents > 1 || version.is_some() {
                    return None;
                }
            }
            Event::Comment(text, _) => {
                b.comment_bytes = b.comment_bytes.saturating_add(text.len());
                if b.comment_bytes >= MAX_COMMENT_BYTES {
                    return None;
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                if anchor != 0 || tag.is_some() || b.root.is_some() {
                    return None;
                }
                b.scalar(value, style, span)?;
            }
            Event::SequenceStart(_, anchor, tag) => {
                if anchor != 0 || tag.is_some() || b.root.is_some() {
                    return None;
                }
                b.open()?;
                b.stack.push(Frame::Seq {
                    span,
                    items: Vec::new(),
                });
            }
            Event::MappingStart(_, anchor, tag) => {
                if anchor != 0 || tag.is_some() || b.root.is_some() {
                    return None;
                }
                b.open()?;
                b.stack.push(Frame::Map {
                    span,
                    entries: Vec::new(),
                    key: None,
                    ids: Vec::new(),
                    set: None,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let node = match b.stack.pop()? {
                    Frame::Seq { span, items } => Node {
                        value: Value::Seq(items),
                        span,
                    },
                    Frame::Map {
                        span, entries, key, ..
                    } => {
                        if key.is_some() {
                            return None;
                        }
                        Node {
                            value: Value::Map(entries),
                            span,
                        }
                    }
                };
                b.attach(node, None)?;
            }
            _ => return None,
        }
    }
    let root = b.root?;
    matches!(root.value, Value::Map(_)).then_some(root)
}

fn span_of(span: &granit_parser::Span) -> Span {
    // As serde-saphyr's `location_from_span`: byte offsets, no byte information past 4 GiB.
    match (span.start.byte_offset(), span.end.byte_offset()) {
        (Some(start), Some(end)) => {
            let len = end.saturating_sub(start);
            if start <= u32::MAX as usize && len <= u32::MAX as usize {
                Span { start, len }
            } else {
                Span::default()
            }
        }
        _ => Span::default(),
    }
}

impl<'a> Builder<'a> {
    /// Counts one value against `max_nodes` and `max_expanded_size` (serde-saphyr's budget
    /// and pim's): reaching a limit hands the file to serde-saphyr, which reports it.
    fn count(&mut self, cost: usize) -> Option<()> {
        self.nodes += 1;
        self.expanded = self.expanded.saturating_add(cost as u64);
        (self.nodes < self.max_nodes && self.expanded < self.max_expanded).then_some(())
    }

    fn open(&mut self) -> Option<()> {
        self.count(1)?;
        (self.stack.len() + 1 < self.max_depth).then_some(())
    }

    fn scalar(&mut self, value: Cow<'a, str>, style: ScalarStyle, span: Span) -> Option<()> {
        self.scalar_bytes = self.scalar_bytes.saturating_add(value.len());
        if self.scalar_bytes >= MAX_SCALAR_BYTES {
            return None;
        }
        let expecting_key = matches!(self.stack.last(), Some(Frame::Map { key: None, .. }));
        let id = if expecting_key {
            if style == ScalarStyle::Plain && value == "<<" {
                return None;
            }
            Some(key_id(&value, style))
        } else {
            None
        };
        let value = resolve(value, style)?;
        let cost = match &value {
            Value::Str(s) => s.len(),
            _ => 1,
        };
        self.count(cost)?;
        self.attach(Node { value, span }, id)
    }

    /// Puts a finished node where it belongs: the root, a list item, a key or a value.
    fn attach(&mut self, node: Node, id: Option<KeyId<'a>>) -> Option<()> {
        match self.stack.last_mut() {
            None => {
                if self.root.is_some() {
                    return None;
                }
                self.root = Some(node);
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                key,
                ids,
                set,
                ..
            }) => match key.take() {
                Some(k) => entries.push((k, node)),
                None => {
                    // A key that is a list or a mapping: serde-saphyr decides.
                    let id = id?;
                    match set {
                        Some(set) => {
                            if !set.insert(id) {
                                return None;
                            }
                        }
                        None => {
                            if ids.contains(&id) {
                                return None;
                            }
                            ids.push(id);
                            if ids.len() > SCAN_KEYS {
                                *set = Some(ids.drain(..).collect());
                            }
                        }
                    }
                    *key = Some(node);
                }
            },
        }
        Some(())
    }
}

fn key_id<'a>(value: &Cow<'a, str>, style: ScalarStyle) -> KeyId<'a> {
    if style == ScalarStyle::Plain {
        let t = yaml_trim(value);
        let int = if t.starts_with('-') {
            parse_int_signed(t).map(|v| (v < 0, v.unsigned_abs()))
        } else {
            parse_int_unsigned(t).map(|v| (false, v))
        };
        if let Some((negative, magnitude)) = int {
            return KeyId::Int(negative, magnitude);
        }
    }
    KeyId::Text(value.clone())
}

/// A scalar without a tag as serde-saphyr's `deserialize_any` reads it with pim's options
/// (YAML 1.2 booleans, leading-zero numbers kept as text). `None` for a non-finite number,
/// which serde-saphyr refuses.
fn resolve(value: Cow<'_, str>, style: ScalarStyle) -> Option<Value> {
    if style != ScalarStyle::Plain {
        return Some(Value::Str(value.into_owned()));
    }
    if matches!(value.as_ref(), "" | "~" | "null" | "Null" | "NULL") {
        return Some(Value::Null);
    }
    let t = yaml_trim(&value);
    match t {
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        _ => {}
    }
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    let uppercase_radix = matches!(unsigned.as_bytes(), [b'0', b'X' | b'O' | b'B', ..]);
    if uppercase_radix || is_signed_nan(t) || leading_zero_decimal(t) {
        return Some(Value::Str(value.into_owned()));
    }
    if t.starts_with('-') {
        if let Some(v) = parse_int_signed(t).and_then(|v| i64::try_from(v).ok()) {
            return Some(Value::Int(v));
        }
    } else if let Some(v) = parse_int_unsigned(t).and_then(|v| u64::try_from(v).ok()) {
        return Some(Value::UInt(v));
    }
    if let Some(v) = parse_float(t) {
        return v.is_finite().then_some(Value::Float(v));
    }
    Some(Value::Str(value.into_owned()))
}

// The scalar rules below follow serde-saphyr 2.2.0's `parse_scalars.rs` (MIT OR Apache-2.0)
// for its default options: no legacy octal, underscores between digits allowed.

fn yaml_trim(s: &str) -> &str {
    s.trim_matches([' ', '\t', '\r', '\n'])
}

fn is_signed_nan(t: &str) -> bool {
    t.strip_prefix(['+', '-'])
        .is_some_and(|unsigned| matches!(unsigned, ".nan" | ".NaN" | ".NAN"))
}

fn leading_zero_decimal(t: &str) -> bool {
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    digits.len() > 1 && digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Digits in `radix` with single underscores between them.
fn parse_digits(digits: &str, radix: u32) -> Option<u128> {
    let mut val: u128 = 0;
    let mut saw = false;
    let mut prev_underscore = true;
    let bytes = digits.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'_' {
            let next_ok = bytes.get(i + 1).is_some_and(|&n| n != b'_');
            if prev_underscore || !next_ok {
                return None;
            }
            prev_underscore = true;
            continue;
        }
        prev_underscore = false;
        let d = (b as char).to_digit(16)?;
        if d >= radix {
            return None;
        }
        val = val
            .checked_mul(u128::from(radix))?
            .checked_add(u128::from(d))?;
        saw = true;
    }
    saw.then_some(val)
}

fn radix_and_digits(rest: &str) -> (u32, &str) {
    if let Some(r) = rest.strip_prefix("0x").or_else(|| rest.strip_prefix("0X")) {
        (16, r)
    } else if let Some(r) = rest.strip_prefix("0o").or_else(|| rest.strip_prefix("0O")) {
        (8, r)
    } else if let Some(r) = rest.strip_prefix("0b").or_else(|| rest.strip_prefix("0B")) {
        (2, r)
    } else {
        (10, rest)
    }
}

/// serde-saphyr's `parse_int_signed::<i128>`.
fn parse_int_signed(t: &str) -> Option<i128> {
    let t = yaml_trim(t);
    let (neg, rest) = match t.strip_prefix('+') {
        Some(r) => (false, r),
        None => match t.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, t),
        },
    };
    let (radix, digits) = radix_and_digits(rest);
    if radix == 10 && digits.starts_with('0') && digits != "0" {
        return None;
    }
    let mag = parse_digits(digits, radix)?;
    if neg {
        if mag == (i128::MAX as u128) + 1 {
            Some(i128::MIN)
        } else {
            i128::try_from(mag).ok()?.checked_neg()
        }
    } else {
        i128::try_from(mag).ok()
    }
}

/// serde-saphyr's `parse_int_unsigned::<u128>`.
fn parse_int_unsigned(t: &str) -> Option<u128> {
    let t = yaml_trim(t);
    if t.starts_with('-') {
        return None;
    }
    let rest = t.strip_prefix('+').unwrap_or(t);
    let (radix, digits) = radix_and_digits(rest);
    if radix == 10 && digits.starts_with('0') && digits != "0" {
        return None;
    }
    parse_digits(digits, radix)
}

/// serde-saphyr's `try_parse_float_incl_overflow` for an untagged scalar: YAML's `.inf` and
/// `.nan` spellings, Rust's float syntax for finite numbers, and numerals that overflow.
fn parse_float(t: &str) -> Option<f64> {
    let (negative, unsigned) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    match unsigned {
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        ".inf" | ".Inf" | ".INF" if negative => return Some(f64::NEG_INFINITY),
        ".inf" | ".Inf" | ".INF" => return Some(f64::INFINITY),
        _ => {}
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Some(v),
        Ok(v) if v.is_infinite() && unsigned.as_bytes().first().is_some_and(u8::is_ascii_digit) => {
            Some(v)
        }
        _ => None,
    }
}
