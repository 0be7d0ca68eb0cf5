//! Writing feeds: paths confined to the output folder, all-or-nothing staged writes, modes
//! as a new file would get them, unchanged files kept, signals and stale temporary files.

use anyhow::{Context, Result, anyhow, bail};
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

/// Temporary files being written, removed by the signal handler before pim exits.
static IN_PROGRESS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Held while staged files are renamed over their targets: a signal waits for the renames
/// (and any rollback) to end, so the set of feeds is the old one or the new one, never mixed.
static COMMITTING: Mutex<()> = Mutex::new(());

/// The name pim gives its temporary files: `.pim-` + 6 random characters + `.tmp` (a staged
/// feed) or `.bak` (the previous feed, kept while the set is renamed).
const PREFIX: &str = ".pim-";
const RANDOM_LEN: usize = 6;

/// Removes the temporary files of writes in progress: what an interrupted run (Ctrl-C,
/// SIGTERM, SIGHUP) must do before it exits (SPEC §3). Renames in progress (and any
/// rollback) end first, so the set of feeds is the old one or the new one.
pub fn remove_in_progress() {
    let _renames_done = COMMITTING.lock();
    if let Ok(mut paths) = IN_PROGRESS.lock() {
        for path in paths.drain(..) {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn track(path: &Path, active: bool) {
    if let Ok(mut paths) = IN_PROGRESS.lock() {
        if active {
            paths.push(path.to_path_buf());
        } else {
            paths.retain(|p| p != path);
        }
    }
}

/// Makes `path`'s folder, one level at a time below `out_dir`, checking each level before
/// going deeper: a level that is a symlink must lead to a folder inside `out_dir`, so no
/// folder is ever created outside it.
pub fn prepare_folder(out_dir: &Path, path: &Path) -> Result<()> {
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create the output folder {}", out_dir.display()))?;
    let base = out_dir
        .canonicalize()
        .with_context(|| format!("cannot read the output folder {}", out_dir.display()))?;
    let rel = path.strip_prefix(out_dir).unwrap_or(path);
    let mut folder = out_dir.to_path_buf();
    let levels: Vec<Component<'_>> = rel.components().collect();
    for level in levels.iter().take(levels.len().saturating_sub(1)) {
        folder.push(level);
        match folder.symlink_metadata() {
            Ok(meta) if meta.file_type().is_symlink() => {
                let inside = folder
                    .canonicalize()
                    .is_ok_and(|real| real.starts_with(&base) && real.is_dir());
                if !inside {
                    bail!(
                        "{} leads out of the output folder {} (through a symlink); nothing was written",
                        path.display(),
                        out_dir.display()
                    );
                }
            }
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => bail!(
                "{} is in the way of {}: it is a file where a folder must be; nothing was written",
                folder.display(),
                path.display()
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir(&folder).with_context(|| {
                    format!("cannot create the output folder {}", folder.display())
                })?;
            }
            Err(e) => {
                return Err(e).with_context(|| {
                    format!("cannot read the output folder {}", folder.display())
                });
            }
        }
    }
    Ok(())
}

/// Nothing is in the way of the file: it is absent or a regular file (not a folder, FIFO,
/// device or symlink).
fn check_target(path: &Path) -> Result<()> {
    match path.symlink_metadata() {
        Ok(meta) if meta.file_type().is_symlink() => bail!(
            "{} is a symlink; pim does not write through symlinks; nothing was written",
            path.display()
        ),
        Ok(meta) if meta.is_dir() => bail!(
            "{} is a folder, in the way of the feed; nothing was written",
            path.display()
        ),
        Ok(meta) if !meta.is_file() => bail!(
            "{} is not a regular file (a FIFO, socket or device); nothing was written",
            path.display()
        ),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Whether a file name is one pim gives its temporary files.
fn is_own_temporary(name: &str) -> bool {
    let Some(rest) = name.strip_prefix(PREFIX) else {
        return false;
    };
    let Some(random) = rest
        .strip_suffix(".tmp")
        .or_else(|| rest.strip_suffix(".bak"))
    else {
        return false;
    };
    random.len() == RANDOM_LEN && random.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Removes temporary files of pim's naming that no running pim holds (a live one is locked
/// by the pim writing it): what a killed export left behind.
fn remove_stale(folder: &Path) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !is_own_temporary(&name.to_string_lossy()) {
            continue;
        }
        let path = entry.path();
        let regular = path.symlink_metadata().is_ok_and(|m| m.is_file());
        let Ok(file) = std::fs::File::open(&path) else {
            continue;
        };
        if regular && file.try_lock().is_ok() {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// A file written to a temporary file beside its target, not yet renamed over it.
struct Staged {
    path: PathBuf,
    /// `None` when the target already holds exactly these bytes.
    temp: Option<tempfile::NamedTempFile>,
}

impl Drop for Staged {
    fn drop(&mut self) {
        if let Some(temp) = &self.temp {
            track(temp.path(), false);
        }
    }
}

/// The feeds of one export. Each is checked and written to a temporary file beside its
/// target as it comes ([`StagedSet::stage`]); [`StagedSet::commit`] then renames them all,
/// restoring the old feeds should a rename fail. Dropped without a commit, it removes its
/// temporary files and leaves every feed as it was.
pub struct StagedSet {
    out_dir: PathBuf,
    files: Vec<Staged>,
    /// Folders already cleared of stale temporary files.
    swept: Vec<PathBuf>,
}

impl StagedSet {
    /// Feeds under `out_dir` (created on the first [`StagedSet::stage`]).
    pub fn new(out_dir: &Path) -> StagedSet {
        StagedSet {
            out_dir: out_dir.to_path_buf(),
            files: Vec::new(),
            swept: Vec::new(),
        }
    }

    /// Checks `path` (inside the output folder, through symlinks; nothing in the way) and
    /// writes `bytes` to a temporary file beside it, with the mode the feed will have: the old
    /// feed's, or a new file's under the umask.
    pub fn stage(&mut self, path: &Path, bytes: &[u8]) -> Result<()> {
        prepare_folder(&self.out_dir, path)?;
        check_target(path)?;
        let parent = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        if !self.swept.contains(&parent) {
            remove_stale(&parent);
            self.swept.push(parent);
        }
        self.files.push(write_temp(path, bytes, true)?);
        Ok(())
    }

    /// Renames every staged file over its target, in order; for each, whether it was written
    /// (`false` when unchanged). Should a rename fail, the feeds already renamed get their old
    /// contents back (from a hard link kept for the purpose) or are removed if they are new,
    /// and the error names the feed.
    pub fn commit(mut self) -> Result<Vec<bool>> {
        let _no_signal_until_done = COMMITTING
            .lock()
            .map_err(|_| anyhow!("a previous write failed"))?;
        // Each renamed feed with the previous one, if any.
        let mut done: Vec<(PathBuf, Option<Backup>)> = Vec::new();
        let mut written = Vec::new();
        for staged in &mut self.files {
            let Some(temp) = staged.temp.take() else {
                written.push(false);
                continue;
            };
            let temp_path = temp.path().to_path_buf();
            let result = backup(&staged.path).and_then(|old| {
                temp.persist(&staged.path)
                    .map_err(|e| anyhow!(e.error))
                    .with_context(|| format!("cannot write {}", staged.path.display()))
                    .map(|_| old)
            });
            track(&temp_path, false);
            match result {
                Ok(old) => {
                    done.push((staged.path.clone(), old));
                    written.push(true);
                }
                Err(e) => {
                    let restored = rollback(done);
                    return Err(e.context(if restored {
                        "every feed written before it was restored; nothing changed"
                    } else {
                        "some feeds written before it could not be restored"
                    }));
                }
            }
        }
        Ok(written)
    }
}

/// `bytes` in a temporary file beside `path` (unless `path` holds them already), with the
/// mode the file will have: the old file's, or a new file's under the umask; flushed to the
/// disk when `sync`.
fn write_temp(path: &Path, bytes: &[u8], sync: bool) -> Result<Staged> {
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let old_mode = path.symlink_metadata().ok().map(|m| m.permissions());
    let unchanged = old_mode.is_some()
        && crate::source::read_regular(path, bytes.len() as u64)
            .is_ok_and(|old| old.is_ok_and(|old| old == bytes));
    if unchanged {
        return Ok(Staged {
            path: path.to_path_buf(),
            temp: None,
        });
    }
    let mut builder = tempfile::Builder::new();
    builder.prefix(PREFIX).suffix(".tmp").rand_bytes(RANDOM_LEN);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // The kernel applies the umask, as to any new file.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder
        .tempfile_in(parent)
        .with_context(|| format!("cannot write in {}", parent.display()))?;
    track(temp.path(), true);
    // Locked while it lives, so another export does not take it for stale.
    let _ = temp.as_file().try_lock();
    let written = temp
        .write_all(bytes)
        .and_then(|()| match old_mode {
            Some(mode) => temp.as_file().set_permissions(mode),
            None => Ok(()),
        })
        .and_then(|()| {
            if sync {
                temp.as_file().sync_all()
            } else {
                Ok(())
            }
        });
    if let Err(e) = written {
        track(temp.path(), false);
        return Err(e).with_context(|| format!("cannot write {}", path.display()));
    }
    Ok(Staged {
        path: path.to_path_buf(),
        temp: Some(temp),
    })
}

/// One file written on its own (a product file, editor settings, an import): a temporary
/// file beside it, then [`Single::commit`] renames it over, so a reader sees the old file or
/// the new one. Its folder must exist ([`prepare_folder`]).
pub struct Single(Staged);

/// Stages `bytes` for `path` alone, flushed to the disk; see [`Single`].
pub fn stage(path: &Path, bytes: &[u8]) -> Result<Single> {
    check_target(path)?;
    write_temp(path, bytes, true).map(Single)
}

/// [`stage`] for a file that does not exist yet, without waiting for the disk: there is no
/// previous version a crash could lose, and an import writes thousands of such files.
pub fn stage_new(path: &Path, bytes: &[u8]) -> Result<Single> {
    check_target(path)?;
    write_temp(path, bytes, false).map(Single)
}

impl Single {
    /// Renames the temporary file over the target; `false` when nothing changed.
    pub fn commit(mut self) -> Result<bool> {
        let Some(temp) = self.0.temp.take() else {
            return Ok(false);
        };
        let _no_signal_until_done = COMMITTING
            .lock()
            .map_err(|_| anyhow!("a previous write failed"))?;
        let temp_path = temp.path().to_path_buf();
        let result = temp
            .persist(&self.0.path)
            .map(|_| true)
            .with_context(|| format!("cannot write {}", self.0.path.display()));
        track(&temp_path, false);
        result
    }
}

/// The previous contents of a feed while the set is renamed: a second name for its file
/// (hard link), locked so that another export does not take it for stale. Removed when
/// dropped.
struct Backup {
    file: tempfile::NamedTempFile<std::fs::File>,
}

/// A backup of `path` beside it, `None` when there is no file to keep.
fn backup(path: &Path) -> Result<Option<Backup>> {
    if !path.symlink_metadata().is_ok_and(|m| m.is_file()) {
        return Ok(None);
    }
    let parent = path.parent().unwrap_or(Path::new("."));
    let keep = |candidate: &Path| {
        std::fs::hard_link(path, candidate)
            .or_else(|_| std::fs::copy(path, candidate).map(|_| ()))?;
        let file = std::fs::File::open(candidate)?;
        let _ = file.try_lock();
        Ok(file)
    };
    let file = tempfile::Builder::new()
        .prefix(PREFIX)
        .suffix(".bak")
        .rand_bytes(RANDOM_LEN)
        .make_in(parent, keep)
        .with_context(|| format!("cannot keep a copy of {}", path.display()))?;
    Ok(Some(Backup { file }))
}

/// Puts the old feeds back, newest first; `false` if any could not be.
fn rollback(done: Vec<(PathBuf, Option<Backup>)>) -> bool {
    let mut all = true;
    for (path, old) in done.into_iter().rev() {
        let restored = match old {
            Some(old) => old.file.persist(&path).is_ok(),
            None => std::fs::remove_file(&path).is_ok(),
        };
        all &= restored;
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, files: &[(&str, &[u8])]) -> Result<Vec<bool>> {
        let mut set = StagedSet::new(dir);
        for (name, bytes) in files {
            set.stage(&dir.join(name), bytes)?;
        }
        set.commit()
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn unchanged_files_are_not_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        assert_eq!(write(dir.path(), &[("a.csv", b"x\n")]).unwrap(), [true]);
        assert_eq!(write(dir.path(), &[("a.csv", b"x\n")]).unwrap(), [false]);
        assert_eq!(write(dir.path(), &[("a.csv", b"y\n")]).unwrap(), [true]);
        assert_eq!(std::fs::read(&path).unwrap(), b"y\n");
        assert_eq!(names(dir.path()), ["a.csv"], "no temporary file left");
    }

    #[test]
    fn a_failed_rename_restores_the_feeds_renamed_before_it() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &[("a.csv", b"old a"), ("b.csv", b"old b")]).unwrap();
        let mut set = StagedSet::new(dir.path());
        for name in ["a.csv", "new.csv", "b.csv"] {
            set.stage(&dir.path().join(name), b"new").unwrap();
        }
        // Something takes b.csv's place after the checks: its rename fails.
        std::fs::remove_file(dir.path().join("b.csv")).unwrap();
        std::fs::create_dir_all(dir.path().join("b.csv/x")).unwrap();
        let err = format!("{:#}", set.commit().unwrap_err());
        assert!(err.contains("b.csv"), "{err}");
        assert!(err.contains("restored"), "{err}");
        assert_eq!(std::fs::read(dir.path().join("a.csv")).unwrap(), b"old a");
        assert!(!dir.path().join("new.csv").exists());
        assert_eq!(names(dir.path()), ["a.csv", "b.csv"]);
    }

    #[test]
    fn nothing_is_staged_past_a_folder_in_the_way() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("feed.csv")).unwrap();
        std::fs::write(dir.path().join("shop"), "a file").unwrap();
        let mut set = StagedSet::new(dir.path());
        let err = set.stage(&dir.path().join("feed.csv"), b"x").unwrap_err();
        assert!(err.to_string().contains("is a folder"), "{err}");
        let err = set.stage(&dir.path().join("shop/index.html"), b"x");
        assert!(err.unwrap_err().to_string().contains("in the way"));
        drop(set);
        assert_eq!(names(dir.path()), ["feed.csv", "shop"]);
    }

    #[cfg(unix)]
    #[test]
    fn modes_follow_the_umask_or_the_old_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        write(dir.path(), &[("a.csv", b"1")]).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        // A new file: 0o666 less the umask of the test process (0o022 here and in CI).
        let probe = dir.path().join("probe");
        std::fs::write(&probe, "").unwrap();
        assert_eq!(mode(&path), mode(&probe));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        write(dir.path(), &[("a.csv", b"2")]).unwrap();
        assert_eq!(mode(&path), 0o640);
    }

    #[test]
    fn stale_temporary_files_of_our_naming_are_removed() {
        assert!(is_own_temporary(".pim-AbC123.tmp"));
        assert!(is_own_temporary(".pim-x9Y8z7.bak"));
        assert!(!is_own_temporary(".pim-notes.txt"));
        assert!(!is_own_temporary(".pim-toolong1.tmp"));
        assert!(!is_own_temporary("pim-AbC123.tmp"));
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".pim-AbC123.tmp"), "stale").unwrap();
        std::fs::write(dir.path().join(".pim-notes.txt"), "mine").unwrap();
        // A live one, locked by the export writing it, stays.
        let live = dir.path().join(".pim-LiVe12.tmp");
        let file = std::fs::File::create(&live).unwrap();
        file.lock().unwrap();
        write(dir.path(), &[("a.csv", b"1")]).unwrap();
        assert_eq!(
            names(dir.path()),
            [".pim-LiVe12.tmp", ".pim-notes.txt", "a.csv"]
        );
    }
}
