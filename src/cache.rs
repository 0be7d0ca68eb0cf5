//! The validation cache of SPEC §7: what checking each product file learned, kept under
//! `.pim/cache/` and reused while the file, the project's settings and pim are unchanged.
//!
//! The whole cache is tied to one project key: pim's version (and executable), `pim.toml`,
//! every schema file, the categories file and the assets folder's listing (paths, sizes,
//! modification times). An entry is tied to its file's metadata (size, modification and
//! change times, inode) as git's index is, and to its git blob id: metadata that changed,
//! or that changed too close to when the entry was made (a "racy" file), sends pim to the
//! content, and a file whose content is unchanged is not checked again. `pim diff` finds a
//! revision's product files in the cache by path and blob id ([`Known`]).
//!
//! The cache is one binary file: the entries in the catalog's order, then the whole run's
//! diagnostics. A run whose files all match their entries prints those diagnostics without
//! looking further; a run with changes checks the changed files and runs the cross-file
//! rules over the facts the entries hold, read in place. A run that learned something
//! rewrites the file through a temporary file renamed into place, so concurrent runs never
//! leave a torn file. A cache that cannot be read or written is ignored with a warning.

use crate::catalog::{Checked, Facts, ProductPath, Project};
use crate::diag::{Diagnostic, Position, Rule, Severity};
use crate::rules::{CrossFacts, Fact, FactUnit};
use crate::source;
use crate::validate::{self, CheckOptions};
use anyhow::Result;
use rayon::prelude::*;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hasher};
use std::io::Write;
use std::path::Path;

/// Where the cache lives, relative to the project root.
pub const FOLDER: &str = ".pim/cache";
/// Bumped when the file's form changes; it is part of the file's name.
const FORMAT: u32 = 5;
/// The first bytes of the cache file.
const MAGIC: &[u8; 8] = b"pimcache";
/// A file modified less than this before it was checked is confirmed by its content.
const RACY_NS: i64 = 2_000_000_000;

fn file_name() -> String {
    format!("validate-v{FORMAT}.bin")
}

/// A file's metadata as the cache compares it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    len: u64,
    mtime: i64,
    ctime: i64,
    ino: u64,
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Stamp {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Stamp {
                len: meta.len(),
                mtime: meta
                    .mtime()
                    .saturating_mul(1_000_000_000)
                    .saturating_add(meta.mtime_nsec()),
                ctime: meta
                    .ctime()
                    .saturating_mul(1_000_000_000)
                    .saturating_add(meta.ctime_nsec()),
                ino: meta.ino(),
            }
        }
        #[cfg(not(unix))]
        {
            Stamp {
                len: meta.len(),
                mtime: meta.modified().map_or(0, nanos),
                ctime: 0,
                ino: 0,
            }
        }
    }

    /// The stamp of a regular file (following links), if it has one.
    fn of_path(path: &Path) -> Option<Stamp> {
        std::fs::metadata(path)
            .ok()
            .filter(std::fs::Metadata::is_file)
            .map(|m| Stamp::of(&m))
    }
}

/// Each file's stamp. On unix a folder's files are looked up by name in the folder, opened
/// once, which spares the kernel walking the whole path for each.
fn stamps(files: &[ProductPath]) -> Vec<Option<Stamp>> {
    #[cfg(unix)]
    {
        use rustix::fs::{AtFlags, FileType, Mode, OFlags};
        let mut folders: Vec<(Option<&Path>, Option<rustix::fd::OwnedFd>)> = Vec::new();
        let mut folder_of = Vec::with_capacity(files.len());
        for f in files {
            let parent = f.path.parent();
            if folders.last().is_none_or(|(p, _)| *p != parent) {
                let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
                let fd = parent.and_then(|p| rustix::fs::open(p, flags, Mode::empty()).ok());
                folders.push((parent, fd));
            }
            folder_of.push(folders.len() - 1);
        }
        #[allow(clippy::unnecessary_cast)]
        let of_stat = |st: rustix::fs::Stat| Stamp {
            len: st.st_size as u64,
            mtime: (st.st_mtime as i64)
                .saturating_mul(1_000_000_000)
                .saturating_add(st.st_mtime_nsec as i64),
            ctime: (st.st_ctime as i64)
                .saturating_mul(1_000_000_000)
                .saturating_add(st.st_ctime_nsec as i64),
            ino: st.st_ino as u64,
        };
        files
            .par_iter()
            .zip(folder_of.par_iter())
            .map(|(f, &folder)| {
                let fd = folders.get(folder).and_then(|(_, fd)| fd.as_ref());
                match (fd, f.path.file_name()) {
                    (Some(fd), Some(name)) => rustix::fs::statat(fd, name, AtFlags::empty())
                        .ok()
                        .filter(|st| FileType::from_raw_mode(st.st_mode) == FileType::RegularFile)
                        .map(of_stat),
                    _ => Stamp::of_path(&f.path),
                }
            })
            .collect()
    }
    #[cfg(not(unix))]
    {
        files.par_iter().map(|f| Stamp::of_path(&f.path)).collect()
    }
}

fn nanos(time: std::time::SystemTime) -> i64 {
    time.duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// Appends the cache file's parts: little-endian integers, length-prefixed strings.
#[derive(Default)]
struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    fn i64(&mut self, v: i64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    /// A count, length or offset: seven bits a byte (LEB128).
    fn len(&mut self, n: usize) {
        let mut n = n as u64;
        while n >= 0x80 {
            self.buf.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.buf.push(n as u8);
    }

    fn str(&mut self, s: &str) {
        self.len(s.len());
        self.buf.extend_from_slice(s.as_bytes());
    }

    fn opt(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.u8(1);
                self.str(s);
            }
            None => self.u8(0),
        }
    }

    fn stamp(&mut self, s: Stamp) {
        self.u64(s.len);
        self.i64(s.mtime);
        self.i64(s.ctime);
        self.u64(s.ino);
    }

    /// A fixed-width number written later at `at` (a length known only then).
    fn patch(&mut self, at: usize, v: u64) {
        if let Some(slot) = self.buf.get_mut(at..at + 8) {
            slot.copy_from_slice(&v.to_le_bytes());
        }
    }

    fn diagnostic(&mut self, d: &Diagnostic) {
        self.u8(match d.severity {
            Severity::Error => 0,
            Severity::Warning => 1,
        });
        self.str(&d.rule.id());
        self.str(&d.file);
        match d.position {
            Position::Offset(offset) => {
                self.u8(0);
                self.len(offset);
            }
            Position::LineColumn { line, column } => {
                self.u8(1);
                self.len(line);
                self.len(column);
            }
        }
        self.len(d.line);
        self.len(d.column);
        self.opt(d.pointer.as_deref());
        self.opt(d.sku.as_deref());
        self.str(&d.message);
        self.opt(d.help.as_deref());
        self.opt(d.source_line.as_deref());
    }

    fn diagnostics<'d>(&mut self, list: impl ExactSizeIterator<Item = &'d Diagnostic>) {
        self.len(list.len());
        for d in list {
            self.diagnostic(d);
        }
    }
}

/// Reads what [`Writer`] wrote; `None` where the bytes are not what they should be.
struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.buf.split_at_checked(n)?;
        self.buf = rest;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn len(&mut self) -> Option<usize> {
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            n |= u64::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                return usize::try_from(n).ok();
            }
        }
        None
    }

    /// A count of things that take at least one byte each: never more than the bytes left.
    fn count(&mut self) -> Option<usize> {
        self.len().filter(|&n| n <= self.buf.len())
    }

    fn str(&mut self) -> Option<&'a str> {
        let n = self.len()?;
        std::str::from_utf8(self.take(n)?).ok()
    }

    fn opt(&mut self) -> Option<Option<&'a str>> {
        match self.u8()? {
            0 => Some(None),
            1 => Some(Some(self.str()?)),
            _ => None,
        }
    }

    fn stamp(&mut self) -> Option<Stamp> {
        Some(Stamp {
            len: self.u64()?,
            mtime: self.i64()?,
            ctime: self.i64()?,
            ino: self.u64()?,
        })
    }

    fn diagnostic(&mut self) -> Option<Diagnostic> {
        let severity = match self.u8()? {
            0 => Severity::Error,
            1 => Severity::Warning,
            _ => return None,
        };
        let rule = Rule::from_id(self.str()?)?;
        let file = self.str()?.to_owned();
        let position = match self.u8()? {
            0 => Position::Offset(self.len()?),
            1 => Position::LineColumn {
                line: self.len()?,
                column: self.len()?,
            },
            _ => return None,
        };
        Some(Diagnostic {
            severity,
            rule,
            file,
            position,
            line: self.len()?,
            column: self.len()?,
            pointer: self.opt()?.map(str::to_owned),
            sku: self.opt()?.map(str::to_owned),
            message: self.str()?.to_owned(),
            help: self.opt()?.map(str::to_owned),
            source_line: self.opt()?.map(str::to_owned),
        })
    }

    fn diagnostics(&mut self) -> Option<Vec<Diagnostic>> {
        let n = self.count()?;
        (0..n).map(|_| self.diagnostic()).collect()
    }
}

/// One file's entry in the cache file, its parts found but not yet read.
struct Record<'a> {
    rel: &'a str,
    stamp: Stamp,
    /// When the stamp was taken (nanoseconds since the epoch).
    at: i64,
    /// The file's git blob id (SHA-1 of `blob <length>\0` and the bytes).
    blob: Blob,
    /// The file read as a product.
    has_facts: bool,
    /// Its sellable items.
    items: usize,
    /// What follows: SKU, facts and diagnostics.
    body: &'a [u8],
    /// The whole record as written.
    bytes: &'a [u8],
}

impl Record<'_> {
    /// Its metadata alone says the file is unchanged.
    fn fresh(&self, stamp: Stamp) -> bool {
        self.stamp == stamp && self.stamp.mtime.saturating_add(RACY_NS) < self.at
    }
}

/// What a run keeps of a record's body besides the facts: the product's SKU and the file's
/// own diagnostics.
struct Body<'a> {
    sku: Option<&'a str>,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> Body<'a> {
    /// Reads a record's body whole (`facts: None`), or its SKU and facts only, which go to
    /// `facts` as those of the file at the given index.
    fn read(bytes: &'a [u8], mut facts: Option<(&mut CrossFacts<'a>, usize)>) -> Option<Body<'a>> {
        let mut r = Reader { buf: bytes };
        let sku = r.opt()?;
        for list in 0..3 {
            let n = r.count()?;
            for _ in 0..n {
                let (value, offset, pointer) = (r.str()?, r.len()?, r.str()?);
                if let Some((facts, file)) = facts.as_mut() {
                    let to = match list {
                        0 => &mut facts.skus,
                        1 => &mut facts.gtins,
                        _ => &mut facts.links,
                    };
                    to.push(Fact {
                        file: *file,
                        value,
                        offset,
                        pointer,
                    });
                }
            }
        }
        let n = r.count()?;
        for _ in 0..n {
            let (attribute, top, unit) = (r.str()?, r.str()?, r.str()?);
            if let Some((facts, file)) = facts.as_mut() {
                facts.units.push(FactUnit {
                    file: *file,
                    attribute,
                    top,
                    unit,
                });
            }
        }
        if facts.is_some() {
            return Some(Body {
                sku,
                diagnostics: Vec::new(),
            });
        }
        let diagnostics = r.diagnostics()?;
        r.buf.is_empty().then_some(Body { sku, diagnostics })
    }
}

/// Writes a record: path, metadata, blob id, summary, then the body.
fn write_record(
    w: &mut Writer,
    rel: &str,
    stamp: Stamp,
    at: i64,
    blob: &Blob,
    (has_facts, items): (bool, usize),
    body: impl FnOnce(&mut Writer),
) {
    let start = w.buf.len();
    w.u64(0);
    w.str(rel);
    w.stamp(stamp);
    w.i64(at);
    w.buf.extend_from_slice(blob);
    w.u8(u8::from(has_facts));
    w.len(items);
    body(w);
    let len = (w.buf.len() - start - 8) as u64;
    w.patch(start, len);
}

/// A checked file's body.
fn write_body(w: &mut Writer, checked: &Checked) {
    w.opt(checked.sku.as_deref());
    let facts = checked.facts.as_ref();
    for list in [
        facts.map(|f| &f.skus),
        facts.map(|f| &f.gtins),
        facts.map(|f| &f.links),
    ] {
        let list = list.map_or(&[][..], Vec::as_slice);
        w.len(list.len());
        for l in list {
            w.str(&l.value);
            w.len(l.offset);
            w.str(&l.pointer);
        }
    }
    let units = facts.map_or(&[][..], |f| f.measurements.as_slice());
    w.len(units.len());
    for m in units {
        w.str(&m.attribute);
        w.str(&m.top);
        w.str(&m.unit);
    }
    w.diagnostics(checked.diagnostics.iter());
}

/// The cache file's first bytes, of fixed size: what a run needs to know whether anything
/// changed, and where the parts that follow end.
struct Header {
    key: u64,
    /// The paths skipped with a warning.
    skipped: u64,
    /// Every entry's path and metadata, in order.
    files: u64,
    /// Every entry is old enough for its metadata to be trusted.
    settled: bool,
    /// Lengths of the parts after the header: per file whether it is a product and its
    /// items; the run's diagnostics; the entries.
    summary: u64,
    diagnostics: u64,
    /// A hash of the summary and the diagnostics: the kept report is printed as it is when
    /// nothing changed, so a damaged byte in it must not pass for the catalog's state.
    report_sum: u64,
    /// How many SKUs, GTINs, links and measurements the entries hold, to make room for.
    sizes: [u64; 4],
}

impl Header {
    const LEN: usize = 8 + 8 + 8 + 8 + 8 + 1 + 8 + 8 + 8 + 4 * 8;

    fn write(&self, w: &mut Writer) {
        w.buf.extend_from_slice(MAGIC);
        w.u64(u64::from(FORMAT));
        w.u64(self.key);
        w.u64(self.skipped);
        w.u64(self.files);
        w.u8(u8::from(self.settled));
        w.u64(self.summary);
        w.u64(self.diagnostics);
        w.u64(self.report_sum);
        for n in self.sizes {
            w.u64(n);
        }
    }

    fn read(r: &mut Reader<'_>) -> Option<Header> {
        if r.take(MAGIC.len())? != &MAGIC[..] || r.u64()? != u64::from(FORMAT) {
            return None;
        }
        Some(Header {
            key: r.u64()?,
            skipped: r.u64()?,
            files: r.u64()?,
            settled: r.u8()? == 1,
            summary: r.u64()?,
            diagnostics: r.u64()?,
            report_sum: r.u64()?,
            sizes: [r.u64()?, r.u64()?, r.u64()?, r.u64()?],
        })
    }

    /// The parts after the header: summary, diagnostics, entries.
    fn parts<'a>(&self, rest: &'a [u8]) -> Option<(&'a [u8], &'a [u8], &'a [u8])> {
        let mut r = Reader { buf: rest };
        let summary = r.take(usize::try_from(self.summary).ok()?)?;
        let diagnostics = r.take(usize::try_from(self.diagnostics).ok()?)?;
        Some((summary, diagnostics, r.buf))
    }
}

/// The key of the product files' paths and metadata, in order.
#[derive(Default)]
struct FilesKey(DefaultHasher);

impl FilesKey {
    fn add(&mut self, rel: &str, s: Stamp) {
        let h = &mut self.0;
        h.write(rel.as_bytes());
        h.write_u8(0xff);
        h.write_u64(s.len);
        h.write_i64(s.mtime);
        h.write_i64(s.ctime);
        h.write_u64(s.ino);
    }
}

/// Whether a file is a product, and its items.
type Counts = (bool, usize);

/// The hash [`Header::report_sum`] holds.
fn report_sum(summary: &[u8], diagnostics: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    h.write(summary);
    h.write_u8(0xff);
    h.write(diagnostics);
    h.finish()
}

/// Room to reserve for `n` facts the header announces, a little more, but never more than
/// the cache file's `bytes` could hold (each fact takes a byte at least): a damaged header
/// must not make pim ask for exabytes.
fn room_for(n: u64, bytes: usize) -> usize {
    usize::try_from(n)
        .unwrap_or(usize::MAX)
        .min(bytes)
        .saturating_add(1024)
}

/// The last run's outcome when nothing changed since: per file whether it is a product and
/// its items, and the run's diagnostics, read from the cache file right after its header.
fn unchanged(
    file: &mut std::fs::File,
    header: &Header,
    count: usize,
) -> Option<(Vec<Counts>, Vec<Diagnostic>)> {
    use std::io::Read;
    let len = header.summary.checked_add(header.diagnostics)?;
    // What the header announces must be in the file (a damaged one could claim exabytes).
    if len > file.metadata().ok()?.len() {
        return None;
    }
    let len = usize::try_from(len).ok()?;
    let mut bytes = vec![0; len];
    file.read_exact(&mut bytes).ok()?;
    let (summary, diagnostics, _) = header.parts(&bytes)?;
    if report_sum(summary, diagnostics) != header.report_sum {
        return None;
    }
    let mut r = Reader { buf: summary };
    let counts = (0..count)
        .map(|_| {
            let n = r.len()?;
            Some((n > 0, n.saturating_sub(1)))
        })
        .collect::<Option<Vec<_>>>()?;
    let mut r = Reader { buf: diagnostics };
    let list = r.diagnostics()?;
    (r.buf.is_empty()).then_some((counts, list))
}

/// Opens a regular file without blocking: a FIFO, socket or device put where the cache
/// (or a file its key reads) should be is an error, never a hang.
fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other(
            "it is not a regular file (a FIFO, socket or device)",
        ));
    }
    Ok(file)
}

/// A regular file read whole, as [`open_regular`] opens it.
fn read_whole(path: &Path) -> std::io::Result<Vec<u8>> {
    match source::read_regular(path, u64::MAX)? {
        Ok(bytes) => Ok(bytes),
        Err(size) => Err(std::io::Error::other(format!("{size} bytes is too large"))),
    }
}

/// The cache file's header, and the file to read on from it. `Err`: a warning.
fn open_header(path: &Path) -> Result<Option<(std::fs::File, Header)>, String> {
    use std::io::Read;
    let mut file = match open_regular(path) {
        Ok(file) => file,
        // No cache yet (or no folder for it: writing it will say why).
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let mut bytes = [0; Header::LEN];
    file.read_exact(&mut bytes)
        .ok()
        .and_then(|()| Header::read(&mut Reader { buf: &bytes }))
        .map(|header| Some((file, header)))
        .ok_or_else(|| format!("{} is not readable", path.display()))
}

/// The cache file read whole: its entries, found but not yet read.
fn entries<'a>(header: &Header, rest: &'a [u8]) -> Option<Vec<Record<'a>>> {
    let (_, _, entries) = header.parts(rest)?;
    let mut r = Reader { buf: entries };
    let mut records = Vec::new();
    while !r.buf.is_empty() {
        records.push(record(&mut r)?);
    }
    Some(records)
}

fn record<'a>(r: &mut Reader<'a>) -> Option<Record<'a>> {
    let len = usize::try_from(r.u64()?).ok()?;
    let bytes = r.take(len)?;
    let mut inner = Reader { buf: bytes };
    Some(Record {
        rel: inner.str()?,
        stamp: inner.stamp()?,
        at: inner.i64()?,
        blob: inner.take(20)?.try_into().ok()?,
        has_facts: match inner.u8()? {
            0 => false,
            1 => true,
            _ => return None,
        },
        items: inner.len()?,
        body: inner.buf,
        bytes,
    })
}

/// A git blob id.
pub type Blob = [u8; 20];

/// The git blob id of a file's bytes, as `git hash-object` gives it.
pub fn blob_id(bytes: &[u8]) -> Blob {
    use sha1::{Digest, Sha1};
    let mut h = Sha1::new();
    h.update(format!("blob {}\0", bytes.len()).as_bytes());
    h.update(bytes);
    h.finalize().into()
}

/// The key of everything besides the product files that a check depends on.
fn project_key(project: &Project) -> u64 {
    let mut h = DefaultHasher::new();
    // A change of the hash function itself changes this value too.
    let mut canary = DefaultHasher::new();
    canary.write(b"pim cache canary");
    h.write_u64(canary.finish());
    h.write_u32(FORMAT);
    h.write(env!("CARGO_PKG_VERSION").as_bytes());
    if let Some(meta) = std::env::current_exe()
        .ok()
        .and_then(|exe| std::fs::metadata(exe).ok())
    {
        let stamp = Stamp::of(&meta);
        h.write_u64(stamp.len);
        h.write_i64(stamp.mtime);
    }
    let root = &project.root;
    let p = &project.config.project;
    hash_file(&mut h, &root.join(crate::config::FILE_NAME));
    hash_file(&mut h, &root.join(&p.categories));
    hash_tree(&mut h, &root.join(&p.schemas), true);
    hash_tree(&mut h, &root.join(&p.assets), false);
    h.finish()
}

fn hash_file(h: &mut DefaultHasher, path: &Path) {
    match read_whole(path) {
        Ok(bytes) => {
            h.write_u8(1);
            h.write(&bytes);
            h.write_usize(bytes.len());
        }
        Err(_) => h.write_u8(0),
    }
}

/// Every path under a folder, with its content (`content`) or size and times.
fn hash_tree(h: &mut DefaultHasher, dir: &Path, content: bool) {
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
    {
        match entry {
            Ok(entry) => {
                let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
                h.write(rel.as_os_str().as_encoded_bytes());
                h.write_u8(0xff);
                let is_file = entry.file_type().is_file();
                h.write_u8(u8::from(is_file));
                if is_file {
                    if content {
                        hash_file(h, entry.path());
                    } else if let Ok(meta) = entry.metadata() {
                        let stamp = Stamp::of(&meta);
                        h.write_u64(stamp.len);
                        h.write_i64(stamp.mtime);
                    }
                }
            }
            Err(e) => {
                h.write(b"error");
                h.write(e.to_string().as_bytes());
            }
        }
    }
}

/// The key of what checking a product file depends on besides the file itself, from the
/// content of the project's files alone (so a git revision written to a folder and the
/// working tree can be compared): `pim.toml`, the categories file, every schema file, and
/// the paths under the assets folder. `None` when the schemas or assets hold a symlink (a
/// revision is written without them).
pub fn content_key(project: &Project) -> Option<u64> {
    let mut h = DefaultHasher::new();
    h.write_u32(FORMAT);
    let root = &project.root;
    let p = &project.config.project;
    hash_file(&mut h, &root.join(crate::config::FILE_NAME));
    hash_file(&mut h, &root.join(&p.categories));
    for (dir, content) in [(root.join(&p.schemas), true), (root.join(&p.assets), false)] {
        if dir.symlink_metadata().is_err() {
            h.write_u8(0xfd);
            continue;
        }
        for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
            let entry = entry.ok()?;
            if entry.path_is_symlink() {
                return None;
            }
            let rel = entry.path().strip_prefix(&dir).unwrap_or(entry.path());
            h.write(rel.as_os_str().as_encoded_bytes());
            h.write_u8(0xff);
            let is_file = entry.file_type().is_file();
            h.write_u8(u8::from(is_file));
            if is_file && content {
                hash_file(&mut h, entry.path());
            }
        }
        h.write_u8(0xfe);
    }
    Some(h.finish())
}

/// The paths skipped with a warning, as a number.
fn skipped_key(skipped: &[Diagnostic]) -> u64 {
    let mut h = DefaultHasher::new();
    for d in skipped {
        h.write(d.file.as_bytes());
        h.write_u8(0xff);
        h.write(d.message.as_bytes());
        h.write_u8(0xff);
    }
    h.finish()
}

/// What became of one file this run.
enum Outcome<'a> {
    /// Its entry holds: unchanged (`stamp: None`), or unchanged in content with new
    /// metadata.
    Stored {
        record: usize,
        stamp: Option<Stamp>,
        body: Body<'a>,
    },
    /// Checked now; `stamp` is `None` when the result cannot be kept.
    Checked {
        checked: Box<Checked>,
        stamp: Option<Stamp>,
        blob: Blob,
    },
}

/// Each file's path, and its items if it is a product.
pub type Counted = Vec<(String, Option<usize>)>;

fn counted(file: ProductPath, (has_facts, items): Counts) -> (String, Option<usize>) {
    (file.rel, has_facts.then_some(items))
}

/// The whole catalog's diagnostics as [`validate::validate_catalog`] finds them (positions
/// resolved), taking what the cache knows of unchanged files and storing what it learns of
/// the others; with them each file's items, and warnings about the cache itself.
pub fn validate(
    project: &Project,
    files: Vec<ProductPath>,
    skipped: Vec<Diagnostic>,
) -> Result<(Vec<Diagnostic>, Counted, Vec<String>)> {
    let dir = project.root.join(FOLDER);
    let path = dir.join(file_name());
    let key = project_key(project);
    let now = nanos(std::time::SystemTime::now());
    let mut warnings = Vec::new();
    let opened = open_header(&path).unwrap_or_else(|warning| {
        warnings.push(warning);
        None
    });
    let skipped_now = skipped_key(&skipped);
    let stamps = stamps(&files);

    // Nothing changed: the last run's diagnostics stand.
    let mut known = false;
    if let Some((mut file, header)) = opened
        && header.key == key
    {
        known = true;
        let mut complete = true;
        let mut now_key = FilesKey::default();
        for (f, s) in files.iter().zip(&stamps) {
            match s {
                Some(s) => now_key.add(&f.rel, *s),
                None => complete = false,
            }
        }
        if header.settled
            && header.skipped == skipped_now
            && complete
            && now_key.0.finish() == header.files
            && let Some((counts, diagnostics)) = unchanged(&mut file, &header, files.len())
        {
            let counts = files.into_iter().zip(counts).map(|(f, c)| counted(f, c));
            return Ok((diagnostics, counts.collect(), warnings));
        }
    }

    let bytes = if known {
        read_whole(&path).unwrap_or_default()
    } else {
        Vec::new()
    };
    let mut sizes = [0; 4];
    let records: Vec<Record<'_>> = if bytes.is_empty() {
        Vec::new()
    } else {
        let mut r = Reader { buf: &bytes };
        match Header::read(&mut r) {
            Some(header) if header.key == key => {
                sizes = header.sizes;
                entries(&header, r.buf).unwrap_or_else(|| {
                    warnings.push(format!("{} is not readable", path.display()));
                    Vec::new()
                })
            }
            _ => Vec::new(),
        }
    };
    let index: HashMap<&str, usize> = records
        .iter()
        .enumerate()
        .map(|(i, r)| (r.rel, i))
        .collect();
    let records = records.as_slice();
    let outcomes: Vec<Outcome<'_>> = files
        .par_iter()
        .zip(stamps.par_iter())
        .enumerate()
        .map(|(i, (file, &stamp))| {
            let old = index
                .get(file.rel.as_str())
                .and_then(|&j| Some((j, records.get(j)?)));
            check_one(project, i, file, stamp, old)
        })
        .collect();
    drop(index);

    let mut facts = CrossFacts::default();
    // Room for what the last run found and a little more: growing these lists costs more.
    let room = |n: u64| room_for(n, bytes.len());
    facts.files.reserve(files.len());
    facts.skus.reserve(room(sizes[0]));
    facts.gtins.reserve(room(sizes[1]));
    facts.links.reserve(room(sizes[2]));
    facts.units.reserve(room(sizes[3]));
    for (outcome, file) in outcomes.iter().zip(&files) {
        match outcome {
            Outcome::Stored { record, body, .. } => {
                if let Some(r) = records.get(*record)
                    && r.has_facts
                {
                    let at = facts.add_file(&file.rel, body.sku);
                    // Read whole once already: this cannot fail.
                    let _ = Body::read(r.body, Some((&mut facts, at)));
                }
            }
            Outcome::Checked { checked, .. } => {
                if let Some(f) = &checked.facts {
                    facts.add(&checked.file.rel, checked.sku.as_deref(), f);
                }
            }
        }
    }
    let own = outcomes.iter().flat_map(|o| match o {
        Outcome::Stored { body, .. } => body.diagnostics.iter().cloned(),
        Outcome::Checked { checked, .. } => checked.diagnostics.iter().cloned(),
    });
    let mut diagnostics = validate::conclude(project, skipped, own, &facts)?;
    let sizes = [
        facts.skus.len() as u64,
        facts.gtins.len() as u64,
        facts.links.len() as u64,
        facts.units.len() as u64,
    ];
    drop(facts);
    resolve_positions(project, &mut diagnostics);

    // The new cache file: header, summary, the run's diagnostics, then the entries
    // (unchanged ones copied as they are).
    let mut kept = FilesKey::default();
    let mut settled = true;
    let mut summary = Writer::default();
    for outcome in &outcomes {
        let (rel, stamp, at, counts) = match outcome {
            Outcome::Stored { record, stamp, .. } => {
                let Some(r) = records.get(*record) else {
                    continue;
                };
                let (stamp, at) = stamp.map_or((r.stamp, r.at), |s| (s, now));
                (r.rel, stamp, at, (r.has_facts, r.items))
            }
            Outcome::Checked {
                checked,
                stamp: Some(stamp),
                ..
            } => {
                let items = checked.facts.as_ref().map(|f| f.items);
                let counts = (items.is_some(), items.unwrap_or(0));
                (checked.file.rel.as_str(), *stamp, now, counts)
            }
            Outcome::Checked { stamp: None, .. } => continue,
        };
        kept.add(rel, stamp);
        settled &= stamp.mtime.saturating_add(RACY_NS) < at;
        summary.len(if counts.0 {
            counts.1.saturating_add(1)
        } else {
            0
        });
    }
    let mut listed = Writer::default();
    listed.diagnostics(diagnostics.iter());
    let header = Header {
        key,
        skipped: skipped_now,
        files: kept.0.finish(),
        settled,
        summary: summary.buf.len() as u64,
        diagnostics: listed.buf.len() as u64,
        report_sum: report_sum(&summary.buf, &listed.buf),
        sizes,
    };
    let mut head = Writer::default();
    header.write(&mut head);
    let written = save(&dir, |out| {
        out.write_all(&head.buf)?;
        out.write_all(&summary.buf)?;
        out.write_all(&listed.buf)?;
        let mut w = Writer::default();
        for outcome in &outcomes {
            w.buf.clear();
            match outcome {
                Outcome::Stored {
                    record,
                    stamp: None,
                    ..
                } => {
                    let Some(r) = records.get(*record) else {
                        continue;
                    };
                    w.u64(r.bytes.len() as u64);
                    out.write_all(&w.buf)?;
                    out.write_all(r.bytes)?;
                    continue;
                }
                Outcome::Stored {
                    record,
                    stamp: Some(stamp),
                    ..
                } => {
                    let Some(r) = records.get(*record) else {
                        continue;
                    };
                    let counts = (r.has_facts, r.items);
                    write_record(&mut w, r.rel, *stamp, now, &r.blob, counts, |w| {
                        w.buf.extend_from_slice(r.body);
                    });
                }
                Outcome::Checked {
                    checked,
                    stamp: Some(stamp),
                    blob,
                } => {
                    let items = checked.facts.as_ref().map(|f| f.items);
                    let counts = (items.is_some(), items.unwrap_or(0));
                    let rel = checked.file.rel.as_str();
                    write_record(&mut w, rel, *stamp, now, blob, counts, |w| {
                        write_body(w, checked);
                    });
                }
                Outcome::Checked { stamp: None, .. } => continue,
            }
            out.write_all(&w.buf)?;
        }
        Ok(())
    });
    let counts = outcomes
        .into_iter()
        .zip(files)
        .map(|(outcome, file)| match outcome {
            Outcome::Stored { record, .. } => {
                let r = records.get(record);
                let counts = r.map_or((false, 0), |r| (r.has_facts, r.items));
                counted(file, counts)
            }
            Outcome::Checked { checked, .. } => (file.rel, checked.facts.as_ref().map(|f| f.items)),
        })
        .collect();
    if let Err(e) = written {
        warnings.push(format!("cannot write {}: {e}", path.display()));
    }
    Ok((diagnostics, counts, warnings))
}

/// Positions (line, column, source line) of the diagnostics that have none yet, in place.
fn resolve_positions(project: &Project, diagnostics: &mut [Diagnostic]) {
    let pending: Vec<usize> = diagnostics
        .iter()
        .enumerate()
        .filter(|(_, d)| d.source_line.is_none())
        .map(|(i, _)| i)
        .collect();
    if pending.is_empty() {
        return;
    }
    let mut taken: Vec<Diagnostic> = pending
        .iter()
        .filter_map(|&i| diagnostics.get(i).cloned())
        .collect();
    source::resolve_positions(
        &project.root,
        project.config.limits.max_file_size.0,
        &mut taken,
    );
    for (i, d) in pending.into_iter().zip(taken) {
        if let Some(slot) = diagnostics.get_mut(i) {
            *slot = d;
        }
    }
}

/// Writes the cache file through a temporary file renamed into place.
fn save(
    dir: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = tempfile::Builder::new()
        .prefix(".validate-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, tmp);
    write(&mut out)?;
    let tmp = out
        .into_inner()
        .map_err(std::io::IntoInnerError::into_error)?;
    tmp.persist(dir.join(file_name())).map_err(|e| e.error)?;
    // Files of earlier forms of the cache are of no further use.
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with("validate-v") && name != file_name() {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    Ok(())
}

/// The cache's problems as warnings for the user: the first one says enough.
pub fn warnings_text(warnings: &[String]) -> Option<String> {
    let first = warnings.first()?;
    Some(format!(
        "warning: the cache in {FOLDER} is ignored where it failed ({first}); the check is complete without it"
    ))
}

fn check_one<'a>(
    project: &Project,
    index: usize,
    file: &ProductPath,
    stamp: Option<Stamp>,
    old: Option<(usize, &Record<'a>)>,
) -> Outcome<'a> {
    if let (Some(stamp), Some((record, entry))) = (stamp, old)
        && entry.fresh(stamp)
        && let Some(body) = Body::read(entry.body, None)
    {
        return Outcome::Stored {
            record,
            stamp: None,
            body,
        };
    }
    let limits = &project.config.limits;
    let failed = |checked: Checked| Outcome::Checked {
        checked: Box::new(checked),
        stamp: None,
        blob: [0; 20],
    };
    let Some(bytes) = source::read_regular(&file.path, limits.max_file_size.0)
        .ok()
        .and_then(Result::ok)
    else {
        // Read again for the diagnostic a plain read gives.
        return failed(match source::read(&file.path, &file.rel, limits) {
            Ok(text) => check_text(project, index, file, &text),
            Err(d) => Checked::failed(file, d),
        });
    };
    let blob = blob_id(&bytes);
    if let (Some(stamp), Some((record, entry))) = (stamp, old)
        && entry.blob == blob
        && let Some(body) = Body::read(entry.body, None)
    {
        return Outcome::Stored {
            record,
            stamp: Some(stamp),
            body,
        };
    }
    let text = match source::decode(bytes, &file.rel) {
        Ok(text) => text,
        Err(d) => return failed(Checked::failed(file, d)),
    };
    Outcome::Checked {
        checked: Box::new(check_text(project, index, file, &text)),
        stamp,
        blob,
    }
}

/// Checks a file's text, positions resolved.
fn check_text(project: &Project, index: usize, file: &ProductPath, text: &source::Text) -> Checked {
    let mut checked = validate::check_text(project, index, file, text, CheckOptions::default());
    source::resolve_positions_with(&mut checked.diagnostics, |_| {
        Some(text.text.as_bytes().to_vec())
    });
    checked
}

/// The cache as `pim diff` reads it: what checking each product file of the working tree
/// learned, found by path and git blob id.
pub struct Known {
    bytes: Vec<u8>,
}

/// A file of a revision: from the cache, or checked now.
enum Part<'a> {
    Stored(&'a Record<'a>, Body<'a>),
    Fresh(Box<Checked>),
}

impl Known {
    /// The cache of the working tree of `project`, when it is the project's current one.
    pub fn read(project: &Project) -> Option<Known> {
        let bytes = read_whole(&project.root.join(FOLDER).join(file_name())).ok()?;
        let header = Header::read(&mut Reader { buf: &bytes })?;
        (header.key == project_key(project)).then_some(Known { bytes })
    }

    fn records(&self) -> (Vec<Record<'_>>, [u64; 4]) {
        let mut r = Reader { buf: &self.bytes };
        Header::read(&mut r)
            .and_then(|header| Some((entries(&header, r.buf)?, header.sizes)))
            .unwrap_or_default()
    }

    /// Whether the cache holds each file with that blob id.
    pub fn holds(&self, files: &[(ProductPath, Blob)]) -> Vec<bool> {
        let (records, _) = self.records();
        let index: HashMap<&str, &Record<'_>> = records.iter().map(|r| (r.rel, r)).collect();
        files
            .par_iter()
            .map(|(file, blob)| {
                index
                    .get(file.rel.as_str())
                    .filter(|r| r.blob == *blob)
                    .is_some_and(|r| Body::read(r.body, None).is_some())
            })
            .collect()
    }

    /// A revision's catalog checked as [`crate::validate::validate_checked`] does: each file
    /// the cache holds with its blob id taken from it (positions resolved, without values:
    /// only what a diff needs), the others (`fresh`) as checked now.
    pub fn conclude(
        &self,
        project: &Project,
        files: &[(ProductPath, Blob)],
        fresh: Vec<Option<Checked>>,
        skipped: Vec<Diagnostic>,
    ) -> Result<validate::Validation> {
        let (records, sizes) = self.records();
        let index: HashMap<&str, &Record<'_>> = records.iter().map(|r| (r.rel, r)).collect();
        let parts: Vec<Option<Part<'_>>> = files
            .par_iter()
            .zip(fresh.into_par_iter())
            .map(|((file, blob), fresh)| match fresh {
                Some(checked) => Some(Part::Fresh(Box::new(checked))),
                None => {
                    let r = index.get(file.rel.as_str()).filter(|r| r.blob == *blob)?;
                    Some(Part::Stored(r, Body::read(r.body, None)?))
                }
            })
            .collect();
        let Some(parts) = parts.into_iter().collect::<Option<Vec<_>>>() else {
            anyhow::bail!("the cache in {FOLDER} changed while it was read; run again");
        };
        let mut facts = CrossFacts::default();
        let room = |n: u64| room_for(n, self.bytes.len());
        facts.files.reserve(files.len());
        facts.skus.reserve(room(sizes[0]));
        facts.gtins.reserve(room(sizes[1]));
        facts.links.reserve(room(sizes[2]));
        facts.units.reserve(room(sizes[3]));
        for (part, (file, _)) in parts.iter().zip(files) {
            match part {
                Part::Stored(r, body) => {
                    if r.has_facts {
                        let at = facts.add_file(&file.rel, body.sku);
                        let _ = Body::read(r.body, Some((&mut facts, at)));
                    }
                }
                Part::Fresh(c) => {
                    if let Some(f) = &c.facts {
                        facts.add(&c.file.rel, c.sku.as_deref(), f);
                    }
                }
            }
        }
        let own = parts.iter().flat_map(|p| match p {
            Part::Stored(_, body) => body.diagnostics.iter().cloned(),
            Part::Fresh(c) => c.diagnostics.iter().cloned(),
        });
        let diagnostics = validate::conclude(project, skipped, own, &facts)?;
        drop(facts);
        let checked = parts
            .into_iter()
            .zip(files)
            .map(|(part, (file, _))| match part {
                Part::Stored(r, body) => light(r, body.sku, file),
                Part::Fresh(mut c) => {
                    c.diagnostics = Vec::new();
                    *c
                }
            })
            .collect();
        Ok(validate::Validation {
            checked,
            diagnostics,
        })
    }

    /// For each file, the file as a diff needs it (path, SKU, items; no values) and its
    /// blob id, if the cache holds the file.
    pub fn by_path(&self, files: &[ProductPath]) -> Vec<Option<(Checked, Blob)>> {
        let (records, _) = self.records();
        let index: HashMap<&str, &Record<'_>> = records.iter().map(|r| (r.rel, r)).collect();
        files
            .par_iter()
            .map(|file| {
                let r = index.get(file.rel.as_str())?;
                let body = Body::read(r.body, None)?;
                Some((light(r, body.sku, file), r.blob))
            })
            .collect()
    }
}

/// A record as a checked file for a diff: path, SKU and items only.
fn light(record: &Record<'_>, sku: Option<&str>, file: &ProductPath) -> Checked {
    Checked {
        file: file.clone(),
        diagnostics: Vec::new(),
        facts: record.has_facts.then(|| Facts {
            items: record.items,
            ..Facts::default()
        }),
        sku: sku.map(str::to_owned),
        value: None,
        item_offsets: Vec::new(),
        channel_items: Vec::new(),
        evaluation_error: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_diagnostics_read_back_as_written() {
        let mut w = Writer::default();
        for n in [0, 1, 127, 128, 300, usize::MAX] {
            w.len(n);
        }
        let d = Diagnostic::new(
            Rule::DuplicateSku,
            "catalog/a.yaml",
            Position::Offset(42),
            "SKU `A` is also defined in catalog/b.yaml".to_owned(),
        )
        .at("/sku".to_owned())
        .sku(Some("A"))
        .help("give one of them a new SKU");
        w.diagnostics([&d].into_iter());
        let mut r = Reader { buf: &w.buf };
        for n in [0, 1, 127, 128, 300, usize::MAX] {
            assert_eq!(r.len(), Some(n));
        }
        assert_eq!(r.diagnostics(), Some(vec![d]));
        assert!(r.buf.is_empty());
    }

    #[test]
    fn damaged_bytes_read_as_nothing() {
        // A count larger than the bytes left, a length past the end, a bad tag.
        for bytes in [&[0xff, 0x01][..], &[0x05, b'a'], &[0x01, 0x07]] {
            let mut r = Reader { buf: bytes };
            assert!(r.diagnostics().is_none());
        }
        assert!(Header::read(&mut Reader { buf: b"{ not json" }).is_none());
    }

    #[test]
    fn blob_ids_are_git_s() {
        // `printf 'hello\n' | git hash-object --stdin`
        let hex: String = blob_id(b"hello\n")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(hex, "ce013625030ba8dba906f756967f9e9ca394464a");
    }
}
