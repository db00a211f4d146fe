//! `trustidx`: parse the command line, run, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // A write over `ulimit -f` must fail with EFBIG (reported, exit 2), not
    // kill the process with SIGXFSZ halfway through a file.
    #[cfg(unix)]
    // SAFETY: setting a signal to SIG_IGN at start, before any thread exists.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    let cli = match trustidx::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match trustidx::run(cli) {
        Ok(status) => ExitCode::from(status.code()),
        Err(e) => {
            eprintln!("trustidx: {e}");
            ExitCode::from(2)
        }
    }
}
