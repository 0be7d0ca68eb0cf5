//! `categories.yaml`: the category tree, with codes unique across the tree.

use crate::config::Limits;
use crate::source::{self, yaml};
use anyhow::{Result, anyhow, bail};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Category {
    /// Localized names, by locale.
    pub name: BTreeMap<String, String>,
    /// Codes from the root down to this category, itself included.
    pub path: Vec<String>,
}

pub type Categories = BTreeMap<String, Category>;

/// Reads the tree; an absent file is an empty tree. Problems are configuration errors.
pub fn load(root: &Path, rel: &Path, limits: &Limits) -> Result<Categories> {
    let path = root.join(rel);
    if !path.exists() {
        return Ok(Categories::new());
    }
    let shown = rel.display().to_string();
    let text =
        source::read(&path, &shown, limits).map_err(|d| anyhow!("{shown}: {}", d.message))?;
    let (node, _) = yaml::parse(&text.text, &shown, limits).map_err(|d| {
        let (line, column) = match d.position {
            crate::diag::Position::LineColumn { line, column } => (line, column),
            crate::diag::Position::Offset(o) => source::line_column(&text.text, o),
        };
        anyhow!("{shown}:{line}:{column}: {}", d.message)
    })?;
    let mut out = Categories::new();
    collect(
        &node,
        &source::Lines::new(&text.text),
        &shown,
        &[],
        &mut out,
    )?;
    Ok(out)
}

fn collect(
    node: &yaml::Node,
    lines: &source::Lines<'_>,
    shown: &str,
    parents: &[String],
    out: &mut Categories,
) -> Result<()> {
    let yaml::Value::Map(entries) = &node.value else {
        let (line, _) = lines.line_column(node.span.start);
        bail!("{shown}:{line}: expected a mapping of category codes");
    };
    for (key, value) in entries {
        let code = key.key_text();
        let (line, _) = lines.line_column(key.span.start);
        if out.contains_key(&code) {
            bail!(
                "{shown}:{line}: the category code `{code}` is defined twice; codes must be unique across the tree"
            );
        }
        let mut path = parents.to_vec();
        path.push(code.clone());
        let mut category = Category {
            name: BTreeMap::new(),
            path: path.clone(),
        };
        match &value.value {
            yaml::Value::Null => {}
            yaml::Value::Map(entries) => {
                for (k, v) in entries {
                    match k.key_text().as_str() {
                        "name" => match &v.value {
                            yaml::Value::Map(names) => {
                                for (locale, name) in names {
                                    category.name.insert(
                                        locale.key_text(),
                                        name.as_str().unwrap_or_default().to_owned(),
                                    );
                                }
                            }
                            yaml::Value::Str(s) => {
                                category.name.insert(String::new(), s.clone());
                            }
                            _ => bail!(
                                "{shown}:{line}: `{code}.name` must be a text or a mapping of locale to text"
                            ),
                        },
                        "children" => {}
                        other => bail!(
                            "{shown}:{line}: `{code}` has the key `{other}`; a category has only `name` and `children`"
                        ),
                    }
                }
            }
            _ => bail!("{shown}:{line}: `{code}` must be a mapping with `name` and `children`"),
        }
        out.insert(code.clone(), category);
        if let Some(children) = value.get("children")
            && !matches!(children.value, yaml::Value::Null)
        {
            collect(children, lines, shown, &path, out)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<Categories> {
        let dir =
            std::env::temp_dir().join(format!("pim-cat-{}-{}", std::process::id(), text.len()));
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("categories.yaml"), text)?;
        let result = load(&dir, Path::new("categories.yaml"), &Limits::default());
        std::fs::remove_dir_all(&dir)?;
        result
    }

    #[test]
    fn tree_with_paths() {
        let c = load_text("outdoor:\n  name: {en-US: Outdoor}\n  children:\n    tents:\n      name: {en-US: Tents, de-DE: Zelte}\n").unwrap();
        assert_eq!(c["tents"].path, vec!["outdoor", "tents"]);
        assert_eq!(c["tents"].name["de-DE"], "Zelte");
    }

    #[test]
    fn duplicate_codes_are_refused() {
        let err = load_text("a:\n  children:\n    b: {}\nb: {}\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("`b` is defined twice"), "{err}");
        assert!(err.contains("categories.yaml:4"), "{err}");
    }
}
