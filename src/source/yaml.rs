//! The YAML tree with positions. Built by serde-saphyr in one pass; every node keeps its
//! byte span, so positions and the source text of scalars cost nothing extra.

use crate::config::Limits;
use crate::diag::{Diagnostic, Position, Rule};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::collections::HashMap;
use std::fmt;

/// A byte range in the file's text (BOM excluded).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub len: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<Value>::deserialize(deserializer)?;
        let s = spanned.referenced.span();
        let span = Span {
            start: s.byte_offset().unwrap_or(0) as usize,
            len: s.byte_len().unwrap_or(0) as usize,
        };
        Ok(Node {
            value: spanned.value,
            span,
        })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

/// The size budget of one parse: what the values cost once every alias is written out.
#[derive(Clone, Copy, Default)]
struct Expansion {
    used: u64,
    limit: u64,
    exceeded: bool,
}

thread_local! {
    /// Set by [`parse`] for the file it parses on this thread.
    static EXPANSION: std::cell::Cell<Expansion> = const {
        std::cell::Cell::new(Expansion { used: 0, limit: u64::MAX, exceeded: false })
    };
}

/// Counts `bytes` against the file's `max_expanded_size`: a string costs its length, any
/// other value one byte (never more than it takes in the file), so a file without aliases
/// costs at most its size, and an alias repeated a hundred times a hundred copies.
fn spend<E: de::Error>(bytes: usize) -> Result<(), E> {
    EXPANSION.with(|cell| {
        let mut state = cell.get();
        state.used = state.used.saturating_add(bytes as u64);
        if state.used > state.limit {
            state.exceeded = true;
            cell.set(state);
            return Err(E::custom("the values exceed `max_expanded_size`"));
        }
        cell.set(state);
        Ok(())
    })
}

/// What a value other than a string costs against the budget.
const SMALL: usize = 1;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        spend(SMALL)?;
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        spend(SMALL)?;
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        spend(SMALL)?;
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        spend(SMALL)?;
        Ok(Value::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        spend(SMALL)?;
        Ok(Value::UInt(v))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        spend(SMALL)?;
        i64::try_from(v)
            .map(Value::Int)
            .map_err(|_| E::custom("integer out of range"))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        spend(SMALL)?;
        u64::try_from(v)
            .map(Value::UInt)
            .map_err(|_| E::custom("integer out of range"))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        spend(SMALL)?;
        Ok(Value::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        spend(v.len())?;
        Ok(Value::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        spend(v.len())?;
        Ok(Value::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        spend(SMALL)?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        spend(SMALL)?;
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Node>()? {
            let value = map.next_value::<Node>()?;
            entries.push((key, value));
        }
        Ok(Value::Map(entries))
    }
}

impl Node {
    /// The node's text as written in the file.
    pub fn source<'t>(&self, text: &'t str) -> &'t str {
        text.get(self.span.start..self.span.start + self.span.len)
            .unwrap_or_default()
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key node and value node of `key` in a mapping.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| match &k.value {
                    Value::Str(s) => s == key,
                    _ => k.key_text() == key,
                })
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// A mapping key as a string, as JSON sees it.
    pub fn key_text(&self) -> String {
        match &self.value {
            Value::Str(s) => s.clone(),
            Value::Null => "null".into(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::UInt(u) => u.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Seq(_) | Value::Map(_) => String::new(),
        }
    }

    /// The node a JSON pointer (`/variants/0/price/EUR`) leads to.
    pub fn pointer(&self, pointer: &str) -> Option<&Node> {
        let mut node = self;
        for segment in pointer_segments(pointer) {
            node = match &node.value {
                Value::Map(_) => node.get(&segment)?,
                Value::Seq(items) => items.get(segment.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// The plain JSON value, for JSON Schema and templates.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::UInt(u) => J::from(*u),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.key_text(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

/// Finds nodes by JSON pointer. The first few lookups walk the tree; after that an index of
/// every node, built once, answers, so a file with many findings (100,000 wrong elements, a
/// mapping of 50,000 unexpected keys) costs time in proportion to its size, not its square.
pub struct Locator<'n> {
    root: &'n Node,
    lookups: std::cell::Cell<usize>,
    /// Pointer → (key node for a mapping entry, value node).
    index: std::cell::OnceCell<HashMap<String, (Option<&'n Node>, &'n Node)>>,
}

impl<'n> Locator<'n> {
    /// Lookups answered by walking the tree before the index is built.
    const WALKS: usize = 16;

    pub fn new(root: &'n Node) -> Locator<'n> {
        Locator {
            root,
            lookups: std::cell::Cell::new(0),
            index: std::cell::OnceCell::new(),
        }
    }

    fn indexed(&self) -> Option<&HashMap<String, (Option<&'n Node>, &'n Node)>> {
        let n = self.lookups.get() + 1;
        self.lookups.set(n);
        (n > Self::WALKS).then(|| {
            self.index.get_or_init(|| {
                let mut index = HashMap::new();
                index_nodes(self.root, None, &mut String::new(), &mut index);
                index
            })
        })
    }

    /// The node a JSON pointer leads to.
    pub fn node(&self, pointer: &str) -> Option<&'n Node> {
        match self.indexed() {
            Some(index) => index.get(pointer).map(|(_, v)| *v),
            None => self.root.pointer(pointer),
        }
    }

    /// The key node of the mapping entry a pointer names (`/a/b` → the key `b` in `/a`).
    pub fn key(&self, pointer: &str) -> Option<&'n Node> {
        match self.indexed() {
            Some(index) => index.get(pointer).and_then(|(k, _)| *k),
            None => {
                let (parent, key) = pointer.rsplit_once('/')?;
                let key = key.replace("~1", "/").replace("~0", "~");
                self.root.pointer(parent)?.entry(&key).map(|(k, _)| k)
            }
        }
    }
}

fn index_nodes<'n>(
    node: &'n Node,
    key: Option<&'n Node>,
    pointer: &mut String,
    index: &mut HashMap<String, (Option<&'n Node>, &'n Node)>,
) {
    // The first entry of a duplicate key wins, as `Node::get` finds it.
    index.entry(pointer.clone()).or_insert((key, node));
    let len = pointer.len();
    match &node.value {
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                pointer.push('/');
                pointer.push_str(&i.to_string());
                index_nodes(item, None, pointer, index);
                pointer.truncate(len);
            }
        }
        Value::Map(entries) => {
            for (k, v) in entries {
                let escaped = pointer_push("", &k.key_text());
                pointer.push_str(&escaped);
                index_nodes(v, Some(k), pointer, index);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

/// The unescaped segments of a JSON pointer (RFC 6901).
pub fn pointer_segments(pointer: &str) -> impl Iterator<Item = String> + '_ {
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
}

/// Appends a segment to a JSON pointer, escaping it.
pub fn pointer_push(pointer: &str, segment: &str) -> String {
    if !segment.contains(['~', '/']) {
        let mut out = String::with_capacity(pointer.len() + segment.len() + 1);
        out.push_str(pointer);
        out.push('/');
        out.push_str(segment);
        return out;
    }
    format!(
        "{pointer}/{}",
        segment.replace('~', "~0").replace('/', "~1")
    )
}

fn options(limits: &Limits) -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    // YAML 1.2: only true/false are booleans; `NO` and `yes` stay strings.
    options.strict_booleans = true;
    // `0012345678905` keeps its digits (serde-saphyr would make it a number).
    options.leading_zero_numbers_as_strings = true;
    // `!!python/object:...` and friends are refused, not silently dropped.
    options.reject_unsupported_tags = true;
    options.merge_keys = serde_saphyr::MergeKeyPolicy::Error;
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::Error;
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = limits.max_depth;
    budget.max_nodes = limits.max_nodes;
    budget.max_aliases = limits.max_aliases;
    budget.max_anchors = limits.max_aliases;
    budget.flow_nesting_limit = limits.max_depth;
    budget.max_documents = 2;
    options.budget = Some(budget);
    options
}

/// Parses one product file and applies the file-level rules. `Err` holds the diagnostics
/// of a file that could not be read as a product; `Ok` may carry warnings and errors on
/// individual scalars.
///
/// The tree comes from the event loader ([`super::yaml_events`]); a file it hands over (an
/// error, a limit, a tag, an anchor, ...) is read by serde-saphyr, whose diagnostics are then
/// reported. Both give the same tree where both succeed.
pub fn parse(
    text: &str,
    rel: &str,
    limits: &Limits,
) -> Result<(Node, Vec<Diagnostic>), Diagnostic> {
    match super::yaml_events::build(text, limits) {
        Some(root) => Ok(scalar_findings(root, text, rel)),
        None => parse_with_serde(text, rel, limits),
    }
}

/// [`parse`] through serde-saphyr alone: the reference the event loader is compared with
/// (fuzz target `yaml_loaders`), and the reader of the files the event loader hands over.
pub fn parse_with_serde(
    text: &str,
    rel: &str,
    limits: &Limits,
) -> Result<(Node, Vec<Diagnostic>), Diagnostic> {
    EXPANSION.with(|cell| {
        cell.set(Expansion {
            used: 0,
            limit: limits.expanded_size(),
            exceeded: false,
        });
    });
    let parsed: Result<Node, _> = serde_saphyr::from_str_with_options(text, options(limits));
    let expansion = EXPANSION.with(|cell| cell.replace(Expansion::default()));
    let root = parsed.map_err(|e| {
        if expansion.exceeded {
            expanded_too_far(&e, text, rel, expansion.limit)
        } else {
            parse_error(&e, text, rel)
        }
    })?;
    match root.value {
        Value::Map(_) => {}
        Value::Null if is_blank(text) => {
            return Err(Diagnostic::new(
                Rule::EmptyFile,
                rel,
                Position::LineColumn { line: 1, column: 1 },
                "the file holds no YAML value",
            )
            .help("write the product as a mapping starting with `sku: ...`, or delete the file"));
        }
        ref other => {
            let found = match other {
                Value::Seq(_) => "a list",
                Value::Null => "null",
                _ => "a scalar",
            };
            return Err(Diagnostic::new(
                Rule::NotAMapping,
                rel,
                Position::Offset(first_content(text)),
                format!("the top level of a product file must be a mapping, found {found}"),
            )
            .help("write one product per file as `key: value` lines, starting with `sku:`"));
        }
    }
    Ok(scalar_findings(root, text, rel))
}

fn scalar_findings(root: Node, text: &str, rel: &str) -> (Node, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    check_scalars(&root, text, rel, &mut Vec::new(), &mut diagnostics);
    (root, diagnostics)
}

fn is_blank(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .all(|l| l.is_empty() || l.starts_with('#') || l == "---" || l == "...")
}

fn first_content(text: &str) -> usize {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if !trimmed.is_empty() && !trimmed.starts_with('#') && !trimmed.starts_with("---") {
            return offset + (line.len() - trimmed.len());
        }
        offset += line.len();
    }
    0
}

/// Unquoted numbers with leading zeros (a warning) and integers beyond 64 bits (an error).
/// The path is kept as keys; a pointer string is built only for a finding.
fn check_scalars<'n>(
    node: &'n Node,
    text: &str,
    rel: &str,
    path: &mut Vec<PathKey<'n>>,
    out: &mut Vec<Diagnostic>,
) {
    match &node.value {
        Value::Str(s) => {
            if is_leading_zero_number(s) && node.source(text) == s {
                out.push(
                    Diagnostic::new(
                        Rule::QuoteNumber,
                        rel,
                        Position::Offset(node.span.start),
                        format!("`{s}` is an unquoted number with leading zeros; pim keeps its digits, other YAML tools drop them"),
                    )
                    .at(path_pointer(path))
                    .help(format!("quote it: \"{}\"", crate::diag::cut(s))),
                );
            }
        }
        Value::Float(_) => {
            let src = node.source(text);
            if is_integer_literal(src) {
                out.push(
                    Diagnostic::new(
                        Rule::NumberOutOfRange,
                        rel,
                        Position::Offset(node.span.start),
                        format!("the integer `{src}` does not fit in 64 bits"),
                    )
                    .at(path_pointer(path))
                    .help(format!(
                        "if it is an identifier, quote it: \"{}\"",
                        crate::diag::cut(src)
                    )),
                );
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(PathKey::Index(i));
                check_scalars(item, text, rel, path, out);
                path.pop();
            }
        }
        Value::Map(entries) => {
            for (k, v) in entries {
                path.push(PathKey::Key(k));
                check_scalars(v, text, rel, path, out);
                path.pop();
            }
        }
        Value::Null | Value::Bool(_) | Value::Int(_) | Value::UInt(_) => {}
    }
}

/// A step from a node to one of its children.
enum PathKey<'n> {
    Key(&'n Node),
    Index(usize),
}

fn path_pointer(path: &[PathKey<'_>]) -> String {
    path.iter().fold(String::new(), |pointer, step| match step {
        PathKey::Key(key) => pointer_push(&pointer, &key.key_text()),
        PathKey::Index(i) => format!("{pointer}/{i}"),
    })
}

fn is_integer_literal(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn is_leading_zero_number(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    digits.len() > 1 && digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Maps a serde-saphyr error to its rule and position.
fn parse_error(error: &serde_saphyr::Error, text: &str, rel: &str) -> Diagnostic {
    use serde_saphyr::Error as E;
    let mut inner = error.without_snippet();
    while let E::AliasError { error, .. } = inner {
        inner = error.without_snippet();
    }
    let (rule, message, help) = match inner {
        E::DuplicateMappingKey { key, .. } => (
            Rule::DuplicateKey,
            match key {
                Some(k) => format!("the key `{k}` appears twice in this mapping"),
                None => "a key appears twice in this mapping".to_owned(),
            },
            "remove or rename one of the two keys",
        ),
        E::MultipleDocuments { .. } => (
            Rule::MultipleDocuments,
            "the file holds more than one YAML document".to_owned(),
            "keep one product per file: move the document after `---` to a file of its own",
        ),
        E::UnsupportedTag { tag, .. } => (
            Rule::UnsupportedTag,
            format!("the tag `{tag}` is not one of YAML's core tags"),
            "remove the tag and write the plain value",
        ),
        E::MergeKeyNotAllowed { .. } => (
            Rule::MergeKey,
            "merge keys (`<<`) are not allowed".to_owned(),
            "write the values out in full",
        ),
        E::NonFiniteFloat { value, .. } => (
            Rule::NumberOutOfRange,
            format!("`{value}` is not a finite number"),
            "write a finite number, or quote the value if it is text",
        ),
        E::Budget { breach, .. } => (
            Rule::LimitExceeded,
            format!("the file exceeds a parsing limit: {}", budget_text(breach)),
            "simplify the file, or raise the limit under [limits] in pim.toml",
        ),
        E::AliasReplayLimitExceeded { .. }
        | E::AliasExpansionLimitExceeded { .. }
        | E::AliasReplayStackDepthExceeded { .. }
        | E::AliasReplayCounterOverflow { .. } => (
            Rule::LimitExceeded,
            "the file expands too many aliases".to_owned(),
            "write the values out instead of repeating aliases, or raise `[limits] max_aliases`",
        ),
        E::InvalidUtf8Input => (
            Rule::NotUtf8,
            "the file is not valid UTF-8".to_owned(),
            "re-save the file as UTF-8",
        ),
        other => {
            let message = syntax_message(other);
            if message.contains("recursion limit") {
                (
                    Rule::LimitExceeded,
                    "the file nests deeper than `max_depth`".to_owned(),
                    "simplify the file, or raise `[limits] max_depth` in pim.toml",
                )
            } else {
                (Rule::YamlSyntax, message, "correct the YAML syntax here")
            }
        }
    };
    let position = match error.location() {
        Some(loc) if loc.line() > 0 => Position::LineColumn {
            line: loc.line() as usize,
            column: loc.column().max(1) as usize,
        },
        _ => Position::Offset(text.len()),
    };
    Diagnostic::new(rule, rel, position, message).help(help)
}

/// `limit-exceeded` for a file whose values, aliases written out, pass `max_expanded_size`.
fn expanded_too_far(error: &serde_saphyr::Error, text: &str, rel: &str, limit: u64) -> Diagnostic {
    let position = match error.location() {
        Some(loc) if loc.line() > 0 => Position::LineColumn {
            line: loc.line() as usize,
            column: loc.column().max(1) as usize,
        },
        _ => Position::Offset(text.len()),
    };
    Diagnostic::new(
        Rule::LimitExceeded,
        rel,
        position,
        format!(
            "the file's values take more than `max_expanded_size` ({limit} bytes) once its aliases are written out"
        ),
    )
    .help("write the values out instead of repeating aliases, or raise `[limits] max_expanded_size` in pim.toml")
}

fn budget_text(breach: &serde_saphyr::budget::BudgetBreach) -> String {
    use serde_saphyr::budget::BudgetBreach as B;
    match breach {
        B::Depth { depth } => format!("nesting deeper than `max_depth` ({depth} levels)"),
        B::Nodes { nodes } => format!("more than `max_nodes` values ({nodes})"),
        B::Aliases { aliases } => format!("more than `max_aliases` aliases ({aliases})"),
        B::Anchors { anchors } => format!("more than `max_aliases` anchors ({anchors})"),
        B::Documents { .. } => "more than one document".to_owned(),
        other => format!("{other:?}"),
    }
}

/// serde-saphyr's message without its `error: line X column Y:` prefix.
fn syntax_message(error: &serde_saphyr::Error) -> String {
    let full = error.to_string();
    let first = full.lines().next().unwrap_or_default();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let message = match first.find("column ") {
        Some(i) if first.starts_with("line ") => first
            .get(i..)
            .and_then(|rest| rest.split_once(": "))
            .map_or(first, |(_, m)| m),
        _ => first,
    };
    // Some messages repeat the position at their end.
    match message.rfind(" at line ") {
        Some(i) => message.get(..i).unwrap_or(message).to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Parsing runs on threads with large stacks, as in pim's thread pool.
    fn on_big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        std::thread::Builder::new()
            .stack_size(crate::STACK_SIZE)
            .spawn(f)
            .unwrap()
            .join()
            .unwrap()
    }

    fn parse_ok(text: &str) -> (Node, Vec<Diagnostic>) {
        let text = text.to_owned();
        on_big_stack(move || parse(&text, "t.yaml", &Limits::default()).unwrap())
    }

    fn parse_err(text: &str) -> Diagnostic {
        let text = text.to_owned();
        on_big_stack(move || parse(&text, "t.yaml", &Limits::default()).err().unwrap())
    }

    #[test]
    fn yaml_1_2_booleans_and_leading_zeros() {
        let (root, diags) = parse_ok("a: NO\nb: yes\nc: true\ngtin: 0012345678905\nq: \"007\"\n");
        assert_eq!(root.get("a").unwrap().value, Value::Str("NO".into()));
        assert_eq!(root.get("b").unwrap().value, Value::Str("yes".into()));
        assert_eq!(root.get("c").unwrap().value, Value::Bool(true));
        assert_eq!(root.get("gtin").unwrap().as_str(), Some("0012345678905"));
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].rule, Rule::QuoteNumber);
        assert_eq!(diags[0].pointer.as_deref(), Some("/gtin"));
    }

    #[test]
    fn huge_integers_are_errors() {
        let (_, diags) = parse_ok("n: 12345678901234567890123\n");
        assert_eq!(diags[0].rule, Rule::NumberOutOfRange);
        assert_eq!(parse_err("n: .inf\n").rule, Rule::NumberOutOfRange);
    }

    #[test]
    fn file_level_rules() {
        assert_eq!(parse_err("a: 1\na: 2\n").rule, Rule::DuplicateKey);
        assert_eq!(parse_err("a: 1\n---\nb: 2\n").rule, Rule::MultipleDocuments);
        assert_eq!(
            parse_err("a: !!python/object:os.system x\n").rule,
            Rule::UnsupportedTag
        );
        assert_eq!(
            parse_err("b: &b {x: 1}\nc:\n  <<: *b\n").rule,
            Rule::MergeKey
        );
        assert_eq!(parse_err("- a\n- b\n").rule, Rule::NotAMapping);
        assert_eq!(parse_err("# only a comment\n").rule, Rule::EmptyFile);
        assert_eq!(parse_err("").rule, Rule::EmptyFile);
        assert_eq!(parse_err("a: [\n").rule, Rule::YamlSyntax);
        let tab = parse_err("a:\n\tb: 1\n");
        assert_eq!(tab.rule, Rule::YamlSyntax);
        assert_eq!(tab.position, Position::LineColumn { line: 2, column: 2 });
        assert!(!tab.message.contains("line 2"), "{}", tab.message);
    }

    #[test]
    fn limits_stop_bombs_and_nesting() {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..9 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("a{}", i - 1)
            };
            bomb.push_str(&format!("a{i}: &a{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        assert_eq!(parse_err(&bomb).rule, Rule::LimitExceeded);
        let deep = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(parse_err(&deep).rule, Rule::LimitExceeded);
        let block: String = (0..3000)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i * 2)))
            .collect();
        let d = parse_err(&block);
        assert_eq!(d.rule, Rule::LimitExceeded);
        assert!(d.message.contains("max_depth"), "{}", d.message);
    }

    #[test]
    fn pointers_find_nodes() {
        let (root, _) = parse_ok("a:\n  b/c: [x, {d: 1}]\n");
        let node = root.pointer("/a/b~1c/1/d").unwrap();
        assert_eq!(node.value, Value::UInt(1));
        assert_eq!(node.span.start, 18);
        assert!(root.pointer("/a/zz").is_none());
        assert_eq!(pointer_push("/a", "b/c"), "/a/b~1c");
    }
}

#[cfg(test)]
mod loader_tests {
    //! The event loader against serde-saphyr on snippets that probe each scalar rule.
    use super::*;

    fn same(text: &str) -> bool {
        let text = text.to_owned();
        std::thread::Builder::new()
            .stack_size(crate::STACK_SIZE)
            .spawn(move || {
                let limits = Limits::default();
                let fast = super::super::yaml_events::build(&text, &limits);
                let slow = parse_with_serde(&text, "t.yaml", &limits);
                match (&fast, &slow) {
                    (Some(f), Ok((s, _))) => {
                        assert_eq!(f, s, "{text:?}");
                        true
                    }
                    (Some(f), Err(e)) => panic!("{text:?}: events gave {f:?}, serde {e:?}"),
                    (None, _) => {
                        // Handed over: the product path gives serde-saphyr's answer.
                        assert_eq!(
                            format!("{:?}", parse(&text, "t.yaml", &limits)),
                            format!("{slow:?}")
                        );
                        false
                    }
                }
            })
            .unwrap()
            .join()
            .unwrap()
    }

    #[test]
    fn scalars_resolve_as_serde_saphyr_does() {
        let values = [
            "1",
            "-1",
            "+1",
            "0",
            "-0",
            "+0",
            "01",
            "-01",
            "0x1F",
            "0X1F",
            "0o17",
            "0O17",
            "0b101",
            "0B1",
            "1_000",
            "1__0",
            "_1",
            "1_",
            "0x_1",
            "1.5",
            "-1.5",
            "+1.5",
            ".5",
            "1.",
            "1e5",
            "1E-5",
            "1e999",
            "-1e999",
            ".inf",
            "-.inf",
            "+.inf",
            ".nan",
            "-.nan",
            "+.nan",
            ".NaN",
            "inf",
            "nan",
            "infinity",
            "NaN",
            "true",
            "True",
            "TRUE",
            "tRue",
            "false",
            "yes",
            "no",
            "NO",
            "on",
            "~",
            "null",
            "Null",
            "NULL",
            "nULL",
            "",
            "'1'",
            "\"1\"",
            "'null'",
            "\"\"",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "340282366920938463463374607431768211456",
            "0x",
            "-0x1",
            "1:2",
            "12:30:00",
            "2024-01-01",
            "1,5",
            "0.0",
            "-0.0",
            "00",
            "0_0",
            "|\n  text\n",
            ">-\n  folded\n  text\n",
            "\"a\\tb\"",
            "'it''s'",
            "é",
            "1 # comment",
            "[1, 2]",
            "{a: 1}",
            "{}",
            "[]",
            "-",
            "- 1",
            "?",
        ];
        let mut handled = 0;
        for v in values {
            handled += usize::from(same(&format!("k: {v}\n")));
            same(&format!("{v}: x\n"));
        }
        assert!(handled > 60, "{handled}");
    }

    /// The fuzz target's comparison on its committed seeds (first byte: the limits), and on
    /// the files of the folder `PIM_YAML_CORPUS` names, if set (a fuzz corpus).
    #[test]
    fn fuzz_seeds_agree() {
        let seeds =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/yaml_loaders");
        let mut dirs = vec![seeds];
        dirs.extend(std::env::var_os("PIM_YAML_CORPUS").map(std::path::PathBuf::from));
        let (mut events, mut serde) = (0, 0);
        for dir in dirs {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let bytes = std::fs::read(entry.unwrap().path()).unwrap();
                let Some((&selector, rest)) = bytes.split_first() else {
                    continue;
                };
                let Ok(text) = String::from_utf8(rest.to_vec()) else {
                    continue;
                };
                let mut limits = Limits::default();
                if selector & 1 == 1 {
                    limits.max_depth = usize::from(selector >> 5) + 2;
                    limits.max_nodes = usize::from(selector >> 1 & 0x0f) * 4 + 1;
                    limits.max_aliases = usize::from(selector >> 3 & 0x03) + 1;
                    limits.max_expanded_size =
                        Some(crate::config::ByteSize(u64::from(selector) * 2));
                }
                let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_owned();
                let (fast, same) = on_big_stack(move || {
                    let fast = super::super::yaml_events::build(&text, &limits).is_some();
                    let new = format!("{:?}", parse(&text, "t.yaml", &limits));
                    let old = format!("{:?}", parse_with_serde(&text, "t.yaml", &limits));
                    (fast, new == old)
                });
                assert!(same);
                if fast {
                    events += 1;
                } else {
                    serde += 1;
                }
            }
        }
        eprintln!("{events} files read by the event loader, {serde} handed to serde-saphyr");
        assert!(events >= 5, "{events}");
    }

    fn on_big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        std::thread::Builder::new()
            .stack_size(crate::STACK_SIZE)
            .spawn(f)
            .unwrap()
            .join()
            .unwrap()
    }

    #[test]
    fn structure_spans_and_keys_match() {
        for text in [
            "a:\n  b/c: [x, {d: 1}]\n",
            "sku: A\nvariants:\n  - sku: B\n    price: {EUR: \"1.00\"}\n  - sku: C\n",
            "a: 1\nb:\n  - [1, [2, [3]]]\n  - {x: {y: {z: w}}}\n",
            "? a\n: 1\n? b\n",
            "a: 1\n1: 2\n0x1: 3\n",
            "1: a\n+1: b\n",
            "null: 1\n'null': 2\n",
            "a: 1\n...\n",
            "--- \na: 1\n",
            "%YAML 1.2\n---\na: 1\n",
            "a: 1\n---\nb: 1\n",
            "a: 1\n---\n",
            "a: 1\n# trailing\n",
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "<<: {a: 1}\n",
            "'<<': 1\n",
            "a: 1\na: 2\n",
            "[a]: 1\n",
            "{a: 1}: 2\n",
            "a:\n\tb: 1\n",
            "a: [\n",
            "- a\n",
            "",
            "# only\n",
            "a: 'x\n",
            "a: 1\n b: 2\n",
            "k1: 1\nk2: 2\nk3: 3\nk4: 4\nk5: 5\nk6: 6\nk7: 7\nk8: 8\nk9: 9\nk10: 10\nk11: 11\nk12: 12\nk13: 13\nk14: 14\nk15: 15\nk16: 16\nk17: 17\nk18: 18\nk1: 19\n",
        ] {
            same(text);
        }
    }
}
