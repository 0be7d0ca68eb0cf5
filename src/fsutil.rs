//! Writing feeds: paths confined to the output folder, atomic writes, unchanged files kept.

use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Temporary files being written, removed by the Ctrl-C handler before pim exits.
static IN_PROGRESS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Removes the temporary files of writes in progress: what an interrupted run must do
/// before it exits (SPEC §3).
pub fn remove_in_progress() {
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

/// Creates the file's folder and checks that, symlinks resolved, it is inside `out_dir`.
pub fn prepare_folder(out_dir: &Path, path: &Path) -> Result<()> {
    let parent = path.parent().unwrap_or(out_dir);
    std::fs::create_dir_all(parent)
        .with_context(|| format!("cannot create the output folder {}", parent.display()))?;
    let base = out_dir
        .canonicalize()
        .with_context(|| format!("cannot read the output folder {}", out_dir.display()))?;
    let real = parent
        .canonicalize()
        .with_context(|| format!("cannot read the output folder {}", parent.display()))?;
    if !real.starts_with(&base) {
        bail!(
            "{} leads out of the output folder {} (through a symlink); nothing was written",
            path.display(),
            out_dir.display()
        );
    }
    if path
        .symlink_metadata()
        .is_ok_and(|m| m.file_type().is_symlink())
    {
        bail!(
            "{} is a symlink; pim does not write through symlinks",
            path.display()
        );
    }
    Ok(())
}

/// A file written to a temporary file beside its target, not yet renamed over it. Dropped
/// without [`Staged::commit`], it removes its temporary file.
pub struct Staged {
    path: PathBuf,
    /// `None` when the target already holds exactly these bytes.
    temp: Option<tempfile::NamedTempFile>,
}

/// Writes `bytes` to a temporary file beside `path`; [`Staged::commit`] renames it over, so a
/// reader sees the old file or the new one, never a part.
pub fn stage(path: &Path, bytes: &[u8]) -> Result<Staged> {
    stage_inner(path, bytes, true)
}

/// [`stage`] for a file that does not exist yet, without waiting for the disk: there is no
/// previous version a crash could lose, and an import writes thousands of such files.
pub fn stage_new(path: &Path, bytes: &[u8]) -> Result<Staged> {
    stage_inner(path, bytes, false)
}

fn stage_inner(path: &Path, bytes: &[u8], sync: bool) -> Result<Staged> {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(Staged {
            path: path.to_path_buf(),
            temp: None,
        });
    }
    let parent = path.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(".pim-")
        .suffix(".tmp")
        .tempfile_in(parent)
        .with_context(|| format!("cannot write in {}", parent.display()))?;
    track(temp.path(), true);
    let written = temp.write_all(bytes).and_then(|()| {
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

impl Staged {
    /// Renames the temporary file over the target; `false` when nothing changed.
    pub fn commit(mut self) -> Result<bool> {
        let Some(temp) = self.temp.take() else {
            return Ok(false);
        };
        let temp_path = temp.path().to_path_buf();
        let result = temp
            .persist(&self.path)
            .map(|_| true)
            .with_context(|| format!("cannot write {}", self.path.display()));
        track(&temp_path, false);
        result
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if let Some(temp) = &self.temp {
            track(temp.path(), false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unchanged_files_are_not_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        assert!(stage(&path, b"x\n").unwrap().commit().unwrap());
        assert!(!stage(&path, b"x\n").unwrap().commit().unwrap());
        assert!(stage(&path, b"y\n").unwrap().commit().unwrap());
        assert_eq!(std::fs::read(&path).unwrap(), b"y\n");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }
}
