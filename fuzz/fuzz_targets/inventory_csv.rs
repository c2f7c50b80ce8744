//! Any bytes as inventory.csv: rows or problems naming lines, never a panic, and every
//! path kept is inside the batch folder.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut problems = Vec::new();
    let entries = fehrist_pipeline::parse_inventory(data, "TJ-CSA", &mut problems);
    for problem in &problems {
        assert!(problem.path.starts_with("inventory.csv:"));
    }
    for entry in entries.values() {
        if let Some(path) = &entry.path {
            assert!(!path.split('/').any(|part| part == ".."), "{path}");
        }
    }
});
