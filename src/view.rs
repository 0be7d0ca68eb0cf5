//! JSON values seen through minijinja without a copy: a product's values as written (`raw`
//! in templates, its JSON text parsed on first access: most templates never look), and an
//! item's resolved values in a channel filter; containers are looked up on access.

use minijinja::Value;
use minijinja::value::{Enumerator, Object, ObjectRepr};
use serde_json::Value as Json;
use std::sync::{Arc, OnceLock};

/// A product's JSON text, parsed when first needed.
#[derive(Debug)]
struct Doc {
    text: Arc<str>,
    parsed: OnceLock<Json>,
}

impl Doc {
    fn json(&self) -> &Json {
        self.parsed
            .get_or_init(|| serde_json::from_str(&self.text).unwrap_or(Json::Null))
    }
}

/// A node of a shared JSON document, by its path.
#[derive(Debug)]
struct Node {
    root: Arc<Doc>,
    path: Vec<Step>,
}

#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

impl Node {
    fn json(&self) -> Option<&Json> {
        self.path
            .iter()
            .try_fold(self.root.json(), |node, step| match step {
                Step::Key(k) => node.get(k),
                Step::Index(i) => node.get(i),
            })
    }

    fn child(&self, step: Step) -> Value {
        let mut path = self.path.clone();
        path.push(step);
        view(&self.root, path)
    }
}

impl Object for Node {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        match self.json() {
            Some(Json::Array(_)) => ObjectRepr::Seq,
            _ => ObjectRepr::Map,
        }
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match self.json()? {
            Json::Object(map) => {
                let key = key.as_str()?;
                map.contains_key(key)
                    .then(|| self.child(Step::Key(key.to_owned())))
            }
            Json::Array(items) => {
                let i = usize::try_from(key.as_i64()?).ok()?;
                (i < items.len()).then(|| self.child(Step::Index(i)))
            }
            _ => None,
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        match self.json() {
            Some(Json::Object(map)) => {
                let keys: Vec<Value> = map.keys().map(|k| Value::from(k.as_str())).collect();
                Enumerator::Iter(Box::new(keys.into_iter()))
            }
            Some(Json::Array(items)) => Enumerator::Seq(items.len()),
            _ => Enumerator::Empty,
        }
    }
}

/// The value at `path` in `root`: scalars as plain values, containers as lazy views.
fn view(root: &Arc<Doc>, path: Vec<Step>) -> Value {
    let node = Node {
        root: Arc::clone(root),
        path,
    };
    match node.json() {
        Some(Json::Object(_) | Json::Array(_)) => Value::from_object(node),
        Some(scalar) => Value::from(minijinja::value::Serde(scalar)),
        None => Value::UNDEFINED,
    }
}

/// A JSON value already parsed, as a lazy view (a filter reads a field or two of an item).
pub fn of_json(value: Json) -> Value {
    let doc = Doc {
        text: Arc::from(""),
        parsed: OnceLock::from(value),
    };
    Value::from_object(Node {
        root: Arc::new(doc),
        path: Vec::new(),
    })
}

/// A product's JSON text as a lazy view of its whole document.
pub fn raw(text: &Arc<str>) -> Value {
    let doc = Doc {
        text: Arc::clone(text),
        parsed: OnceLock::new(),
    };
    Value::from_object(Node {
        root: Arc::new(doc),
        path: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn views_read_through() {
        let doc: Arc<str> = Arc::from(
            json!({"sku": "A", "name": {"en-US": "Tent"}, "images": ["a", "b"]}).to_string(),
        );
        let env = minijinja::Environment::new();
        let out = env
            .render_str(
                "{{ raw.sku }} {{ raw.name['en-US'] }} {{ raw.images|length }} {{ raw.images[1] }} {% for k in raw|sort %}{{ k }},{% endfor %} {{ raw.missing is defined }}",
                minijinja::context! { raw => raw(&doc) },
            )
            .unwrap();
        assert_eq!(out, "A Tent 2 b images,name,sku, False");
    }
}
