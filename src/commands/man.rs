//! `pim man`: pim's man page in roff, from the command line's definition; each subcommand is
//! a section of the one page.

use crate::ExitStatus;
use crate::cli::Cli;
use anyhow::{Context, Result};
use clap::CommandFactory;

pub fn run() -> Result<ExitStatus> {
    super::print_stdout(&page()?)?;
    Ok(ExitStatus::Success)
}

/// The man page: NAME, SYNOPSIS, DESCRIPTION, OPTIONS and COMMANDS, then one section per
/// subcommand with its options, EXIT STATUS and VERSION.
pub fn page() -> Result<String> {
    let command = Cli::command();
    let mut out = Vec::new();
    let man = clap_mangen::Man::new(command.clone());
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    man.render_options_section(&mut out)?;
    // The subcommands are sections of this page, not pages of their own.
    out.extend(b".SH COMMANDS\n");
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
        out.extend(
            format!(
                ".TP\n\\fBpim {}\\fR\n{}\n",
                sub.get_name(),
                roff_text(&about)
            )
            .bytes(),
        );
    }
    // Nested subcommands (`pim import akeneo`) get sections of their own after their parent's.
    let mut sections: Vec<(String, clap::Command)> = Vec::new();
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("pim {}", sub.get_name());
        sections.push((name.clone(), sub.clone()));
        for nested in sub.get_subcommands().filter(|s| s.get_name() != "help") {
            sections.push((format!("{name} {}", nested.get_name()), nested.clone()));
        }
    }
    for (name, sub) in sections {
        let sub = sub.bin_name(name.clone()).display_name(name.clone());
        let mut section = Vec::new();
        let sub_man = clap_mangen::Man::new(sub);
        sub_man.render_synopsis_section(&mut section)?;
        sub_man.render_description_section(&mut section)?;
        sub_man.render_options_section(&mut section)?;
        let text = String::from_utf8(section).context("the man page is not UTF-8")?;
        // One page: each subcommand's sections become subsections under its name.
        out.extend(format!(".SH \"{}\"\n", name.to_uppercase()).bytes());
        out.extend(text.replace(".SH ", ".SS ").bytes());
    }
    out.extend(EXIT_STATUS.bytes());
    man.render_version_section(&mut out)?;
    String::from_utf8(out).context("the man page is not UTF-8")
}

/// Text for a roff line: backslashes and hyphens escaped, no line starting with a control
/// character.
fn roff_text(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with(['.', '\'']) {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

const EXIT_STATUS: &str = ".SH \"EXIT STATUS\"\n.TP\n0\nSuccess; warnings are allowed.\n.TP\n1\nThe catalog has errors, an export was refused, or an import kept files that differ.\n.TP\n2\nA usage, configuration, schema, template or I/O error outside the catalog files.\n.TP\n130\nInterrupted by Ctrl\\-C, after removing temporary files.\n";
