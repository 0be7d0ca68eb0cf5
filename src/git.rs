//! The few git operations `pim diff` needs, through the `git` command, in bulk: one
//! `ls-tree` and one `cat-file --batch` per revision, never a process per file.

use anyhow::{Context, Result, anyhow, bail};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A git repository and where the project sits in it.
#[derive(Clone)]
pub struct Repo {
    pub top: PathBuf,
    /// The project's folder relative to the repository's top, `/`-separated, maybe empty.
    pub prefix: String,
}

fn git(dir: &Path, args: &[&str]) -> Result<std::process::Output> {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                anyhow!("`git` is not on PATH; pim diff needs git installed")
            }
            _ => anyhow!("cannot run git: {e}"),
        })
}

fn git_text(dir: &Path, args: &[&str]) -> Result<Option<String>> {
    let output = git(dir, args)?;
    Ok(output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned()))
}

impl Repo {
    /// The repository holding the project at `root`.
    pub fn open(root: &Path) -> Result<Repo> {
        let top = git_text(root, &["rev-parse", "--show-toplevel"])?.ok_or_else(|| {
            anyhow!(
                "{} is not in a git repository; pim diff compares git revisions",
                root.display()
            )
        })?;
        let top = PathBuf::from(top);
        let real_root = root
            .canonicalize()
            .with_context(|| format!("cannot read {}", root.display()))?;
        let real_top = top
            .canonicalize()
            .with_context(|| format!("cannot read {}", top.display()))?;
        let prefix = crate::catalog::relative(&real_top, &real_root);
        Ok(Repo {
            top: real_top,
            prefix,
        })
    }

    /// The commit a revision names, or an error naming the revision.
    pub fn resolve(&self, rev: &str) -> Result<String> {
        if rev.starts_with('-') {
            bail!("`{rev}` is not a revision");
        }
        git_text(
            &self.top,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{rev}^{{commit}}"),
            ],
        )?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| anyhow!("unknown revision `{rev}`: git knows no commit by that name"))
    }

    /// The default BASE of SPEC §5, with a note saying what was chosen: the merge base of
    /// HEAD with its upstream branch; else with the remote's default branch (`origin`
    /// first); else with a local `main` or `master`; else HEAD itself.
    pub fn default_base(&self) -> Result<(String, String)> {
        let head = self
            .resolve("HEAD")
            .map_err(|_| anyhow!("the repository has no commits yet; commit the catalog first"))?;
        let text = |args: &[&str]| -> Result<Option<String>> {
            Ok(git_text(&self.top, args)?.filter(|s| !s.is_empty()))
        };
        let merge_base = |other: &str| text(&["merge-base", "HEAD", other]);
        if let Some(upstream) = text(&[
            "rev-parse",
            "--abbrev-ref",
            "--symbolic-full-name",
            "@{upstream}",
        ])? && let Some(base) = merge_base("@{upstream}")?
        {
            return Ok((base, format!("the merge base of HEAD with {upstream}")));
        }
        let remotes = text(&["remote"])?.unwrap_or_default();
        let mut remotes: Vec<&str> = remotes.lines().map(str::trim).collect();
        remotes.sort_by_key(|r| (*r != "origin", r.to_string()));
        for remote in remotes {
            let Some(target) = text(&[
                "symbolic-ref",
                "--quiet",
                &format!("refs/remotes/{remote}/HEAD"),
            ])?
            else {
                continue;
            };
            let branch = target.strip_prefix("refs/remotes/").unwrap_or(&target);
            if let Some(base) = merge_base(&target)? {
                return Ok((
                    base,
                    format!(
                        "the merge base of HEAD with {branch}, the default branch of `{remote}` (the branch has no upstream)"
                    ),
                ));
            }
        }
        for branch in ["main", "master"] {
            if text(&[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("refs/heads/{branch}"),
            ])?
            .is_some()
                && let Some(base) = merge_base(&format!("refs/heads/{branch}"))?
            {
                return Ok((
                    base,
                    format!(
                        "the merge base of HEAD with {branch} (the branch has no upstream and no remote has a default branch)"
                    ),
                ));
            }
        }
        Ok((
            head,
            "HEAD (no upstream, no remote default branch, no local main or master; pass BASE to choose)"
                .to_owned(),
        ))
    }

    /// The project's tree at `rev`: regular files, symlinks (with their targets) and
    /// submodules, by path relative to the project.
    pub fn tree(&self, rev: &str) -> Result<Tree> {
        let spec = if self.prefix.is_empty() {
            ".".to_owned()
        } else {
            self.prefix.clone()
        };
        let listing = git(
            &self.top,
            &["ls-tree", "-r", "-z", "--full-tree", rev, "--", &spec],
        )?;
        if !listing.status.success() {
            bail!(
                "git ls-tree {rev} failed: {}",
                String::from_utf8_lossy(&listing.stderr).trim()
            );
        }
        let mut tree = Tree::default();
        let mut links = Vec::new();
        for entry in listing.stdout.split(|&b| b == 0).filter(|e| !e.is_empty()) {
            let entry = String::from_utf8_lossy(entry);
            let Some((meta, path)) = entry.split_once('\t') else {
                continue;
            };
            let mut parts = meta.split(' ');
            let (Some(mode), Some(kind), Some(oid)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let rel = if self.prefix.is_empty() {
                path.to_owned()
            } else {
                match path.strip_prefix(&format!("{}/", self.prefix)) {
                    Some(rel) => rel.to_owned(),
                    None => continue,
                }
            };
            if rel
                .split('/')
                .any(|c| c == ".." || c == "." || c.is_empty())
            {
                continue;
            }
            match (kind, mode) {
                ("blob", "120000") => links.push((rel, oid.to_owned())),
                ("blob", _) => {
                    tree.files.insert(rel, oid.to_owned());
                }
                ("commit", _) => {
                    tree.submodules.insert(rel);
                }
                _ => {}
            }
        }
        let oids: Vec<&str> = links.iter().map(|(_, oid)| oid.as_str()).collect();
        for ((rel, _), target) in links.iter().zip(self.read_blobs(&oids)?) {
            tree.links
                .insert(rel.clone(), String::from_utf8_lossy(&target).into_owned());
        }
        Ok(tree)
    }

    /// The contents of blobs, in order, through one `git cat-file --batch`.
    pub fn read_blobs(&self, oids: &[&str]) -> Result<Vec<Vec<u8>>> {
        if oids.is_empty() {
            return Ok(Vec::new());
        }
        let mut child = Command::new("git")
            .args(["cat-file", "--batch"])
            .current_dir(&self.top)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot run git cat-file")?;
        let mut stdin = child
            .stdin
            .take()
            .ok_or_else(|| anyhow!("git cat-file has no input"))?;
        let names: Vec<String> = oids.iter().map(|oid| (*oid).to_owned()).collect();
        let writer = std::thread::spawn(move || -> std::io::Result<()> {
            let mut input = std::io::BufWriter::new(&mut stdin);
            for oid in names {
                writeln!(input, "{oid}")?;
            }
            input.flush()
        });
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow!("git cat-file has no output"))?;
        let mut reader = BufReader::with_capacity(1 << 20, stdout);
        let mut header = String::new();
        let mut out = Vec::with_capacity(oids.len());
        for oid in oids {
            header.clear();
            reader
                .read_line(&mut header)
                .context("git cat-file stopped early")?;
            let size: usize = header
                .trim_end()
                .rsplit(' ')
                .next()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| {
                    anyhow!(
                        "git cat-file: unexpected answer for {oid}: {}",
                        header.trim_end()
                    )
                })?;
            let mut content = vec![0; size];
            reader
                .read_exact(&mut content)
                .context("git cat-file stopped early")?;
            let mut newline = [0u8; 1];
            reader
                .read_exact(&mut newline)
                .context("git cat-file stopped early")?;
            out.push(content);
        }
        writer
            .join()
            .map_err(|_| anyhow!("git cat-file input failed"))?
            .context("cannot send object names to git cat-file")?;
        child.wait().context("git cat-file failed")?;
        Ok(out)
    }
}

/// A commit as `git log` describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commit {
    pub id: String,
    /// The abbreviated id git prints (unique in the repository).
    pub short: String,
    /// The committer date, strict ISO 8601 (`2026-11-30T22:17:01+00:00`).
    pub date: String,
    pub subject: String,
}

impl Repo {
    /// The last `n` commits from HEAD that touched any of `paths` (relative to the project),
    /// newest first, through one `git log`; none in a repository without commits.
    pub fn commits_touching(&self, n: usize, paths: &[String]) -> Result<Vec<Commit>> {
        if git_text(&self.top, &["rev-parse", "--verify", "--quiet", "HEAD"])?.is_none() {
            return Ok(Vec::new());
        }
        let count = n.to_string();
        let mut args = vec![
            "log",
            "-n",
            count.as_str(),
            "-z",
            "--format=%H%x1f%h%x1f%cI%x1f%s",
            "HEAD",
            "--",
        ];
        let specs: Vec<String> = paths
            .iter()
            .map(|p| {
                let p = p.trim_end_matches('/');
                // `:(top,literal)`: relative to the repository's top, no globbing.
                match (self.prefix.is_empty(), p.is_empty()) {
                    (true, _) => format!(":(top,literal){p}"),
                    (false, true) => format!(":(top,literal){}", self.prefix),
                    (false, false) => format!(":(top,literal){}/{p}", self.prefix),
                }
            })
            .collect();
        args.extend(specs.iter().map(String::as_str));
        let output = git(&self.top, &args)?;
        if !output.status.success() {
            bail!(
                "git log failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(output
            .stdout
            .split(|&b| b == 0)
            .filter_map(|record| {
                let record = String::from_utf8_lossy(record);
                let mut fields = record.trim_start_matches('\n').split('\x1f');
                let id = fields.next()?.to_owned();
                if id.is_empty() {
                    return None;
                }
                Some(Commit {
                    id,
                    short: fields.next()?.to_owned(),
                    date: fields.next()?.to_owned(),
                    subject: fields.next().unwrap_or_default().to_owned(),
                })
            })
            .collect())
    }
}

/// Where a revision's pim.toml puts the project's parts (the defaults otherwise),
/// normalised as configuration loading does (`./catalog/` → `catalog`).
pub struct Layout {
    pub catalog: String,
    schemas: String,
    templates: String,
    assets: String,
    categories: String,
}

/// What a file of a revision is to a check of its catalog (`pim diff`, `report --history`).
pub enum Part {
    /// Needed with its content: pim.toml, a schema, the categories, a template.
    Content,
    /// Needed by path only: an asset.
    PathOnly,
    Other,
}

impl Layout {
    /// From the revision's pim.toml, if it has one.
    pub fn of(pim_toml: Option<&[u8]>) -> Layout {
        let config = pim_toml
            .and_then(|bytes| toml::from_str::<toml::Table>(&String::from_utf8_lossy(bytes)).ok());
        let path = |key: &str, default: &str| {
            config
                .as_ref()
                .and_then(|c| c.get("project")?.get(key)?.as_str())
                .and_then(|p| crate::config::inside_project(key, Path::new(p)).ok())
                .map(|p| crate::catalog::relative(Path::new(""), &p))
                .unwrap_or_else(|| default.to_owned())
        };
        Layout {
            catalog: path("catalog", "catalog"),
            schemas: path("schemas", "schemas"),
            templates: path("templates", "templates"),
            assets: path("assets", "assets"),
            categories: path("categories", "categories.yaml"),
        }
    }

    /// What `rel` (a path relative to the project) is to a check.
    pub fn part(&self, rel: &str) -> Part {
        let under = |dir: &str| {
            dir.is_empty()
                || rel
                    .strip_prefix(dir)
                    .is_some_and(|rest| rest.starts_with('/'))
        };
        if rel == crate::config::FILE_NAME
            || rel == self.categories
            || under(&self.schemas)
            || under(&self.templates)
        {
            Part::Content
        } else if under(&self.assets) {
            Part::PathOnly
        } else {
            Part::Other
        }
    }
}

/// A revision's project as git stores it, by path relative to the project.
#[derive(Debug, Default)]
pub struct Tree {
    /// Regular files: path → blob id.
    pub files: BTreeMap<String, String>,
    /// Symlinks: path → target as written.
    pub links: BTreeMap<String, String>,
    /// Submodules (commits of other repositories).
    pub submodules: BTreeSet<String>,
}

/// What a revision's folder holds once its symlinks are followed as the working tree's are
/// (SPEC §3, §5): files by the path they are found at, and paths skipped with the reason.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Walk {
    /// (path, blob id), in the order a walk sorted by file name finds them.
    pub files: Vec<(String, String)>,
    /// (path, why), as `skipped-file` says it.
    pub skipped: Vec<(String, &'static str)>,
}

use crate::catalog::{LINK_LOOP, LINK_OUT, LINK_TO_NOTHING, SUBMODULE};

/// The most symlinks followed in a chain before giving up (as the kernel's ELOOP).
const MAX_HOPS: usize = 40;

impl Tree {
    fn is_dir(&self, path: &str) -> bool {
        let prefix = format!("{path}/");
        path.is_empty()
            || self
                .files
                .range(prefix.clone()..)
                .next()
                .is_some_and(|(p, _)| p.starts_with(&prefix))
            || self
                .links
                .range(prefix.clone()..)
                .next()
                .is_some_and(|(p, _)| p.starts_with(&prefix))
            || self
                .submodules
                .range(prefix.clone()..)
                .next()
                .is_some_and(|p| p.starts_with(&prefix))
    }

    /// The names directly inside folder `dir`, sorted.
    fn children(&self, dir: &str) -> BTreeSet<String> {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let first = |path: &str| -> Option<String> {
            let rest = path.strip_prefix(&prefix)?;
            Some(rest.split('/').next().unwrap_or(rest).to_owned())
        };
        let mut names = BTreeSet::new();
        let under = |p: &&String| p.starts_with(&prefix);
        names.extend(
            self.files
                .keys()
                .filter(under)
                .chain(self.links.keys().filter(under))
                .chain(self.submodules.iter().filter(under))
                .filter_map(|p| first(p)),
        );
        names
    }

    /// Where a symlink at `path` leads, following chains: `Ok(real path)` inside the
    /// project, or why not.
    fn resolve(&self, path: &str) -> Result<String, &'static str> {
        self.resolve_within(path, &mut { MAX_HOPS })
    }

    /// [`Tree::resolve`] with a budget of hops shared by the folders on the way.
    fn resolve_within(&self, path: &str, hops: &mut usize) -> Result<String, &'static str> {
        let mut at = path.to_owned();
        loop {
            let Some(target) = self.links.get(&at) else {
                return Ok(at);
            };
            *hops = hops.checked_sub(1).ok_or(LINK_LOOP)?;
            if target.starts_with('/') {
                return Err(LINK_OUT);
            }
            let mut parts: Vec<String> = at.split('/').map(str::to_owned).collect();
            parts.pop();
            for part in target.split('/') {
                match part {
                    "" | "." => {}
                    ".." => {
                        if parts.pop().is_none() {
                            return Err(LINK_OUT);
                        }
                    }
                    part => parts.push(part.to_owned()),
                }
            }
            // A link through a linked folder: the folders on the way resolve first.
            let linked = (1..parts.len()).find(|&i| {
                self.links
                    .contains_key(&parts.get(..i).unwrap_or_default().join("/"))
            });
            at = match linked {
                Some(i) => {
                    let folder = parts.get(..i).unwrap_or_default().join("/");
                    let real = self.resolve_within(&folder, hops)?;
                    format!("{real}/{}", parts.get(i..).unwrap_or_default().join("/"))
                }
                None => parts.join("/"),
            };
        }
    }

    /// Walks folder `dir` (a real path) as the working tree's catalog walk does: links to
    /// files inside the project are read at the link's path, links to folders are walked
    /// (a folder already on the way is a loop), links out of the project, to nothing or in
    /// a loop and submodules are skipped.
    pub fn walk(&self, dir: &str) -> Walk {
        let mut walk = Walk::default();
        if self.is_dir(dir) {
            self.walk_into(dir, dir, &mut vec![dir.to_owned()], &mut walk);
        }
        walk
    }

    fn walk_into(&self, real: &str, shown: &str, ancestors: &mut Vec<String>, walk: &mut Walk) {
        let join = |a: &str, b: &str| {
            if a.is_empty() {
                b.to_owned()
            } else {
                format!("{a}/{b}")
            }
        };
        for name in self.children(real) {
            let (real, shown) = (join(real, &name), join(shown, &name));
            let target = if self.links.contains_key(&real) {
                match self.resolve(&real) {
                    Ok(target) => target,
                    Err(why) => {
                        walk.skipped.push((shown, why));
                        continue;
                    }
                }
            } else {
                real
            };
            if let Some(oid) = self.files.get(&target) {
                walk.files.push((shown, oid.clone()));
            } else if self.submodules.contains(&target) {
                walk.skipped.push((shown, SUBMODULE));
            } else if self.is_dir(&target) {
                if ancestors.contains(&target) {
                    walk.skipped.push((shown, LINK_LOOP));
                    continue;
                }
                ancestors.push(target.clone());
                self.walk_into(&target, &shown, ancestors, walk);
                ancestors.pop();
            } else {
                walk.skipped.push((shown, LINK_TO_NOTHING));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> Tree {
        let mut tree = Tree::default();
        for (path, oid) in [
            ("pim.toml", "t"),
            ("catalog/a.yaml", "a"),
            ("catalog/sub/b.yaml", "b"),
            ("shared/c.yaml", "c"),
            ("shared/deep/d.yaml", "d"),
        ] {
            tree.files.insert(path.into(), oid.into());
        }
        for (path, target) in [
            ("catalog/c.yaml", "../shared/c.yaml"),
            ("catalog/chain.yaml", "c.yaml"),
            ("catalog/shared", "../shared"),
            ("catalog/through.yaml", "shared/deep/d.yaml"),
            ("catalog/out.yaml", "../../etc/passwd"),
            ("catalog/abs.yaml", "/etc/passwd"),
            ("catalog/gone.yaml", "nothing.yaml"),
            ("catalog/loop", "."),
            ("catalog/self.yaml", "self.yaml"),
            ("catalog/x", "x/y"),
        ] {
            tree.links.insert(path.into(), target.into());
        }
        tree.submodules.insert("catalog/vendor".into());
        tree
    }

    #[test]
    fn links_are_followed_like_the_working_tree() {
        let walk = tree().walk("catalog");
        assert_eq!(
            walk.files,
            [
                ("catalog/a.yaml", "a"),
                ("catalog/c.yaml", "c"),
                ("catalog/chain.yaml", "c"),
                ("catalog/shared/c.yaml", "c"),
                ("catalog/shared/deep/d.yaml", "d"),
                ("catalog/sub/b.yaml", "b"),
                ("catalog/through.yaml", "d"),
            ]
            .map(|(p, o)| (p.to_owned(), o.to_owned()))
        );
        assert_eq!(
            walk.skipped,
            [
                ("catalog/abs.yaml".to_owned(), LINK_OUT),
                ("catalog/gone.yaml".to_owned(), LINK_TO_NOTHING),
                ("catalog/loop".to_owned(), LINK_LOOP),
                ("catalog/out.yaml".to_owned(), LINK_OUT),
                ("catalog/self.yaml".to_owned(), LINK_LOOP),
                ("catalog/vendor".to_owned(), SUBMODULE),
                ("catalog/x".to_owned(), LINK_LOOP),
            ]
        );
    }
}
