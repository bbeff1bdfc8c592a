//! Entry point: parses the command line, sets up logging, loads the config and dispatches.

mod cli;
mod progress;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    // the bot logs one line per command at info; the command line keeps stderr for problems
    let default_level = match args.command {
        cli::Command::Serve => "warn,interview_bot=info",
        _ => "warn",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level)),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &cli::Cli) -> anyhow::Result<()> {
    let config = cli::load_config(args)?;
    cli::run(args, &config)
}
