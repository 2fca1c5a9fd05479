//! The `chainplan` command line: validate a network document, solve it to a
//! plan, compare what-if scenarios with it, rank suppliers by criticality,
//! draw its chain as Graphviz DOT, or generate a synthetic one.
//!
//! Owns argument parsing (clap), tracing set-up and the mapping of failures to
//! exit codes (see [`Exit`]). Everything it does is a call into the library;
//! no planning logic lives here.

mod args;
mod commands;
mod exit;
mod progress;
mod serve;
mod worker;

use args::{Cli, Command, ImportCommand};
use clap::Parser;
use commands::*;
use exit::Exit;
use progress::PROGRESS_SHOWN;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::Ordering;

fn main() -> ExitCode {
    // Parsed before tracing is set up: clap prints help and usage errors itself
    // and exits 0 for --help/--version, 2 for a usage error.
    let cli = Cli::parse();
    // The server reports what it does; the one-shot commands stay quiet.
    init_tracing(
        if matches!(cli.command, Command::Serve(_) | Command::Worker(_)) {
            "info"
        } else {
            "warn"
        },
    );
    let result = match cli.command {
        Command::Validate(args) => validate(&args),
        Command::Solve(args) => solve_doc(&args),
        Command::Whatif(args) => whatif(&args),
        Command::Criticality(args) => criticality_of(&args),
        Command::Tradeoff(args) => tradeoff(&args),
        Command::Renovate(args) => renovate(&args),
        Command::Simulate(args) => simulate(&args),
        Command::Graph(args) => graph(&args),
        Command::Generate(args) => generate_doc(&args),
        Command::Import(ImportCommand::Willems(args)) => import_willems(&args),
        Command::Import(ImportCommand::Trigeiro(args)) => import_trigeiro(&args),
        Command::Import(ImportCommand::Mlclsp(args)) => import_mlclsp(&args),
        Command::Serve(args) => serve::serve(&args).map_err(Exit::Internal),
        Command::Worker(args) => worker::worker(&args).map_err(Exit::Internal),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(exit) => exit.report(),
    }
}

/// Logs go to stderr so they never mix with a plan or document on stdout.
fn init_tracing(default_level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| {
            // A log event during a solve would otherwise be appended to the
            // in-place progress line; clear it, and the next tick redraws it.
            if PROGRESS_SHOWN.load(Ordering::Relaxed) {
                let _ = write!(std::io::stderr(), "\r\x1b[K");
            }
            std::io::stderr()
        })
        // Colour codes would litter a log file or a CI transcript.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}
