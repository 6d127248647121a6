//! The asyncio twins in `tests/asyncio/`: each `NAME.py`, run on CPython,
//! prints exactly `NAME.expected`, the log its corio port must reproduce.
//! A twin whose header says `Expected output: CPython 3.13` runs on
//! `python3.13`, and is skipped (with a note) where there is none.

use std::path::Path;
use std::process::Command;

#[test]
fn every_twin_prints_its_expected_output_on_cpython() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/asyncio");
    let mut twins: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "py"))
        .collect();
    twins.sort();
    assert!(twins.len() >= 10, "the twins are in {}", dir.display());
    for twin in twins {
        let source = std::fs::read_to_string(&twin).unwrap();
        let python = if source.contains("Expected output: CPython 3.13") { "python3.13" } else { "python3" };
        let Ok(output) = Command::new(python).arg(&twin).output() else {
            assert_ne!(python, "python3", "python3 is needed to check the twins");
            eprintln!("skipped {}: no {python} here", twin.display());
            continue;
        };
        if !output.status.success() && python != "python3" {
            eprintln!("skipped {}: {python} did not run it", twin.display());
            continue;
        }
        assert!(output.status.success(), "{}: {}", twin.display(), String::from_utf8_lossy(&output.stderr));
        let expected = std::fs::read_to_string(twin.with_extension("expected")).unwrap();
        assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), expected.trim(), "{}", twin.display());
    }
}
