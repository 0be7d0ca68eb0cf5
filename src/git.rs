//! The few git operations `pim diff` needs, through the `git` command, in bulk: one
//! `ls-tree` and one `cat-file --batch` per revision, never a process per file.

use anyhow::{Context, Result, anyhow, bail};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A git repository and where the project sits in it.
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

    /// The project's regular files at `rev`: (path relative to the project, blob id).
    pub fn list(&self, rev: &str) -> Result<Vec<(String, String)>> {
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
        let mut files = Vec::new();
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
            // Regular files only: symlinks and submodules are not read from history.
            if kind != "blob" || mode == "120000" {
                continue;
            }
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
            files.push((rel, oid.to_owned()));
        }
        Ok(files)
    }

    /// The contents of blobs, in order, through one `git cat-file --batch`.
    pub fn read_blobs(&self, oids: &[&str]) -> Result<Vec<Vec<u8>>> {
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
