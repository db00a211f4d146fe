//! The shared bad-input corpus (`../shared/bad-inputs`, see its README.md):
//! every malformed or hostile file gets its exit code and diagnostic codes.
//! Runs only where the corpus and `python3` are present, so CI elsewhere
//! stays green.

use std::path::Path;
use std::process::Command;

#[test]
fn bad_input_corpus_passes() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bad-inputs");
    let runner = corpus.join("run_cases.py");
    if !runner.is_file() {
        eprintln!("note: skipped, no corpus at {}", runner.display());
        return;
    }
    let python = Command::new("python3").arg("--version").output();
    if !python.is_ok_and(|out| out.status.success()) {
        eprintln!("note: skipped, python3 is not on PATH");
        return;
    }

    // every case, the `leads` ones included
    let run = Command::new("python3")
        .arg(&runner)
        .arg(env!("CARGO_BIN_EXE_trustidx"))
        .arg(&corpus)
        .output()
        .expect("run the corpus");

    assert!(
        run.status.success(),
        "bad-input corpus failed ({}):\n{}\n{}",
        run.status,
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr),
    );
}
