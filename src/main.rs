use clap::Parser;
use pim::ExitStatus;

// Parsing allocates a value per YAML node; mimalloc does that faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("pim: internal error ({info}); this is a bug, please report it");
    }));
    let cli = pim::cli::Cli::parse();
    // The whole run gets a large stack: YAML parsing recurses per nesting level.
    let status = std::thread::Builder::new()
        .stack_size(pim::STACK_SIZE)
        .spawn(move || match pim::run(cli) {
            Ok(status) => status,
            Err(error) => {
                eprintln!("error: {error:#}");
                ExitStatus::Error
            }
        })
        .ok()
        .and_then(|handle| handle.join().ok())
        .unwrap_or(ExitStatus::Error);
    std::process::exit(status.code());
}
