//! New projects and new products: the files `pim init` and `pim new` write.

mod product;

pub use product::{NewOptions, NewOutcome, new_product};

use crate::editor;
use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What `pim init` is asked to do.
#[derive(Clone, Debug)]
pub struct InitOptions {
    /// The project folder; created when missing.
    pub dir: PathBuf,
    /// The project's name; default: the folder's name.
    pub name: Option<String>,
}

/// What `pim init` wrote.
#[derive(Clone, Debug)]
pub struct InitOutcome {
    pub dir: PathBuf,
    pub name: String,
    /// Paths relative to the project folder, in the order written.
    pub files: Vec<String>,
}

/// The project files, their paths relative to the project folder. `pim.toml` holds
/// `{{name}}` where the project's name goes.
const PROJECT: &[(&str, &[u8])] = &[
    ("pim.toml", include_bytes!("project/pim.toml")),
    ("categories.yaml", include_bytes!("project/categories.yaml")),
    (
        "schemas/product.schema.json",
        include_bytes!("project/schemas/product.schema.json"),
    ),
    (
        "schemas/families/apparel.schema.json",
        include_bytes!("project/schemas/families/apparel.schema.json"),
    ),
    (
        "templates/marketplace.csv.j2",
        include_bytes!("project/templates/marketplace.csv.j2"),
    ),
    (
        "templates/storefront.json.j2",
        include_bytes!("project/templates/storefront.json.j2"),
    ),
    (
        "catalog/apparel/TSHIRT-001.yaml",
        include_bytes!("project/catalog/apparel/TSHIRT-001.yaml"),
    ),
    (
        "catalog/apparel/CAP-001.yaml",
        include_bytes!("project/catalog/apparel/CAP-001.yaml"),
    ),
    (
        "assets/images/tshirt-001/1.jpg",
        include_bytes!("project/assets/images/tshirt-001/1.jpg"),
    ),
    (
        "assets/images/cap-001/1.jpg",
        include_bytes!("project/assets/images/cap-001/1.jpg"),
    ),
    (".gitignore", b"dist/\n.pim/\n"),
    (
        ".github/workflows/catalog.yml",
        include_bytes!("../../examples/github-workflow.yml"),
    ),
    (
        ".pre-commit-config.yaml",
        include_bytes!("project/pre-commit-config.yaml"),
    ),
    (
        ".vscode/extensions.json",
        b"{\n  \"recommendations\": [\"redhat.vscode-yaml\"]\n}\n",
    ),
];

/// The files of a new project named `name`, in the order they are written.
pub fn project_files(name: &str) -> Result<Vec<(String, Vec<u8>)>> {
    let quoted = toml::Value::String(name.to_owned()).to_string();
    let mut files: Vec<(String, Vec<u8>)> = PROJECT
        .iter()
        .map(|(rel, bytes)| {
            let bytes = if *rel == "pim.toml" {
                String::from_utf8_lossy(bytes)
                    .replacen("\"{{name}}\"", &quoted, 1)
                    .into_bytes()
            } else {
                bytes.to_vec()
            };
            ((*rel).to_owned(), bytes)
        })
        .collect();
    // The editor files are made from the schemas above, as `pim new` would make them.
    let mut documents = BTreeMap::new();
    for (rel, bytes) in &files {
        if let Some(schema) = rel.strip_prefix("schemas/") {
            let doc: Value = serde_json::from_slice(bytes)
                .with_context(|| format!("the built-in {rel} is not JSON"))?;
            documents.insert(schema.to_owned(), doc);
        }
    }
    let sources = editor::Sources {
        project_name: name,
        documents: &documents,
        catalog: "catalog",
    };
    if let Some(settings) = editor::settings(&sources, None)? {
        files.push((editor::SETTINGS.to_owned(), settings.into_bytes()));
    }
    files.extend(editor::schema_files(&sources));
    Ok(files)
}

/// Writes a new project. Nothing is written when any of its files exists already.
pub fn init(options: &InitOptions) -> Result<InitOutcome> {
    let dir = &options.dir;
    if dir.exists() && !dir.is_dir() {
        bail!(
            "{} is a file, not a folder; name a folder for the new project",
            dir.display()
        );
    }
    let name = match &options.name {
        Some(name) => name.trim().to_owned(),
        None => default_name(dir),
    };
    if name.is_empty() {
        bail!("the project name is empty; pass --name NAME");
    }
    let files = project_files(&name)?;
    if let Some((rel, _)) = files.iter().find(|(rel, _)| dir.join(rel).exists()) {
        bail!(
            "{} already exists; pim init never overwrites a file, so nothing was written \
             (run it in a new or empty folder)",
            dir.join(rel).display()
        );
    }
    let mut written = Vec::new();
    for (rel, bytes) in &files {
        create_new(&dir.join(rel), bytes)?;
        written.push(rel.clone());
    }
    Ok(InitOutcome {
        dir: dir.clone(),
        name,
        files: written,
    })
}

/// The folder's name, or a generic one.
fn default_name(dir: &Path) -> String {
    let real = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    real.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "My catalog".to_owned())
}

/// Writes a file that must not exist yet (never replacing one, even in a race).
fn create_new(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create the folder {}", parent.display()))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| match path.exists() {
            true => format!(
                "{} already exists; pim init never overwrites a file",
                path.display()
            ),
            false => format!("cannot create {}", path.display()),
        })?;
    file.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_is_written_as_a_toml_string() {
        let files = project_files("Joe's \"Shop\"").unwrap();
        let toml = files.iter().find(|(rel, _)| rel == "pim.toml").unwrap();
        let text = String::from_utf8_lossy(&toml.1);
        let parsed: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(parsed["project"]["name"].as_str(), Some("Joe's \"Shop\""));
    }

    #[test]
    fn every_file_is_listed_once() {
        let files = project_files("x").unwrap();
        let mut names: Vec<&str> = files.iter().map(|(rel, _)| rel.as_str()).collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count);
        assert!(names.contains(&".pim/editor/apparel.schema.json"));
        assert!(names.contains(&".vscode/settings.json"));
    }
}
