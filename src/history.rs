//! `pim report --history N`: completeness per channel at each of the last N commits that
//! touched the catalog; all their blobs read through one `git cat-file --batch`, each distinct
//! product file checked once per project configuration, however many commits hold it.

use crate::catalog::{Checked, ProductPath, Project};
use crate::channel::{self, Evaluator};
use crate::config::{ChannelSpec, FILE_NAME};
use crate::git::{Commit, Layout, Part, Repo, Tree};
use crate::quality::{self, ReportOptions};
use crate::validate::{self, CheckOptions};
use anyhow::{Context, Result, anyhow, bail};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

/// Completeness per commit; its JSON keys are stable (README, "pim report").
#[derive(Clone, Debug, Serialize)]
pub struct History {
    /// One entry per commit, oldest first.
    pub history: Vec<CommitQuality>,
    /// Said when fewer commits than asked for touched the catalog.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history_note: Option<String>,
}

/// The catalog's completeness at one commit.
#[derive(Clone, Debug, Serialize)]
pub struct CommitQuality {
    /// The full commit id.
    pub commit: String,
    /// The abbreviated id, as git prints it.
    pub short: String,
    /// The committer date, ISO 8601.
    pub date: String,
    /// The first line of the message.
    pub subject: String,
    /// Per channel and locale of that commit's pim.toml (those of `--channel`, if given).
    pub channels: Vec<ChannelPoint>,
    /// Why the commit has no numbers: its project cannot be read, as `pim report` on a
    /// checkout of it would say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One channel (or locale of a channel) at one commit: the numbers of `pim report`.
#[derive(Clone, Debug, Serialize)]
pub struct ChannelPoint {
    pub channel: String,
    pub locale: String,
    pub label: String,
    pub items: usize,
    pub complete: usize,
    /// `complete / items` in percent, one decimal.
    pub completeness: f64,
    /// Items with errors, and items `pim export` would put in the feed.
    pub invalid: usize,
    pub ready: usize,
}

/// One commit's project, as git stores it.
struct Revision {
    /// Its catalog folder, when the commit has none (`pim report` refuses that).
    missing_catalog: Option<String>,
    /// Product files under its catalog folder: (path, blob id), in walk order.
    products: Vec<(String, String)>,
    /// Paths skipped under the catalog folder, with why.
    skipped: Vec<(String, &'static str)>,
}

/// The commits sharing one configuration: every file but the product files, identical.
struct Configuration {
    /// (path, blob id) of pim.toml, schemas, categories, templates and assets.
    files: Vec<(String, String)>,
    /// Indexes into the commits.
    commits: Vec<usize>,
}

/// The last `n` commits that touched the catalog of the project at `root` (its catalog
/// folder, pim.toml, schemas and categories as `project` names them), oldest first.
pub fn history(
    root: &Path,
    project: &Project,
    n: usize,
    options: &ReportOptions,
) -> Result<History> {
    let repo = Repo::open(root).map_err(|e| {
        anyhow!(
            "--history reads the catalog's git history, but {e:#}; commit the project to a git repository, or leave out --history"
        )
    })?;
    let p = &project.config.project;
    let rel = |path: &Path| crate::catalog::relative(Path::new(""), path);
    let paths = vec![
        rel(&p.catalog),
        FILE_NAME.to_owned(),
        rel(&p.schemas),
        rel(&p.categories),
    ];
    let mut commits = repo.commits_touching(n, &paths)?;
    commits.reverse();
    let history_note = (commits.len() < n).then(|| {
        format!(
            "only {} touched the catalog ({}); --history asked for {n}",
            match commits.len() {
                0 => "no commit".to_owned(),
                1 => "1 commit".to_owned(),
                k => format!("{k} commits"),
            },
            paths.join(", ")
        )
    });
    let history = commits_quality(&repo, &commits, options)?;
    Ok(History {
        history,
        history_note,
    })
}

fn commits_quality(
    repo: &Repo,
    commits: &[Commit],
    options: &ReportOptions,
) -> Result<Vec<CommitQuality>> {
    let trees: Vec<Tree> = commits
        .iter()
        .map(|c| repo.tree(&c.id))
        .collect::<Result<_>>()?;
    // Each commit's pim.toml says where its catalog, schemas, templates, assets and
    // categories are: read first (a few small blobs), then only what a report needs.
    let settings: Vec<&str> = trees
        .iter()
        .filter_map(|t| t.files.get(FILE_NAME).map(String::as_str))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut blobs: HashMap<String, Vec<u8>> = settings
        .iter()
        .map(|oid| (*oid).to_owned())
        .zip(repo.read_blobs(&settings)?)
        .collect();
    let mut revisions = Vec::with_capacity(trees.len());
    let mut configurations: BTreeMap<Vec<(String, String)>, Configuration> = BTreeMap::new();
    for (index, tree) in trees.iter().enumerate() {
        let layout = Layout::of(
            tree.files
                .get(FILE_NAME)
                .and_then(|oid| blobs.get(oid))
                .map(Vec::as_slice),
        );
        let catalog = layout.catalog.clone();
        let inside = format!("{catalog}/");
        let has_catalog = tree
            .files
            .keys()
            .chain(tree.links.keys())
            .chain(tree.submodules.iter())
            .any(|p| p.starts_with(&inside));
        let walk = tree.walk(&catalog);
        let products: Vec<(String, String)> = walk
            .files
            .into_iter()
            .filter(|(rel, _)| crate::catalog::is_product_name(Path::new(rel)))
            .collect();
        let is_product: HashSet<&str> = products.iter().map(|(rel, _)| rel.as_str()).collect();
        // The configuration: pim.toml, schemas, categories and templates with their content,
        // the assets by path only (rules ask whether an asset exists, never what it holds);
        // the rest of the repository (docs, code, media elsewhere) plays no part.
        let files: Vec<(String, String)> = tree
            .walk("")
            .files
            .into_iter()
            .filter(|(rel, _)| !is_product.contains(rel.as_str()))
            .filter_map(|(rel, oid)| match layout.part(&rel) {
                Part::Content => Some((rel, oid)),
                Part::PathOnly => Some((rel, String::new())),
                Part::Other => None,
            })
            .collect();
        configurations
            .entry(files.clone())
            .or_insert_with(|| Configuration {
                files,
                commits: Vec::new(),
            })
            .commits
            .push(index);
        revisions.push(Revision {
            missing_catalog: (!has_catalog).then_some(catalog),
            products,
            skipped: walk.skipped,
        });
    }
    // Every other blob the commits' projects are built from, each once, through one more
    // `git cat-file --batch`: product files and configuration files, not the assets.
    let wanted: Vec<&str> = revisions
        .iter()
        .flat_map(|r: &Revision| r.products.iter().map(|(_, oid)| oid.as_str()))
        .chain(
            configurations
                .values()
                .flat_map(|c| c.files.iter().map(|(_, oid)| oid.as_str())),
        )
        .filter(|oid| !oid.is_empty() && !blobs.contains_key(*oid))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let contents = repo.read_blobs(&wanted)?;
    blobs.extend(wanted.iter().map(|oid| (*oid).to_owned()).zip(contents));
    let mut out: Vec<Option<CommitQuality>> = vec![None; commits.len()];
    for configuration in configurations.values() {
        let results = configuration_quality(configuration, &revisions, &blobs, options);
        for (index, result) in configuration.commits.iter().zip(results) {
            let Some(commit) = commits.get(*index) else {
                continue;
            };
            let (channels, error) = match result {
                Ok(channels) => (channels, None),
                Err(e) => (Vec::new(), Some(format!("{e:#}"))),
            };
            if let Some(slot) = out.get_mut(*index) {
                *slot = Some(CommitQuality {
                    commit: commit.id.clone(),
                    short: commit.short.clone(),
                    date: commit.date.clone(),
                    subject: commit.subject.clone(),
                    channels,
                    error,
                });
            }
        }
    }
    Ok(out.into_iter().flatten().collect())
}

/// The numbers of each commit of one configuration, in its order: the configuration's files
/// written to a temporary folder and loaded once; each distinct product file (path and
/// content) checked and evaluated once; per commit, only the cross-file rules and the sums.
fn configuration_quality(
    configuration: &Configuration,
    revisions: &[Revision],
    blobs: &HashMap<String, Vec<u8>>,
    options: &ReportOptions,
) -> Vec<Result<Vec<ChannelPoint>>> {
    let failed = |e: anyhow::Error| {
        let text = format!("{e:#}");
        configuration
            .commits
            .iter()
            .map(|_| Err(anyhow!("{text}")))
            .collect()
    };
    let temp = match materialize(configuration, blobs) {
        Ok(temp) => temp,
        Err(e) => return failed(e),
    };
    let root = temp.path();
    let project = match Project::open(root) {
        Ok(project) => project,
        Err(e) => return failed(e),
    };
    let channels = match select(&project, options) {
        Ok(channels) => channels,
        Err(e) => return failed(e),
    };
    let env = channel::filter_environment();
    let evaluator = match Evaluator::new(&env, &project, &channels) {
        Ok(evaluator) => evaluator.counting_filled(),
        Err(e) => return failed(e),
    };
    let check = CheckOptions {
        keep_value: false,
        evaluator: Some(&evaluator),
    };
    let distinct: Vec<(&str, &str)> = configuration
        .commits
        .iter()
        .filter_map(|i| revisions.get(*i))
        .flat_map(|r| {
            r.products
                .iter()
                .map(|(rel, oid)| (rel.as_str(), oid.as_str()))
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let memo: HashMap<(&str, &str), Checked> = distinct
        .par_iter()
        .map(|&(rel, oid)| {
            let file = ProductPath {
                path: root.join(rel),
                rel: rel.to_owned(),
            };
            let bytes = blobs.get(oid).cloned().unwrap_or_default();
            (
                (rel, oid),
                validate::check_bytes(&project, 0, &file, bytes, check),
            )
        })
        .collect();
    configuration
        .commits
        .par_iter()
        .map(|i| {
            let revision = revisions
                .get(*i)
                .ok_or_else(|| anyhow!("no revision {i}"))?;
            if let Some(catalog) = &revision.missing_catalog {
                bail!("the catalog folder {catalog} does not exist at this commit");
            }
            let checked: Vec<Checked> = revision
                .products
                .iter()
                .enumerate()
                .filter_map(|(index, (rel, oid))| {
                    let mut c = memo.get(&(rel.as_str(), oid.as_str()))?.clone();
                    for item in c.channel_items.iter_mut().flatten() {
                        item.file_index = index;
                    }
                    Some(c)
                })
                .collect();
            let skipped = revision
                .skipped
                .iter()
                .map(|(rel, why)| crate::catalog::skip(rel, why))
                .collect();
            let validation = validate::validate_checked(&project, checked, skipped)?;
            let report = quality::aggregate(&project, &channels, &evaluator, validation, options);
            Ok(report
                .channels
                .into_iter()
                .map(|c| ChannelPoint {
                    channel: c.channel,
                    locale: c.locale,
                    label: c.label,
                    items: c.items,
                    complete: c.complete,
                    completeness: c.completeness,
                    invalid: c.invalid,
                    ready: c.ready,
                })
                .collect())
        })
        .collect()
}

/// The configuration's files (all but the product files) in a temporary folder.
fn materialize(
    configuration: &Configuration,
    blobs: &HashMap<String, Vec<u8>>,
) -> Result<tempfile::TempDir> {
    let temp = tempfile::Builder::new()
        .prefix("pim-history-")
        .tempdir()
        .context("cannot create a temporary folder")?;
    for (rel, oid) in &configuration.files {
        let path = temp.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let bytes = blobs.get(oid).map_or(&[][..], Vec::as_slice);
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(temp)
}

/// The channels of `--channel` this revision defines (by name or label), or all of them.
fn select<'p>(project: &'p Project, options: &ReportOptions) -> Result<Vec<&'p ChannelSpec>> {
    if options.channels.is_empty() {
        return project.config.select_channels(&[], true);
    }
    let known: Vec<String> = options
        .channels
        .iter()
        .filter(|name| {
            project.config.channels.contains_key(*name)
                || project.config.specs().any(|s| &s.label == *name)
        })
        .cloned()
        .collect();
    project.config.select_channels(&known, false)
}

impl History {
    /// The channel labels, those of the newest commit first, then any only older commits
    /// have.
    pub fn labels(&self) -> Vec<&str> {
        let mut labels: Vec<&str> = Vec::new();
        for commit in self.history.iter().rev() {
            for c in &commit.channels {
                if !labels.contains(&c.label.as_str()) {
                    labels.push(&c.label);
                }
            }
        }
        labels
    }

    /// A label's numbers at each commit, oldest first; `None` where the commit lacks it.
    pub fn series(&self, label: &str) -> Vec<Option<&ChannelPoint>> {
        self.history
            .iter()
            .map(|commit| commit.channels.iter().find(|c| c.label == label))
            .collect()
    }
}
