//! pim's entry point: the panic hook, the command line, the exit status.

use clap::Parser;
use pim::ExitStatus;

// Parsing allocates a value per YAML node; mimalloc does that faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // Should a panic ever happen: one line asking for a report, not a backtrace wall.
    std::panic::set_hook(Box::new(|info| {
        let what = info.to_string().replace('\n', " ");
        eprintln!(
            "error: pim crashed ({what}); this is a bug, please report it with the command you ran"
        );
    }));
    let cli = pim::cli::Cli::parse();
    // On Ctrl-C: remove the temporary files of writes in progress, then exit 130.
    let _ = ctrlc::set_handler(|| {
        pim::fsutil::remove_in_progress();
        std::process::exit(ExitStatus::Interrupted.code());
    });
    // The whole run gets a large stack: YAML parsing recurses per nesting level.
    let status = std::thread::Builder::new()
        .stack_size(pim::STACK_SIZE)
        .spawn(move || match pim::run(cli) {
            Ok(status) => status,
            Err(error) => {
                // An error may quote a file's value: its control characters are shown.
                let text = format!("{error:#}");
                let lines: Vec<_> = text.split('\n').map(pim::report::visible).collect();
                eprintln!("error: {}", lines.join("\n"));
                ExitStatus::Error
            }
        })
        .ok()
        .and_then(|handle| handle.join().ok())
        .unwrap_or(ExitStatus::Error);
    std::process::exit(status.code());
}
