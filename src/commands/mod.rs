//! One file per subcommand: command-line arguments become plain options, the engine runs,
//! `report` renders its result, and the command picks the exit status. Nothing below here
//! prints but through [`print_stdout`] and [`note`].

mod completions;
mod diff;
mod export;
mod import;
mod init;
mod man;
mod new;
mod report;
mod show;
mod validate;

use crate::ExitStatus;
use crate::cli::{Cli, Command};
use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where a command runs: the current folder, and where to look for the project.
pub struct Invocation {
    pub cwd: PathBuf,
    /// `-C DIR` joined to the current folder, or the current folder.
    pub start: PathBuf,
}

impl Invocation {
    /// The project folder: the nearest `pim.toml` at or above the start folder.
    pub fn project_root(&self) -> Result<PathBuf> {
        crate::config::discover(&self.start)
    }

    /// A path given on the command line, relative to where pim runs.
    pub fn path(&self, path: &Path) -> PathBuf {
        self.cwd.join(path)
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<ExitStatus> {
    let cwd = std::env::current_dir().context("cannot read the current folder")?;
    let start = match &cli.project {
        Some(dir) => cwd.join(dir),
        None => cwd.clone(),
    };
    let invocation = Invocation { cwd, start };
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(crate::STACK_SIZE)
        .build_global();
    match cli.command {
        Command::Validate(args) => validate::run(&invocation, &args),
        Command::Export(args) => export::run(&invocation, &args),
        Command::Diff(args) => diff::run(&invocation, &args),
        Command::Init(args) => init::run(&invocation, &args),
        Command::New(args) => new::run(&invocation, &args),
        Command::Show(args) => show::run(&invocation, &args),
        Command::Report(args) => report::run(&invocation, &args),
        Command::Completions(args) => completions::run(&args),
        Command::Man => man::run(),
        Command::Import(args) => import::run(&invocation, &args),
    }
}

// The command line's format choices, as the report module knows formats.
impl From<crate::cli::Format> for crate::report::Format {
    fn from(format: crate::cli::Format) -> Self {
        match format {
            crate::cli::Format::Human => Self::Human,
            crate::cli::Format::Json => Self::Json,
            crate::cli::Format::Github => Self::Github,
        }
    }
}

impl From<crate::cli::DiffFormat> for crate::report::Format {
    fn from(format: crate::cli::DiffFormat) -> Self {
        match format {
            crate::cli::DiffFormat::Human => Self::Human,
            crate::cli::DiffFormat::Markdown => Self::Markdown,
            crate::cli::DiffFormat::Json => Self::Json,
        }
    }
}

impl From<crate::cli::ImportFormat> for crate::report::Format {
    fn from(format: crate::cli::ImportFormat) -> Self {
        match format {
            crate::cli::ImportFormat::Human => Self::Human,
            crate::cli::ImportFormat::Json => Self::Json,
        }
    }
}

/// Writes to stdout; a closed pipe (`pim validate | head`) ends the output quietly.
pub fn print_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to stdout"),
    }
}

/// Keeps the editor files current (see [`crate::editor`]); a failure is a warning, never an
/// error: editor support must not stop a check.
pub fn refresh_editor(project: &crate::catalog::Project, settings: bool) -> Vec<String> {
    match crate::editor::refresh(project, settings) {
        Ok(_) => Vec::new(),
        Err(e) => vec![format!(
            "warning: the editor schemas in {} were not updated: {e:#}",
            crate::editor::FOLDER
        )],
    }
}

/// A line for the user on stderr (notes, refusals), never mixed with a machine format.
pub fn note(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}
