//! Replays the checked-in fuzz corpus (`fuzz/corpus/<target>/*`) through every target on
//! stable: inputs that once crashed, hung or broke a property stay fixed, and the corpus's
//! coverage runs with the ordinary tests.

use std::path::PathBuf;

fn corpus_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target)
}

#[test]
fn every_target_has_a_corpus_and_replays_it() {
    for (name, target) in oxmcp_fuzz::TARGETS {
        let dir = corpus_dir(name);
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.expect("a readable entry").path())
            .collect::<Vec<_>>();
        assert!(!entries.is_empty(), "{name} has no corpus");
        for path in entries {
            let data = std::fs::read(&path).expect("a readable input");
            let run = std::panic::catch_unwind(|| target(&data));
            assert!(run.is_ok(), "{name} failed on {}", path.display());
        }
    }
}
